// The notification bell: a live counter and a list whose items act (accept, reject, open the chat).
// State lives in stores/notifications.js; this view only draws it.
import "../i18n/market.js";
import "../i18n/notifications.js";
import "../i18n/social.js";
import { api } from "../api.js";
import { clear, el, errorText, timeShort, toast } from "../dom.js";
import { emptyState, errorState, loadingState } from "../components/states.js";
import { fmt, t } from "../i18n.js";
import { icon } from "../icons.js";
import { loadNotifications, markAllRead, markRead, notifications } from "../stores/notifications.js";

let button = null;
let counter = null;
let panel = null;

function renderCounter() {
  if (!counter) return;
  const { unread } = notifications.get();
  counter.textContent = unread > 99 ? "99+" : String(unread);
  counter.hidden = unread === 0;
  button.setAttribute("aria-label", t("bell.label_unread", { count: unread }));
}

function describe(n) {
  const p = n.payload || {};
  const title = p.title || (p.request && p.request.title) || "";
  switch (n.kind) {
    case "request:new": return t(p.direct ? "bell.request_new_direct" : "bell.request_new", { title });
    case "offer:new": return p.offer && p.offer.price != null
      ? t("bell.offer_new_price", { title, price: fmt.money(p.offer.price) }) : t("bell.offer_new", { title });
    case "offer:accepted": return t("bell.offer_accepted", { title });
    case "offer:rejected": return t("bell.offer_rejected", { title });
    case "request:status": return t("bell.request_status", { title, status: t(`status.${p.status}`) });
    case "review:new": return t("bell.review_new", { title, rating: (p.review && p.review.rating) || "?" });
    case "chat:added": {
      const who = p.by ? (p.by.display_name || p.by.username) : t("bell.someone");
      return p.type === "direct" ? t("bell.chat_direct", { who }) : t("bell.chat_added", { who, name: p.name || t("bell.a_chat") });
    }
    case "friend:request": return t("bell.friend_request", { who: who(p.user) });
    case "friend:accepted": return t("bell.friend_accepted", { who: who(p.user) });
    case "post:comment": return t("bell.post_comment", { who: who(p.user), body: p.body || "" });
    case "community:request": return t("bell.community_request", { who: who(p.user), name: (p.community && p.community.name) || "" });
    case "community:approved": return t("bell.community_approved", { name: (p.community && p.community.name) || "" });
    default: return n.kind;
  }
}

const who = (user) => (user ? user.display_name || user.username : t("bell.someone"));

// What became of an offer that is no longer live (`declined`: another offer was taken or the request closed).
const OFFER_STATES = {
  accepted: "bell.offer_is_accepted",
  rejected: "bell.offer_is_rejected",
  declined: "bell.offer_is_closed",
  withdrawn: "bell.offer_is_withdrawn",
};

const stateNote = (text) => el("span", { class: "muted small notif-state", text });

