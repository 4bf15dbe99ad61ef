// Marketplace pieces shared by the catalogue, master mode and the requests pages.
import { api } from "../../api.js";
import "../../i18n/market.js";
import { clear, dateTime, el, errorText } from "../../dom.js";
import { fmt, t } from "../../i18n.js";

let categoriesCache = null;

export async function categories() {
  if (!categoriesCache) {
    const data = await api("GET", "/categories", undefined, { auth: false });
    const flat = [];
    const walk = (items, depth) => {
      for (const c of items || []) { flat.push({ ...c, depth }); walk(c.children, depth + 1); }
    };
    walk(data.items, 0);
    categoriesCache = { tree: data.items || [], flat, byId: new Map(flat.map((c) => [c.id, c])) };
  }
  return categoriesCache;
}

let citiesCache = null;

// The id of a <datalist> of the reference cities (GET /api/cities, loaded once): city inputs offer
// the list's spelling as people type.
export function cityList() {
  let list = document.getElementById("city-list");
  if (!list) {
    list = el("datalist", { id: "city-list" });
    document.body.append(list);
  }
  if (!citiesCache) citiesCache = api("GET", "/cities", undefined, { auth: false }).then((d) => d.items || []).catch(() => []);
  citiesCache.then((items) => {
    if (!list.childElementCount) list.append(...items.map((c) => el("option", { value: c.name })));
  });
  return "city-list";
}

export function categorySelect(cats, { name = "category", value = "", any = t("market.any_category"), id = name, required = false } = {}) {
  const select = el("select", { name, id, required },
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
    el("div", { class: "muted small", text: [cats.byId.get(req.category_id)?.name, req.city, req.budget != null ? t("request.budget_value", { budget: fmt.money(req.budget) }) : null, dateTime(req.created_at)].filter(Boolean).join(" · ") }),
    req.description ? el("p", { class: "pre", text: req.description }) : null);
}

/** A price in the server's currency, or "on request". */
export function money(value) {
  return value != null ? fmt.money(value) : t("market.on_request");
}
