// The marketplace: catalogue, master card, request form, master mode, the masters' feed, my requests and orders.
import { api, qs } from "../api.js";
import { avatar, clear, confirmBox, dateTime, displayName, el, errorText, toast } from "../dom.js";
import * as sock from "../socket.js";
import * as store from "../store.js";

let categoriesCache = null;

async function categories() {
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

function categorySelect(cats, { name = "category", value = "", any = "Any category", id = name, required = false } = {}) {
  const select = el("select", { name, id, required },
    any ? el("option", { value: "", text: any }) : null,
    cats.flat.map((c) => el("option", { value: c.id, text: `${"\u2003".repeat(c.depth)}${c.name}` })));
  select.value = value ? String(value) : "";
  return select;
}

function stars(rating, count) {
  if (rating === null || rating === undefined) return el("span", { class: "stars muted", text: "No reviews yet" });
  return el("span", { class: "stars", title: `${rating.toFixed(1)} of 5` },
    el("span", { class: "star", text: "★" }), ` ${rating.toFixed(1)}`, count !== undefined ? el("span", { class: "muted", text: ` (${count})` }) : null);
}

function price(from, to) {
  if (from == null && to == null) return "Price on request";
  if (from != null && to != null && from !== to) return `${from}–${to}`;
  return `from ${from ?? to}`;
}

function statusBadge(status) {
  return el("span", { class: `status-badge st-${status}`, text: status });
}

// ---- catalogue ---------------------------------------------------------------------------------

async function catalogue({ view, params, go }) {
  const cats = await categories();
  const f = {
    q: el("input", { type: "search", name: "q", id: "f-q", placeholder: "Search masters", value: params.get("q") || "" }),
    category: categorySelect(cats, { value: params.get("category"), id: "f-category" }),
    city: el("input", { name: "city", id: "f-city", placeholder: "City", value: params.get("city") || "" }),
    min_rating: el("select", { name: "min_rating", id: "f-rating" }, [["", "Any rating"], ["3", "3★ and up"], ["4", "4★ and up"], ["4.5", "4.5★ and up"]]
      .map(([v, t]) => el("option", { value: v, text: t }))),
    max_price: el("input", { name: "max_price", id: "f-price", type: "number", min: "0", placeholder: "Max price", value: params.get("max_price") || "" }),
    sort: el("select", { name: "sort", id: "f-sort" }, [["rating", "Best rated"], ["price", "Cheapest"], ["new", "Newest"]].map(([v, t]) => el("option", { value: v, text: t }))),
  };
  f.min_rating.value = params.get("min_rating") || "";
  f.sort.value = params.get("sort") || "rating";
  const filters = el("form", { class: "filters", id: "filters" }, f.q, f.category, f.city, f.min_rating, f.max_price, f.sort,
    el("button", { type: "submit", class: "small", text: "Apply" }));
  const apply = () => {
    const p = {};
    for (const [k, node] of Object.entries(f)) if (node.value) p[k] = node.value;
    go(`#/masters${qs(p)}`);
  };
  filters.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
  for (const node of [f.category, f.min_rating, f.sort]) node.addEventListener("change", apply);

  const results = el("div", { class: "master-grid", id: "masters" }, el("p", { class: "muted", text: "Loading…" }));
  const me = store.state.me;
  clear(view, el("div", { class: "market" },
    el("div", { class: "page-head" }, el("h1", { text: "Find a master" }),
      el("div", { class: "row" },
        el("a", { class: "button ghost", href: "#/requests/new", text: "Post a request" }),
        me && !me.is_master ? el("a", { class: "button ghost", href: "#/master", text: "Become a master" }) : null)),
    filters, results));

  const query = {};
  for (const k of ["q", "category", "city", "min_rating", "max_price", "sort"]) if (params.get(k)) query[k] = params.get(k);
  try {
    const data = await api("GET", `/masters${qs(query)}`);
    clear(results, (data.items || []).length ? data.items.map((m) => masterTile(m, cats))
      : el("div", { class: "empty" }, el("p", { text: "No masters match these filters." })));
  } catch (err) { clear(results, el("p", { class: "error", text: errorText(err) })); }
}

function masterTile(m, cats) {
  return el("a", { class: "master-tile card", href: `#/masters/${m.user.id}`, dataset: { masterId: m.user.id } },
    el("div", { class: "tile-head" }, avatar(m.user, "md"),
      el("div", {}, el("div", { class: "tile-name", text: displayName(m.user) }),
        el("div", { class: "muted small", text: [m.city, ...m.category_ids.map((id) => cats.byId.get(id)?.name).filter(Boolean)].filter(Boolean).join(" · ") }))),
    el("p", { class: "tile-about", text: m.about }),
    el("div", { class: "tile-foot" }, stars(m.rating, m.rating_count), el("span", { class: "price", text: price(m.price_from, m.price_to) })));
}

// ---- master card -------------------------------------------------------------------------------

async function masterCard({ view, args }) {
  const id = Number(args.id);
  const [m, cats] = await Promise.all([api("GET", `/masters/${id}`), categories()]);
  const mine = store.state.me && store.state.me.id === id;
  const reviews = el("div", { class: "reviews" }, (m.recent_reviews || []).map(reviewNode));
  if (!(m.recent_reviews || []).length) reviews.append(el("p", { class: "muted", text: "No reviews yet." }));
  clear(view, el("div", { class: "master-card" },
    el("section", { class: "card master-head" },
      avatar(m.user, "lg"),
      el("div", { class: "grow" },
        el("h1", { text: displayName(m.user) }),
        el("p", { class: "muted", text: [m.city, ...m.category_ids.map((c) => cats.byId.get(c)?.name).filter(Boolean)].filter(Boolean).join(" · ") }),
        el("div", { class: "row" }, stars(m.rating, m.review_count),
          el("span", { class: "muted", text: `${m.completed_orders} completed order${m.completed_orders === 1 ? "" : "s"}` }))),
      el("div", { class: "master-actions" },
        mine ? el("a", { class: "button", href: "#/master", text: "Edit my card" })
          : el("a", { class: "button", id: "send-request", href: `#/requests/new${qs({ master: id })}`, text: "Send request" }),
        mine ? null : el("a", { class: "button ghost", href: `#/users/${id}`, text: "Profile" }))),
    m.about ? el("section", { class: "card" }, el("h2", { text: "About" }), el("p", { class: "pre", text: m.about })) : null,
    el("section", { class: "card" }, el("h2", { text: "Services" }),
      (m.services || []).length
        ? el("ul", { class: "services" }, m.services.map((s) => el("li", { class: "service" },
          el("div", { class: "grow" }, el("strong", { text: s.title }), el("div", { class: "muted small", text: cats.byId.get(s.category_id)?.name || "" }),
            s.description ? el("p", { class: "small", text: s.description }) : null),
          el("div", { class: "service-side" }, el("span", { class: "price", text: s.price != null ? String(s.price) : "on request" }),
            mine ? null : el("a", { class: "button small ghost", href: `#/requests/new${qs({ master: id, service: s.id })}`, text: "Request" })))))
        : el("p", { class: "muted", text: "No services listed yet." })),
    el("section", { class: "card" }, el("h2", { text: `Reviews · ${m.review_count}` }), reviews)));
}

function reviewNode(r) {
  return el("div", { class: "review" },
    el("div", { class: "row" }, avatar(r.customer, "sm"), el("strong", { text: displayName(r.customer) }),
      el("span", { class: "stars", text: "★".repeat(r.rating) + "☆".repeat(5 - r.rating) }),
      el("span", { class: "muted small", text: dateTime(r.created_at) })),
    r.text ? el("p", { text: r.text }) : null);
}

// ---- request form ------------------------------------------------------------------------------

async function requestForm({ view, params }) {
  const cats = await categories();
  const masterId = params.get("master") ? Number(params.get("master")) : null;
  const serviceId = params.get("service") ? Number(params.get("service")) : null;
  let master = null;
  if (masterId) master = await api("GET", `/masters/${masterId}`).catch(() => null);
  const service = master && serviceId ? (master.services || []).find((s) => s.id === serviceId) : null;
  const result = el("div", { class: "result", role: "status", id: "request-result" });
  const category = categorySelect(cats, { id: "r-category", any: "Choose a category", required: true, value: service ? service.category_id : master ? master.category_ids[0] : params.get("category") });
  const form = el("form", { class: "stack", id: "request-form" },
    master ? el("p", { class: "muted", text: `To ${displayName(master.user)}${service ? ` · ${service.title}` : ""}` }) : null,
    el("label", { for: "r-title", text: "What do you need?" }), el("input", { id: "r-title", name: "title", required: true, maxlength: "120", placeholder: "e.g. Fix a leaking tap", value: service ? service.title : "" }),
    el("label", { for: "r-category", text: "Category" }), category,
    el("label", { for: "r-description", text: "Details" }), el("textarea", { id: "r-description", name: "description", rows: "4", maxlength: "4000" }),
    el("div", { class: "row2" },
      el("div", {}, el("label", { for: "r-budget", text: "Budget" }), el("input", { id: "r-budget", name: "budget", type: "number", min: "0" })),
      el("div", {}, el("label", { for: "r-city", text: "City" }), el("input", { id: "r-city", name: "city", maxlength: "64", value: store.state.me?.city || "" }))),
    el("button", { type: "submit", text: "Send request" }), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    result.className = "result";
    result.textContent = "";
    const d = Object.fromEntries(new FormData(form).entries());
    const body = { title: d.title.trim(), description: d.description.trim() };
    if (d.category) body.category_id = Number(d.category);
    if (d.budget) body.budget = Number(d.budget);
    if (d.city) body.city = d.city.trim();
    if (masterId) body.master_id = masterId;
    if (service) body.service_id = service.id;
    try {
      const req = await api("POST", "/requests", body);
      result.className = "result ok";
      clear(result, el("span", { text: "Request sent. " }), el("a", { href: `#/requests/${req.id}`, text: "Open it" }));
      form.querySelector("button[type=submit]").disabled = true;
    } catch (err) {
      result.className = "result fail";
      result.textContent = `Not sent: ${errorText(err)}`;
    }
  });
  clear(view, el("section", { class: "card narrow" }, el("h1", { text: master ? "Request to a master" : "Post a request" }), form));
}

