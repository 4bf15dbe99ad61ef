// Marketplace pieces shared by the catalogue, master mode and the requests pages.
import { api, qs } from "../../api.js";
import "../../i18n/market.js";
import { clear, dateTime, el, errorText, toast } from "../../dom.js";
import { fmt, getLocale, t } from "../../i18n.js";

let categoriesData = null;
let categoriesCache = null;

/** The category tree and a flat list, named in the interface's language (name_ru / name_en). */
export async function categories() {
  if (!categoriesData) categoriesData = api("GET", "/categories", undefined, { auth: false }).catch((err) => { categoriesData = null; throw err; });
  const data = await categoriesData;
  if (!categoriesCache || categoriesCache.locale !== getLocale()) {
    const own = (c) => (getLocale() === "ru" ? c.name_ru : c.name_en) || c.name;
    const flat = [];
    const named = (items, depth) => (items || []).map((c) => {
      const node = { ...c, name: own(c), depth };
      flat.push(node);
      node.children = named(c.children, depth + 1);
      return node;
    });
    const tree = named(data.items, 0);
    categoriesCache = { locale: getLocale(), tree, flat, byId: new Map(flat.map((c) => [c.id, c])) };
  }
  return categoriesCache;
}

let citiesCache = null;
let cityNames = new Map(); // name_ru -> city, once the list has come

/** The reference cities (GET /api/cities, loaded once): [{id, name, name_ru, name_en}]. */
export function cities() {
  if (!citiesCache) {
    citiesCache = api("GET", "/cities", undefined, { auth: false }).then((d) => d.items || []).catch(() => []);
    citiesCache.then((items) => { cityNames = new Map(items.map((c) => [c.name_ru || c.name, c])); });
  }
  return citiesCache;
}

/** A listed city in the interface's language (profiles and cards keep its Russian name); else as typed. */
export function cityLabel(value) {
  if (!value) return "";
  const c = cityNames.get(value);
  if (!c) return value;
  return (getLocale() === "ru" ? c.name_ru : c.name_en) || c.name || value;
}

let cityInputs = 0;

/**
 * A city input that suggests listed cities as the user types, in either language's spelling
 * (GET /api/cities?q=); whatever is typed is sent as it is: the server finds a listed city by any
 * spelling and keeps any other city as typed. attrs: id, name, value, placeholder...
 */
export function cityInput(attrs = {}) {
  const listId = `city-list-${++cityInputs}`;
  const list = el("datalist", { id: listId });
  const input = el("input", { maxlength: "64", autocomplete: "off", ...attrs, list: listId, value: cityLabelLater(attrs.value) });
  const fill = (items) => {
    const own = (c) => (getLocale() === "ru" ? c.name_ru : c.name_en) || c.name;
    const other = (c) => (getLocale() === "ru" ? c.name_en : c.name_ru);
    clear(list, items.slice(0, 12).map((c) => el("option", { value: own(c), label: other(c) && other(c) !== own(c) ? other(c) : undefined })));
  };
  cities().then((items) => { if (!list.childElementCount) fill(items); if (!input.value || input.value === attrs.value) input.value = cityLabel(attrs.value); });
  let timer = null;
  let asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q || q === asked) return;
    timer = setTimeout(async () => {
      asked = q;
      const found = await api("GET", `/cities${qs({ q })}`, undefined, { auth: false }).then((d) => d.items || []).catch(() => null);
      if (found && input.value.trim() === q) fill(found);
    }, 200);
  });
  return el("span", { class: "city-input" }, input, list);
}

function cityLabelLater(value) { return value ? cityLabel(value) : ""; }

/** Kept for older callers: the id of a shared <datalist> of the listed cities. */
export function cityList() {
  let list = document.getElementById("city-list");
  if (!list) {
    list = el("datalist", { id: "city-list" });
    document.body.append(list);
  }
  cities().then((items) => {
    if (!list.childElementCount) list.append(...items.map((c) => el("option", { value: cityLabel(c.name_ru || c.name) })));
  });
  return "city-list";
}

