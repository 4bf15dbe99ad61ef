// Master mode (create or edit the card, services) and the masters' live feed of requests.
import { api } from "../../api.js";
import { clear, confirmBox, el, errorText, toast } from "../../dom.js";
import { showErrors } from "../../errors.js";
import { avatar, displayName } from "../../components/avatar.js";
import { emptyState } from "../../components/states.js";
import { t } from "../../i18n.js";
import { market } from "../../stores/market.js";
import { me as currentUser, session } from "../../stores/session.js";
import { categories, categorySelect, cities, cityInput, money, offerForm, requestSummary } from "./common.js";

// ---- master mode -------------------------------------------------------------------------------

export async function masterMode({ view, refreshMe }) {
  const cats = await categories();
  const me = currentUser();
  let card = null;
  if (me.is_master) card = await api("GET", `/masters/${me.id}`).catch(() => null);
  const error = el("div", { class: "error", role: "alert" });
  const box = (c) => el("label", { class: "check" },
    el("input", { type: "checkbox", name: "category_ids", value: c.id, checked: Boolean(card && card.category_ids.includes(c.id)) }), c.name);
  const boxes = el("div", { class: "checks", id: "m-categories", role: "group", "aria-labelledby": "m-categories-label" }, cats.tree.map((root) => el("div", { class: "check-group" },
    el("div", { class: "check-root" }, box(root)), (root.children || []).map(box))));
  const about = el("textarea", { id: "m-about", name: "about", rows: "4", maxlength: "4000" });
  about.value = card ? card.about : "";
  const form = el("form", { class: "stack", id: "master-form" },
    el("label", { id: "m-categories-label", text: t("master.categories") }), boxes,
    el("label", { for: "m-about", text: t("master.about_you") }), about,
    el("div", { class: "row2" },
      el("div", {}, el("label", { for: "m-city", text: t("market.city") }), cityInput({ id: "m-city", name: "city", value: card ? card.city : me.city || "" })),
      el("div", {}, el("label", { for: "m-from", text: t("master.prices_from") }), el("input", { id: "m-from", name: "price_from", type: "number", min: "0", value: card?.price_from ?? "" })),
      el("div", {}, el("label", { for: "m-to", text: t("master.prices_to") }), el("input", { id: "m-to", name: "price_to", type: "number", min: "0", value: card?.price_to ?? "" }))),
    el("button", { type: "submit", text: card ? t("master.save_card") : t("master.create_card") }), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showErrors(form, error, null);
    const fd = new FormData(form);
    const body = { category_ids: fd.getAll("category_ids").map(Number), about: fd.get("about").trim(), city: fd.get("city").trim() };
    for (const k of ["price_from", "price_to"]) if (fd.get(k)) body[k] = Number(fd.get(k)); else if (card) body[k] = null;
    if (!body.category_ids.length) { error.textContent = t("master.pick_category"); return; }
    try {
      if (card) { await api("PATCH", "/masters/me", body); toast(t("master.card_saved"), "ok"); } else {
        await api("POST", "/masters", body);
        toast(t("master.card_live"), "ok");
        await refreshMe();
      }
      masterMode({ view, refreshMe });
    } catch (err) { showErrors(form, error, err); }
  });
  const sections = [el("section", { class: "card" }, el("h2", { text: card ? t("master.my_card") : t("nav.become_master") }),
    card ? null : el("p", { class: "muted", text: t("master.create_hint") }), form)];
  if (card) sections.push(servicesEditor(card, cats, () => masterMode({ view, refreshMe })));
  clear(view, el("div", { class: "master-mode" },
    el("div", { class: "page-head" }, el("h1", { text: t("master.mode") }),
      card ? el("div", { class: "row" }, el("a", { class: "button", href: "#/feed", text: t("master.open_feed") }),
        el("a", { class: "button ghost", href: `#/masters/${me.id}`, text: t("master.view_card") })) : null),
    sections));
}