// ---- master mode -------------------------------------------------------------------------------

async function masterMode({ view, refreshMe }) {
  const cats = await categories();
  const me = store.state.me;
  let card = null;
  if (me.is_master) card = await api("GET", `/masters/${me.id}`).catch(() => null);
  const error = el("div", { class: "error", role: "alert" });
  const box = (c) => el("label", { class: "check" },
    el("input", { type: "checkbox", name: "category_ids", value: c.id, checked: Boolean(card && card.category_ids.includes(c.id)) }), c.name);
  const boxes = el("div", { class: "checks", id: "m-categories" }, cats.tree.map((root) => el("div", { class: "check-group" },
    el("div", { class: "check-root" }, box(root)), (root.children || []).map(box))));
  const about = el("textarea", { id: "m-about", name: "about", rows: "4", maxlength: "4000" });
  about.value = card ? card.about : "";
  const form = el("form", { class: "stack", id: "master-form" },
    el("label", { text: "Categories you work in" }), boxes,
    el("label", { for: "m-about", text: "About you and your work" }), about,
    el("div", { class: "row2" },
      el("div", {}, el("label", { for: "m-city", text: "City" }), el("input", { id: "m-city", name: "city", value: card ? card.city : me.city || "" })),
      el("div", {}, el("label", { for: "m-from", text: "Prices from" }), el("input", { id: "m-from", name: "price_from", type: "number", min: "0", value: card?.price_from ?? "" })),
      el("div", {}, el("label", { for: "m-to", text: "to" }), el("input", { id: "m-to", name: "price_to", type: "number", min: "0", value: card?.price_to ?? "" }))),
    el("button", { type: "submit", text: card ? "Save card" : "Create my master card" }), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const fd = new FormData(form);
    const body = { category_ids: fd.getAll("category_ids").map(Number), about: fd.get("about").trim(), city: fd.get("city").trim() };
    for (const k of ["price_from", "price_to"]) if (fd.get(k)) body[k] = Number(fd.get(k)); else if (card) body[k] = null;
    if (!body.category_ids.length) { error.textContent = "Pick at least one category."; return; }
    try {
      if (card) { await api("PATCH", "/masters/me", body); toast("Card saved.", "ok"); } else {
        await api("POST", "/masters", body);
        toast("Your master card is live. Add your services.", "ok");
        await refreshMe();
      }
      masterMode({ view, refreshMe });
    } catch (err) { error.textContent = errorText(err); }
  });
  const sections = [el("section", { class: "card" }, el("h2", { text: card ? "My master card" : "Become a master" }),
    card ? null : el("p", { class: "muted", text: "Create your card to appear in the catalogue and to answer requests in your categories." }), form)];
  if (card) sections.push(servicesEditor(card, cats, () => masterMode({ view, refreshMe })));
  clear(view, el("div", { class: "master-mode" },
    el("div", { class: "page-head" }, el("h1", { text: "Master mode" }),
      card ? el("div", { class: "row" }, el("a", { class: "button", href: "#/feed", text: "Open the feed" }),
        el("a", { class: "button ghost", href: `#/masters/${me.id}`, text: "View my card" })) : null),
    sections));
}

