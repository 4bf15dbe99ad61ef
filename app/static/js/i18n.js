// Strings through one door: t(key, params) looks the key up in the chosen locale's catalogue (each
// domain adds its own with addStrings, see i18n/<domain>.js); numbers, money and dates through Intl.
const SUPPORTED = ["ru", "en"];
const KEY = "mc.locale";
const catalogs = { ru: {}, en: {} };
const listeners = new Set();

function initialLocale() {
  let stored = null;
  try { stored = localStorage.getItem(KEY); } catch { /* storage off: follow the browser */ }
  if (SUPPORTED.includes(stored)) return stored;
  const nav = (navigator.language || "en").toLowerCase();
  return nav.startsWith("ru") ? "ru" : "en";
}

let locale = initialLocale();
let plurals = new Intl.PluralRules(locale);
document.documentElement.lang = locale;

/** Add a domain's strings: addStrings({ru: {key: "…"}, en: {key: "…"}}); a plural is {one, few, many, other}. */
export function addStrings(bundle) {
  for (const [loc, strings] of Object.entries(bundle)) Object.assign((catalogs[loc] ||= {}), strings);
}

/** The chosen locale: "ru" or "en". */
export function getLocale() { return locale; }

/** Choose the locale (kept in localStorage); listeners (onLocale) redraw the page. */
export function setLocale(next) {
  if (!SUPPORTED.includes(next) || next === locale) return;
  locale = next;
  plurals = new Intl.PluralRules(locale);
  document.documentElement.lang = locale;
  try { localStorage.setItem(KEY, locale); } catch { /* not kept: this page only */ }
  for (const fn of listeners) fn(locale);
}

/** Call fn(locale) after every setLocale; returns the unsubscribe function. */
export function onLocale(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The supported locales, for the switch in Settings. */
export const LOCALES = SUPPORTED;

/** Is there a string for `key` (in the chosen locale or English)? */
export function hasString(key) {
  return catalogs[locale][key] !== undefined || catalogs.en[key] !== undefined;
}

/** Translate `key`; `{name}` placeholders are filled from params; `params.count` picks a plural form. */
export function t(key, params = {}) {
  let s = catalogs[locale][key] ?? catalogs.en[key];
  if (s === undefined) {
    console.warn("i18n: no string", key);
    return key;
  }
  if (typeof s === "object") {
    const form = typeof params.count === "number" ? plurals.select(params.count) : "other";
    s = s[form] ?? s.other;
  }
  return s.replace(/\{(\w+)\}/g, (m, k) => {
    if (!(k in params)) return m;
    const v = params[k];
    return typeof v === "number" ? fmt.number(v) : String(v ?? "");
  });
}

function currency() {
  return document.querySelector('meta[name="currency"]')?.content || "RUB";
}

const toDate = (v) => (v instanceof Date ? v : new Date(v));

/** Formatting through Intl in the chosen locale (money in the server's CURRENCY). */
export const fmt = {
  number: (n, opts) => new Intl.NumberFormat(locale, opts).format(n),
  money: (amount, cur = currency()) => new Intl.NumberFormat(locale, { style: "currency", currency: cur, currencyDisplay: "narrowSymbol", maximumFractionDigits: Number.isInteger(Number(amount)) ? 0 : 2 }).format(amount),
  date: (v) => (v ? new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(toDate(v)) : ""),
  dateTime: (v) => (v ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(toDate(v)) : ""),
  time: (v) => (v ? new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(toDate(v)) : ""),
  /** Today: the time; otherwise the day and month (chat lists, message stamps). */
  short: (v) => {
    if (!v) return "";
    const d = toDate(v);
    if (d.toDateString() === new Date().toDateString()) return fmt.time(d);
    return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" }).format(d);
  },
  /** "5 minutes ago" / "через 2 дня". */
  relative: (v) => {
    if (!v) return "";
    const diff = (toDate(v).getTime() - Date.now()) / 1000;
    const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    const steps = [["second", 60], ["minute", 60], ["hour", 24], ["day", 7], ["week", 4.35], ["month", 12], ["year", Infinity]];
    let value = diff;
    for (const [unit, size] of steps) {
      if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
      value /= size;
    }
    return "";
  },
};