function servicesEditor(card, cats, reload) {
  const error = el("div", { class: "error", role: "alert" });
  const form = el("form", { class: "service-form", id: "service-form" },
    el("input", { name: "title", required: true, placeholder: t("service.title_placeholder"), maxlength: "120", "aria-label": t("service.title") }),
    categorySelect(cats, { name: "category_id", id: "s-category", any: t("market.category"), required: true, label: t("market.category") }),
    el("input", { name: "price", type: "number", min: "0", placeholder: t("market.price"), "aria-label": t("market.price") }),
    el("input", { name: "description", placeholder: t("service.description_placeholder"), maxlength: "4000", "aria-label": t("service.description") }),
    el("button", { type: "submit", class: "small", text: t("service.add") }), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form).entries());
    const body = { title: d.title.trim(), category_id: Number(d.category_id), description: d.description.trim() };
    if (d.price) body.price = Number(d.price);
    try { await api("POST", "/masters/me/services", body); toast(t("service.added"), "ok"); reload(); } catch (err) { error.textContent = errorText(err); }
  });
  return el("section", { class: "card" }, el("h2", { text: t("service.mine") }),
    el("ul", { class: "services" }, (card.services || []).map((s) => {
      const row = el("li", { class: "service", dataset: { serviceId: s.id } },
        el("div", { class: "grow" }, el("strong", { text: s.title }), el("span", { class: "muted small", text: ` · ${cats.byId.get(s.category_id)?.name || ""}` })),
        el("span", { class: "price", text: money(s.price) }),
        el("button", { type: "button", class: "small ghost", text: t("common.edit"), onclick: () => row.replaceWith(serviceEditRow(s, row, reload)) }),
        el("button", { type: "button", class: "small danger-ghost", text: t("common.delete"), onclick: async () => {
          if (!(await confirmBox(t("service.delete_confirm", { title: s.title }), t("common.delete")))) return;
          try { await api("DELETE", `/services/${s.id}`); reload(); } catch (err) { toast(errorText(err), "error"); }
        } }));
      return row;
    })),
    form);
}

// One service edited in place: title, price (empty: on request) and description; PATCH only what changed.
function serviceEditRow(s, row, reload) {
  const error = el("div", { class: "error", role: "alert" });
  const f = {
    title: el("input", { name: "title", required: true, maxlength: "120", value: s.title, "aria-label": t("service.title") }),
    price: el("input", { name: "price", type: "number", min: "0", value: s.price ?? "", placeholder: t("market.price"), "aria-label": t("market.price") }),
    description: el("input", { name: "description", maxlength: "4000", value: s.description || "", placeholder: t("service.description_placeholder"), "aria-label": t("service.description") }),
  };
  const form = el("form", { class: "service-form service-edit" }, f.title, f.price, f.description,
    el("button", { type: "submit", class: "small", text: t("common.save") }),
    el("button", { type: "button", class: "small ghost", text: t("common.cancel"), onclick: () => holder.replaceWith(row) }), error);
  const holder = el("li", { class: "service editing" }, form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const changes = {};
    if (f.title.value.trim() !== s.title) changes.title = f.title.value.trim();
    if (f.description.value.trim() !== (s.description || "")) changes.description = f.description.value.trim();
    const price = f.price.value === "" ? null : Number(f.price.value);
    if (price !== (s.price ?? null)) changes.price = price;
    if (!Object.keys(changes).length) { holder.replaceWith(row); return; }
    try { await api("PATCH", `/services/${s.id}`, changes); toast(t("service.saved"), "ok"); reload(); } catch (err) { error.textContent = errorText(err); }
  });
  return holder;
}

// ---- the masters' feed -------------------------------------------------------------------------

// My live offer on a feed item, in place of the offer form (one live offer per master per request).
function myOffer(req) {
  const o = req.my_offer;
  const box = el("div", { class: "my-offer" },
    el("div", { class: "muted small", text: t("offer.yours") }),
    el("p", { text: o.message }),
    el("div", { class: "row" }, o.price != null ? el("span", { class: "price", text: money(o.price) }) : null,
      el("button", { type: "button", class: "small ghost", text: t("offer.withdraw"), onclick: async () => {
        try {
          await api("DELETE", `/offers/${o.id}`);
          toast(t("offer.withdrawn"), "ok");
          box.replaceWith(offerForm({ ...req, my_offer: null }));
        } catch (err) { toast(errorText(err), "error"); }
      } })));
  return box;
}