function servicesEditor(card, cats, reload) {
  const error = el("div", { class: "error", role: "alert" });
  const form = el("form", { class: "service-form", id: "service-form" },
    el("input", { name: "title", required: true, placeholder: "Service, e.g. Lecture on jazz", maxlength: "120", "aria-label": "Service title" }),
    categorySelect(cats, { name: "category_id", id: "s-category", any: "Category", required: true }),
    el("input", { name: "price", type: "number", min: "0", placeholder: "Price", "aria-label": "Price" }),
    el("input", { name: "description", placeholder: "Short description", maxlength: "4000", "aria-label": "Description" }),
    el("button", { type: "submit", class: "small", text: "Add service" }), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form).entries());
    const body = { title: d.title.trim(), category_id: Number(d.category_id), description: d.description.trim() };
    if (d.price) body.price = Number(d.price);
    try { await api("POST", "/masters/me/services", body); toast("Service added.", "ok"); reload(); } catch (err) { error.textContent = errorText(err); }
  });
  return el("section", { class: "card" }, el("h2", { text: "My services" }),
    el("ul", { class: "services" }, (card.services || []).map((s) => el("li", { class: "service" },
      el("div", { class: "grow" }, el("strong", { text: s.title }), el("span", { class: "muted small", text: ` · ${cats.byId.get(s.category_id)?.name || ""}` })),
      el("span", { class: "price", text: s.price != null ? String(s.price) : "on request" }),
      el("button", { type: "button", class: "small danger-ghost", text: "Delete", onclick: async () => {
        if (!(await confirmBox(`Delete the service “${s.title}”?`, "Delete"))) return;
        try { await api("DELETE", `/services/${s.id}`); reload(); } catch (err) { toast(errorText(err), "error"); }
      } })))),
    form);
}

