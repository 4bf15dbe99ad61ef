// My requests and orders, one request with its offers and actions, the review form.
import { api, qs } from "../../api.js";
import { avatar, clear, confirmBox, displayName, el, errorText, toast } from "../../dom.js";
import * as sock from "../../socket.js";
import * as store from "../../store.js";
import { categories, offerForm, requestSummary, statusBadge } from "./common.js";

// ---- my requests and orders --------------------------------------------------------------------

export async function myRequests({ view, params, go }) {
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

export async function requestDetail({ view, args, go }) {
  const id = Number(args.id);
  const cats = await categories();
  let shown = null;
  // force=false re-renders only if the request changed since it was drawn, so the echo of this page's own
  // action (an event and the action's own reload) never wipes a form the user started filling in.
  const reload = async (force = true) => {
    const req = await api("GET", `/requests/${id}`);
    if (!force && shown && req.status === shown.status && req.updated_at === shown.updated_at && req.offers_count === shown.offers_count) return;
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