export async function feed({ view, go }) {
  const me = currentUser();
  if (!me.is_master) { go("#/master"); return null; }
  const cats = await categories();
  const list = el("div", { class: "feed", id: "feed" });
  const seen = new Set();
  const shown = new Map(); // id -> the request as drawn
  const card = (req) => {
    seen.add(req.id);
    shown.set(req.id, req);
    const direct = req.master_id === me.id;
    const actions = direct
      ? el("div", { class: "row" },
        el("button", { type: "button", class: "small", text: t("bell.take"), onclick: async () => {
          try { const res = await api("POST", `/requests/${req.id}/accept`); toast(t("bell.taken_toast"), "ok"); go(res.chat ? `#/chats/${res.chat.id}` : `#/requests/${req.id}`); } catch (err) { toast(errorText(err), "error"); }
        } }),
        el("button", { type: "button", class: "small ghost", text: t("bell.turn_down"), onclick: async () => {
          try { await api("POST", `/requests/${req.id}/decline`); node.remove(); toast(t("bell.declined_toast"), "ok"); } catch (err) { toast(errorText(err), "error"); }
        } }))
      : req.my_offer ? myOffer(req) : offerForm(req);
    // Once it left `open`: mine (I won it: "yours" with its chat) or greyed ("no longer open").
    const won = req.status !== "open" && req.executor_id === me.id;
    const closed = req.status !== "open" && !won;
    const node = el("article", { class: `card feed-item${won ? " won" : ""}${closed ? " closed" : ""}`, dataset: { requestId: req.id } },
      el("div", { class: "row" }, avatar(req.customer, "sm"), el("strong", { text: displayName(req.customer) }),
        direct ? el("span", { class: "tag", text: t("feed.sent_to_you") }) : null,
        won ? el("span", { class: "tag tag-yours", text: t("order.yours") }) : null),
      requestSummary(req, cats),
      won ? el("div", { class: "row" }, req.chat_id ? el("a", { class: "button small", href: `#/chats/${req.chat_id}`, text: t("order.open_chat") }) : null)
        : closed ? el("p", { class: "muted small feed-closed", text: t("feed.closed") }) : actions);
    return node;
  };
  // A request that changed is drawn again as it is now (status, yours or no longer open).
  const redraw = (req) => {
    const item = list.querySelector(`[data-request-id="${req.id}"]`);
    const before = shown.get(req.id) || {};
    if (item) item.replaceWith(card({ ...before, ...req, my_offer: req.my_offer ?? before.my_offer ?? null }));
  };
  const data = await api("GET", "/requests/feed");
  clear(list, (data.items || []).map(card));
  const empty = emptyState(t("feed.empty"));
  if (!(data.items || []).length) list.append(empty);
  clear(view, el("div", {}, el("div", { class: "page-head" }, el("h1", { text: t("feed.title") }),
    el("a", { class: "button ghost", href: "#/master", text: t("feed.my_card") })), list));
  // After a (re)connect, catch up with what happened while the socket was away: requests that left
  // `open` are greyed, new ones are added (the socket only carries what happens while it is connected).
  const resync = async () => {
    let fresh;
    try { fresh = await api("GET", "/requests/feed"); } catch { return; }
    const items = fresh.items || [];
    const open = new Set(items.map((r) => r.id));
    const oldest = fresh.next == null ? 0 : Math.min(...items.map((r) => r.id));
    for (const node of list.querySelectorAll(".feed-item")) {
      const id = Number(node.dataset.requestId);
      if (id >= oldest && !open.has(id) && !node.matches(".won, .closed")) {
        api("GET", `/requests/${id}`).then(redraw).catch(() => node.classList.add("closed"));
      }
    }
    for (const r of items.slice().reverse()) if (!seen.has(r.id)) { empty.remove(); list.prepend(card(r)); }
  };
  const offs = [
    session.subscribe((s) => s.connects, resync),
    market.subscribe((s) => s.incoming, (incoming) => {
      for (const req of incoming.slice().reverse()) if (!seen.has(req.id)) { empty.remove(); list.prepend(card(req)); }
    }),
    market.subscribe((s) => s.requests, (requests, before) => {
      // Every master of the category hears when a request is taken, cancelled or opened again.
      for (const [id, req] of requests) {
        if (before.get(id) === req) continue;
        if (list.querySelector(`[data-request-id="${id}"]`)) redraw(req);
      }
    }),
  ];
  return () => offs.forEach((f) => f());
}