// ---- the masters' feed -------------------------------------------------------------------------

function offerForm(req, onDone) {
  const error = el("div", { class: "error", role: "alert" });
  const form = el("form", { class: "offer-form" },
    el("textarea", { name: "message", rows: "2", required: true, placeholder: "Your offer: when, how, what is included", "aria-label": "Offer message", maxlength: "4000" }),
    el("div", { class: "row" }, el("input", { name: "price", type: "number", min: "0", placeholder: "Price", "aria-label": "Price" }),
      el("button", { type: "submit", class: "small", text: "Send offer" })), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form).entries());
    if (!d.message.trim()) { error.textContent = "Write a few words."; return; }
    const body = { message: d.message.trim() };
    if (d.price) body.price = Number(d.price);
    try {
      await api("POST", `/requests/${req.id}/offers`, body);
      clear(form, el("p", { class: "result ok", text: "Offer sent. The customer will see it now." }));
      if (onDone) onDone();
    } catch (err) { error.textContent = errorText(err); }
  });
  return form;
}

function requestSummary(req, cats) {
  return el("div", { class: "req-summary" },
    el("div", { class: "row" }, el("a", { href: `#/requests/${req.id}`, class: "req-title", text: req.title }), statusBadge(req.status)),
    el("div", { class: "muted small", text: [cats.byId.get(req.category_id)?.name, req.city, req.budget != null ? `budget ${req.budget}` : null, dateTime(req.created_at)].filter(Boolean).join(" · ") }),
    req.description ? el("p", { class: "pre", text: req.description }) : null);
}