function actions(n, close) {
  const p = n.payload || {};
  const go = (hash) => { markRead([n.id]); close(); location.hash = hash; };
  const out = [];
  const requestId = p.request_id || (p.request && p.request.id) || (p.offer && p.offer.request_id) || (p.review && p.review.request_id);
  // A button that does `path` (POST) right here. An action that opens an order opens its chat; the others
  // leave the panel open with the item marked read.
  const act = (text, action, path, done, primary) => el("button", { type: "button", class: primary ? "small" : "small ghost", text, dataset: { action }, onclick: async () => {
    try {
      const res = await api("POST", path);
      await markRead([n.id]);
      toast(done, "ok");
      if (!primary) return;
      close();
      location.hash = res.chat ? `#/chats/${res.chat.id}` : `#/requests/${requestId}`;
    } catch (err) {
      toast(errorText(err), "error");
      loadNotifications(true); // it changed meanwhile (say, accepted in another tab): show what it is now
    }
  } });
  // The server gives the offer's and the request's current status (not the one when it was sent), so the
  // buttons are offered only while there is something to answer; otherwise the item says what became of it.
  const offerOpen = n.kind === "offer:new" && p.offer && p.offer.status === "live";
  const requestOpen = n.kind === "request:new" && p.request && p.request.status === "open";
  if (n.kind === "offer:new" && p.offer && !offerOpen) out.push(stateNote(t(OFFER_STATES[p.offer.status] || "bell.offer_is_closed")));
  if (n.kind === "request:new" && p.request && !requestOpen) out.push(stateNote(t("bell.request_is", { status: t(`status.${p.request.status}`) })));
  if (offerOpen && !n.read_at) { // once acted on (read), only the links remain
    out.push(act(t("bell.accept"), "accept", `/offers/${p.offer.id}/accept`, t("bell.accepted_toast"), true));
    out.push(act(t("bell.reject"), "reject", `/offers/${p.offer.id}/reject`, t("bell.rejected_toast"), false));
  }
  if (requestOpen && p.direct && !n.read_at) { // a request sent to me: take it or turn it down here
    out.push(act(t("bell.take"), "take", `/requests/${requestId}/accept`, t("bell.taken_toast"), true));
    out.push(act(t("bell.turn_down"), "decline", `/requests/${requestId}/decline`, t("bell.declined_toast"), false));
  }
  if (n.kind === "request:new") {
    out.push(el("button", { type: "button", class: "small ghost", text: p.direct || !requestOpen ? t("bell.open_request") : t("bell.make_offer"), onclick: () => go(`#/requests/${requestId}`) }));
  }
  if (n.kind === "friend:request" && p.user && !n.read_at) { // accept or turn down right here
    out.push(act(t("friend.accept"), "accept-friend", `/friends/${p.user.id}`, t("friend.are_friends"), false));
  }
  if (n.kind.startsWith("friend:") && p.user) out.push(el("button", { type: "button", class: "small ghost", text: t("bell.open_profile"), onclick: () => go(`#/people/${p.user.id}`) }));
  if (n.kind === "post:comment" && p.user) out.push(el("button", { type: "button", class: "small ghost", text: t("bell.open_profile"), onclick: () => go(`#/people/${p.user.id}`) }));
  if (n.kind.startsWith("community:") && p.community) out.push(el("button", { type: "button", class: "small ghost", text: t("bell.open_community"), onclick: () => go(`#/communities/${p.community.id}`) }));
  if (p.chat_id) out.push(el("button", { type: "button", class: "small", text: t("bell.open_chat"), dataset: { action: "chat" }, onclick: () => go(`#/chats/${p.chat_id}`) }));
  if (requestId && n.kind !== "request:new") out.push(el("button", { type: "button", class: "small ghost", text: t("bell.open_request"), onclick: () => go(`#/requests/${requestId}`) }));
  return out;
}

function renderPanel() {
  if (!panel || panel.hidden) return;
  const close = () => { panel.hidden = true; };
  const { items, unread, status } = notifications.get();
  let body;
  if (items.length) {
    body = el("ul", { class: "notif-list" }, items.map((n) => el("li", { class: `notif${n.read_at ? "" : " unread"}`, dataset: { kind: n.kind, id: n.id } },
      el("div", { class: "notif-text", text: describe(n) }),
      el("div", { class: "notif-meta", text: timeShort(n.created_at) }),
      el("div", { class: "notif-actions" }, actions(n, close)))));
  } else if (status === "error") body = errorState(new Error(t("bell.load_failed")), () => loadNotifications(true));
  else if (status !== "ready") body = loadingState();
  else body = emptyState(t("bell.empty"));
  clear(panel,
    el("div", { class: "notif-head" }, el("strong", { text: t("bell.title") }),
      unread ? el("button", { type: "button", class: "link", text: t("bell.mark_all"), onclick: async () => {
        try { await markAllRead(); } catch (err) { toast(errorText(err), "error"); }
      } }) : null),
    body);
}

/** The bell for the top bar (one instance, re-attached on each render). */
export function bell() {
  if (!button) {
    counter = el("span", { class: "bell-count", id: "bell-count", hidden: true });
    panel = el("div", { class: "notif-panel", id: "notif-panel", hidden: true });
    button = el("button", { type: "button", class: "bell icon", id: "bell", "aria-controls": "notif-panel", "aria-expanded": "false" }, icon("bell"), counter);
    const show = (open) => {
      panel.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
    };
    button.addEventListener("click", (e) => {
      e.stopPropagation();
      show(panel.hidden);
      if (!panel.hidden) { renderPanel(); loadNotifications(true); }
    });
    document.addEventListener("click", (e) => { if (!panel.hidden && !panel.contains(e.target) && e.target !== button) show(false); });
    // Escape closes it (back to the bell); a new screen closes it too.
    panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { show(false); button.focus(); } });
    button.addEventListener("keydown", (e) => { if (e.key === "Escape" && !panel.hidden) show(false); });
    window.addEventListener("hashchange", () => show(false));
    notifications.subscribe((s) => s.unread, renderCounter);
    notifications.subscribe((s) => s.items, renderPanel);
    notifications.subscribe((s) => s.status, renderPanel);
    notifications.subscribe((s) => s.latest, (n) => { if (n) toast(describe(n)); });
  }
  renderCounter();
  return el("div", { class: "bell-wrap" }, button, panel);
}