export function categorySelect(cats, { name = "category", value = "", any = t("market.any_category"), id = name, required = false, label = undefined } = {}) {
  const select = el("select", { name, id, required, "aria-label": label },
    any ? el("option", { value: "", text: any }) : null,
    cats.flat.map((c) => el("option", { value: c.id, text: `${"\u2003".repeat(c.depth)}${c.name}` })));
  select.value = value ? String(value) : "";
  return select;
}

export function stars(rating, count) {
  if (rating === null || rating === undefined) return el("span", { class: "stars muted", text: t("market.no_reviews") });
  const shown = fmt.number(rating, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return el("span", { class: "stars", title: t("market.rating_of_5", { rating: shown }) },
    el("span", { class: "star", text: "★" }), ` ${shown}`, count !== undefined ? el("span", { class: "muted", text: ` (${count})` }) : null);
}

export function price(from, to) {
  if (from == null && to == null) return t("market.price_on_request");
  if (from != null && to != null && from !== to) return `${fmt.money(from)} – ${fmt.money(to)}`;
  return t("market.price_from", { price: fmt.money(from ?? to) });
}

export function statusBadge(status) {
  return el("span", { class: `status-badge st-${status}`, text: t(`status.${status}`) });
}

export function offerForm(req, onDone) {
  const error = el("div", { class: "error", role: "alert" });
  const form = el("form", { class: "offer-form" },
    el("textarea", { name: "message", rows: "2", required: true, placeholder: t("offer.placeholder"), "aria-label": t("offer.message"), maxlength: "4000" }),
    el("div", { class: "row" }, el("input", { name: "price", type: "number", min: "0", placeholder: t("market.price"), "aria-label": t("market.price") }),
      el("button", { type: "submit", class: "small", text: t("offer.send") })), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form).entries());
    if (!d.message.trim()) { error.textContent = t("offer.write_something"); return; }
    const body = { message: d.message.trim() };
    if (d.price) body.price = Number(d.price);
    try {
      await api("POST", `/requests/${req.id}/offers`, body);
      clear(form, el("p", { class: "result ok", text: t("offer.sent") }));
      if (onDone) onDone();
    } catch (err) { error.textContent = errorText(err); }
  });
  return form;
}

export function requestSummary(req, cats) {
  return el("div", { class: "req-summary" },
    el("div", { class: "row" }, el("a", { href: `#/requests/${req.id}`, class: "req-title", text: req.title }), statusBadge(req.status)),
    el("div", { class: "muted small", text: [cats.byId.get(req.category_id)?.name, cityLabel(req.city), req.budget != null ? t("request.budget_value", { budget: fmt.money(req.budget) }) : null, dateTime(req.created_at)].filter(Boolean).join(" · ") }),
    req.description ? el("p", { class: "pre", text: req.description }) : null);
}

/** A price in the server's currency, or "on request". */
export function money(value) {
  return value != null ? fmt.money(value) : t("market.on_request");
}

/** The review form for a completed request (its customer): rating and text; onDone() after it is published. */
export function reviewForm(requestId, onDone) {
  const error = el("div", { class: "error", role: "alert" });
  const rating = el("fieldset", { class: "rating-input" }, el("legend", { text: t("review.rating") }),
    [5, 4, 3, 2, 1].map((n) => el("label", { class: "star-pick" },
      el("input", { type: "radio", name: "rating", value: n, required: true, checked: n === 5, "aria-label": t("review.stars", { count: n }) }),
      el("span", { "aria-hidden": "true", text: "★".repeat(n) }))));
  const text = el("textarea", { name: "text", id: `review-text-${requestId}`, rows: "3", maxlength: "4000", placeholder: t("review.placeholder") });
  const form = el("form", { class: "stack review-form", id: "review-form" }, rating,
    el("label", { for: text.id, text: t("review.text") }), text,
    el("button", { type: "submit", text: t("review.publish") }), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const d = Object.fromEntries(new FormData(form).entries());
    try {
      await api("POST", `/requests/${requestId}/review`, { rating: Number(d.rating), text: d.text.trim() });
      toast(t("review.published"), "ok");
      if (onDone) onDone();
    } catch (err) { error.textContent = errorText(err); }
  });
  return form;
}