async function feed({ view, go }) {
  const me = store.state.me;
  if (!me.is_master) { go("#/master"); return null; }
  const cats = await categories();
  const list = el("div", { class: "feed", id: "feed" });
  const seen = new Set();
  const card = (req) => {
    seen.add(req.id);
    const direct = req.master_id === me.id;
    const actions = direct
      ? el("div", { class: "row" },
        el("button", { type: "button", class: "small", text: "Take it", onclick: async () => {
          try { const res = await api("POST", `/requests/${req.id}/accept`); toast("Taken. The order chat is open.", "ok"); go(res.chat ? `#/chats/${res.chat.id}` : `#/requests/${req.id}`); } catch (err) { toast(errorText(err), "error"); }
        } }),
        el("button", { type: "button", class: "small ghost", text: "Turn down", onclick: async () => {
          try { await api("POST", `/requests/${req.id}/decline`); node.remove(); toast("Declined.", "ok"); } catch (err) { toast(errorText(err), "error"); }
        } }))
      : offerForm(req);
    const node = el("article", { class: "card feed-item", dataset: { requestId: req.id } },
      el("div", { class: "row" }, avatar(req.customer, "sm"), el("strong", { text: displayName(req.customer) }),
        direct ? el("span", { class: "tag", text: "sent to you" }) : null),
      requestSummary(req, cats), actions);
    return node;
  };
  const data = await api("GET", "/requests/feed");
  clear(list, (data.items || []).map(card));
  const empty = el("p", { class: "muted empty", text: "No open requests in your categories right now. New ones appear here live." });
  if (!(data.items || []).length) list.append(empty);
  clear(view, el("div", {}, el("div", { class: "page-head" }, el("h1", { text: "Requests for you" }),
    el("a", { class: "button ghost", href: "#/master", text: "My card" })), list));
  const offs = [
    sock.on("notification", (n) => {
      const req = n.kind === "request:new" && n.payload && n.payload.request;
      if (req && !seen.has(req.id)) { empty.remove(); list.prepend(card(req)); }
    }),
    sock.on("request:updated", (req) => {
      if (req.status !== "open") list.querySelector(`[data-request-id="${req.id}"]`)?.classList.add("closed");
    }),
  ];
  return () => offs.forEach((f) => f());
}

// ---- my requests and orders --------------------------------------------------------------------

async function myRequests({ view, params, go }) {
  const cats = await categories();
  const tab = params.get("tab") === "orders" ? "orders" : "mine";
  const data = await api("GET", `/requests${qs({ mine: tab === "orders" ? 0 : 1 })}`);
  const rows = (data.items || []).map((req) => el("article", { class: "card req-row", dataset: { requestId: req.id } },
    requestSummary(req, cats),
    el("div", { class: "row" },
      tab === "mine" && req.status === "open" ? el("span", { class: "muted small", text: `${req.offers_count} offer${req.offers_count === 1 ? "" : "s"}` }) : null,
      req.chat_id ? el("a", { class: "button small ghost", href: `#/chats/${req.chat_id}`, text: "Order chat" }) : null,
      el("a", { class: "button small", href: `#/requests/${req.id}`, text: "Open" }))));
  clear(view, el("div", {},
    el("div", { class: "page-head" }, el("h1", { text: "Requests and orders" }), el("a", { class: "button", href: "#/requests/new", text: "New request" })),
    el("div", { class: "tabs" },
      el("a", { href: "#/requests", class: tab === "mine" ? "active" : "", text: "My requests" }),
      store.state.me.is_master ? el("a", { href: "#/requests?tab=orders", class: tab === "orders" ? "active" : "", text: "Orders I do" }) : null),
    rows.length ? el("div", { class: "req-list" }, rows) : el("div", { class: "empty card" }, el("p", { text: "Nothing here yet." }),
      el("a", { class: "button", href: tab === "mine" ? "#/requests/new" : "#/feed", text: tab === "mine" ? "Post a request" : "Open the feed" }))));
  const off = sock.on("request:updated", () => go(location.hash));
  return off;
}

async function requestDetail({ view, args, go }) {
  const id = Number(args.id);
  const cats = await categories();
  let shown = null;
  // force=false re-renders only if the request changed since it was drawn, so the echo of this page's own
  // action (an event and the action's own reload) never wipes a form the user started filling in.
  const reload = async (force = true) => {
    const req = await api("GET", `/requests/${id}`);
    if (!force && shown && req.status === shown.status && req.updated_at === shown.updated_at) return;
    shown = req;
    await renderRequest(view, req, cats, go, reload);
  };
  await reload();
  const offs = [
    sock.on("request:updated", (r) => { if (r.id === id) reload(false); }),
    sock.on("notification", (n) => {
      if (n.kind === "offer:new" && n.payload && n.payload.request_id === id) reload();
    }),
  ];
  return () => offs.forEach((f) => f());
}

async function renderRequest(view, req, cats, go, reload) {
  const me = store.state.me;
  const id = req.id;
  const isCustomer = req.customer.id === me.id;
  const isTarget = req.master_id === me.id;
  const offers = isCustomer || me.is_master ? await api("GET", `/requests/${id}/offers`).then((d) => d.items || []).catch(() => []) : [];
  const move = (path, okText, confirmText) => async () => {
    if (confirmText && !(await confirmBox(confirmText, "Yes"))) return;
    try {
      const res = await api("POST", `/requests/${id}/${path}`);
      toast(okText, "ok");
      if (res && res.chat) go(`#/chats/${res.chat.id}`); else reload(false);
    } catch (err) { toast(errorText(err), "error"); }
  };
  const actions = el("div", { class: "row wrap", id: "request-actions" });
  if (req.chat_id && (isCustomer || req.executor_id === me.id)) actions.append(el("a", { class: "button", href: `#/chats/${req.chat_id}`, text: "Open order chat" }));
  if (isCustomer) {
    if (req.status === "active") {
      actions.append(el("button", { type: "button", id: "complete", text: "Mark completed", onclick: move("complete", "Marked completed. Leave a review!") }));
      actions.append(el("button", { type: "button", class: "secondary", text: "Refuse the executor", onclick: move("refuse-executor", "The request is open again.", "Refuse this executor and reopen the request?") }));
    }
    if (req.status === "open" || req.status === "active") {
      actions.append(el("button", { type: "button", class: "danger-ghost", text: "Cancel request", onclick: move("cancel", "Request cancelled.", "Cancel this request?") }));
    }
    if (req.status === "open") {
      actions.append(el("button", { type: "button", class: "danger-ghost", text: "Delete", onclick: async () => {
        if (!(await confirmBox("Delete this request?", "Delete"))) return;
        try { await api("DELETE", `/requests/${id}`); toast("Deleted.", "ok"); go("#/requests"); } catch (err) { toast(errorText(err), "error"); }
      } }));
    }
  }
  if (isTarget && req.status === "open") {
    actions.append(el("button", { type: "button", text: "Take it", onclick: move("accept", "Taken. The order chat is open.") }));
    actions.append(el("button", { type: "button", class: "secondary", text: "Turn down", onclick: move("decline", "Declined.") }));
  }

  const offerNodes = offers.map((o) => el("div", { class: `offer offer-${o.status}`, dataset: { offerId: o.id } },
    el("div", { class: "row" }, avatar(o.master, "sm"), el("a", { href: `#/masters/${o.master.id}`, text: displayName(o.master) }),
      o.price != null ? el("span", { class: "price", text: String(o.price) }) : null, statusBadge(o.status)),
    el("p", { class: "pre", text: o.message }),
    el("div", { class: "row" },
      isCustomer && o.status === "live" && req.status === "open" ? [
        el("button", { type: "button", class: "small", dataset: { action: "accept" }, text: "Accept", onclick: async () => {
          try { const res = await api("POST", `/offers/${o.id}/accept`); toast("Offer accepted. The order chat is open.", "ok"); go(res.chat ? `#/chats/${res.chat.id}` : `#/requests/${id}`); } catch (err) { toast(errorText(err), "error"); }
        } }),
        el("button", { type: "button", class: "small ghost", dataset: { action: "reject" }, text: "Reject", onclick: async () => {
          try { await api("POST", `/offers/${o.id}/reject`); toast("Offer rejected.", "ok"); reload(); } catch (err) { toast(errorText(err), "error"); }
        } })] : null,
      o.master.id === me.id && o.status === "live" ? el("button", { type: "button", class: "small ghost", text: "Withdraw", onclick: async () => {
        try { await api("DELETE", `/offers/${o.id}`); toast("Offer withdrawn.", "ok"); reload(); } catch (err) { toast(errorText(err), "error"); }
      } }) : null)));

  const canOffer = !isCustomer && me.is_master && req.status === "open" && !req.master_id && !offers.some((o) => o.master.id === me.id && o.status === "live");
  let review = null;
  if (isCustomer && req.status === "completed" && !req.reviewed) review = reviewForm(req, reload);
  else if (req.reviewed) review = el("p", { class: "muted", text: "Reviewed. Thank you!" });

  clear(view, el("div", { class: "request-detail" },
    el("section", { class: "card" },
      el("div", { class: "row" }, avatar(req.customer, "sm"), el("span", { text: displayName(req.customer) })),
      el("h1", { text: req.title }),
      requestSummary({ ...req, title: `Request #${req.id}` }, cats),
      actions),
    review ? el("section", { class: "card" }, el("h2", { text: "Review" }), review) : null,
    canOffer ? el("section", { class: "card" }, el("h2", { text: "Make an offer" }), offerForm(req, reload)) : null,
    isCustomer || offers.length ? el("section", { class: "card" }, el("h2", { text: `Offers · ${offers.length}` }),
      offers.length ? el("div", { class: "offers", id: "offers" }, offerNodes) : el("p", { class: "muted", text: "No offers yet. Masters in this category see your request now." })) : null));

}

function reviewForm(req, reload) {
  const error = el("div", { class: "error", role: "alert" });
  const rating = el("div", { class: "rating-input", role: "radiogroup", "aria-label": "Rating" },
    [5, 4, 3, 2, 1].map((n) => el("label", { class: "star-pick" }, el("input", { type: "radio", name: "rating", value: n, required: true, checked: n === 5 }), el("span", { text: "★".repeat(n) }))));
  const form = el("form", { class: "stack", id: "review-form" }, rating,
    el("textarea", { name: "text", rows: "3", maxlength: "4000", placeholder: "How did it go?", "aria-label": "Review" }),
    el("button", { type: "submit", text: "Publish review" }), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form).entries());
    try { await api("POST", `/requests/${req.id}/review`, { rating: Number(d.rating), text: d.text.trim() }); toast("Review published.", "ok"); reload(); } catch (err) { error.textContent = errorText(err); }
  });
  return form;
}

export const marketRoutes = [
  { path: "/masters", name: "masters", auth: true, render: catalogue },
  { path: "/masters/:id", name: "master", auth: true, render: masterCard },
  { path: "/requests/new", name: "request-new", auth: true, render: requestForm },
  { path: "/requests", name: "requests", auth: true, render: myRequests },
  { path: "/requests/:id", name: "request", auth: true, render: requestDetail },
  { path: "/master", name: "master-mode", auth: true, render: masterMode },
  { path: "/feed", name: "feed", auth: true, render: feed },
];
