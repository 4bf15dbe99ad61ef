// The notification bell: a live counter and a list whose items act (accept, reject, open the chat).
import { api } from "../api.js";
import { clear, el, errorText, timeShort, toast } from "../dom.js";
import * as sock from "../socket.js";
import { icon } from "../icons.js";

const state = { items: [], unread: 0, loaded: false, loading: null };
let button = null;
let counter = null;
let panel = null;

function renderCounter() {
  if (!counter) return;
  counter.textContent = state.unread > 99 ? "99+" : String(state.unread);
  counter.hidden = state.unread === 0;
  button.setAttribute("aria-label", `Notifications: ${state.unread} unread`);
}

export async function loadNotifications(force = false) {
  if (state.loaded && !force) { renderCounter(); return; }
  if (state.loading) return state.loading;
  state.loading = (async () => {
    try {
      const data = await api("GET", "/notifications?limit=30");
      state.items = data.items || [];
      state.unread = typeof data.unread === "number" ? data.unread : state.items.filter((n) => !n.read_at).length;
      state.loaded = true;
    } catch (err) {
      if (err.status !== 404) console.warn("notifications", err.message);
    }
    renderCounter();
    if (panel && !panel.hidden) renderPanel();
  })().finally(() => { state.loading = null; });
  return state.loading;
}

function describe(n) {
  const p = n.payload || {};
  const title = p.title || (p.request && p.request.title) || "";
  switch (n.kind) {
    case "request:new": return `New request${p.direct ? " sent to you" : ""}: “${title}”`;
    case "offer:new": return `New offer on “${title}”${p.offer && p.offer.price != null ? ` · ${p.offer.price}` : ""}`;
    case "offer:accepted": return `Your offer on “${title}” was accepted`;
    case "offer:rejected": return `Your offer on “${title}” was declined`;
    case "request:status": return `“${title}” is now ${p.status}`;
    case "review:new": return `New review (${(p.review && p.review.rating) || "?"}★) on “${title}”`;
    case "chat:added": {
      const who = p.by ? (p.by.display_name || p.by.username) : "Someone";
      return p.type === "direct" ? `${who} started a chat with you` : `${who} added you to “${p.name || "a chat"}”`;
    }
    default: return n.kind;
  }
}

async function markRead(ids) {
  const fresh = ids.filter((id) => state.items.find((n) => n.id === id && !n.read_at));
  if (!fresh.length) return;
  try {
    const res = await api("POST", "/notifications/read", { ids: fresh });
    for (const n of state.items) if (fresh.includes(n.id)) n.read_at = new Date().toISOString();
    state.unread = typeof res.unread === "number" ? res.unread : Math.max(0, state.unread - fresh.length);
    renderCounter();
  } catch { /* the counter refreshes on the next load */ }
}

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
      markRead([n.id]);
      toast(done, "ok");
      if (!primary) { renderPanel(); return; }
      close();
      location.hash = res.chat ? `#/chats/${res.chat.id}` : `#/requests/${requestId}`;
    } catch (err) { toast(errorText(err), "error"); }
  } });
  if (n.kind === "offer:new" && p.offer && !n.read_at) { // once acted on (read), only the links remain
    out.push(act("Accept", "accept", `/offers/${p.offer.id}/accept`, "Offer accepted. The order chat is open.", true));
    out.push(act("Reject", "reject", `/offers/${p.offer.id}/reject`, "Offer declined.", false));
  }
  if (n.kind === "request:new" && p.direct && !n.read_at) { // a request sent to me: take it or turn it down here
    out.push(act("Take it", "take", `/requests/${requestId}/accept`, "Taken. The order chat is open.", true));
    out.push(act("Turn down", "decline", `/requests/${requestId}/decline`, "Request declined.", false));
  }
  if (n.kind === "request:new") {
    out.push(el("button", { type: "button", class: "small ghost", text: p.direct ? "Open request" : "Make an offer", onclick: () => go(`#/requests/${requestId}`) }));
  }
  if (p.chat_id) out.push(el("button", { type: "button", class: "small", text: "Open chat", dataset: { action: "chat" }, onclick: () => go(`#/chats/${p.chat_id}`) }));
  if (requestId && n.kind !== "request:new") out.push(el("button", { type: "button", class: "small ghost", text: "Open request", onclick: () => go(`#/requests/${requestId}`) }));
  return out;
}

function renderPanel() {
  const close = () => { panel.hidden = true; };
  clear(panel,
    el("div", { class: "notif-head" }, el("strong", { text: "Notifications" }),
      state.unread ? el("button", { type: "button", class: "link", text: "Mark all read", onclick: async () => {
        try { await api("POST", "/notifications/read", { all: true }); for (const n of state.items) n.read_at = n.read_at || "now"; state.unread = 0; renderCounter(); renderPanel(); } catch (err) { toast(errorText(err), "error"); }
      } }) : null),
    state.items.length
      ? el("ul", { class: "notif-list" }, state.items.map((n) => el("li", { class: `notif${n.read_at ? "" : " unread"}`, dataset: { kind: n.kind, id: n.id } },
        el("div", { class: "notif-text", text: describe(n) }),
        el("div", { class: "notif-meta", text: timeShort(n.created_at) }),
        el("div", { class: "notif-actions" }, actions(n, close)))))
      : el("p", { class: "muted empty", text: "Nothing new." }));
}

/** The bell for the top bar (one instance, re-attached on each render). */
export function bell() {
  if (!button) {
    counter = el("span", { class: "bell-count", id: "bell-count", hidden: true });
    panel = el("div", { class: "notif-panel", id: "notif-panel", hidden: true });
    button = el("button", { type: "button", class: "bell icon", id: "bell", "aria-label": "Notifications" }, icon("bell"), counter);
    button.addEventListener("click", (e) => {
      e.stopPropagation();
      panel.hidden = !panel.hidden;
      if (!panel.hidden) { renderPanel(); loadNotifications(true); }
    });
    document.addEventListener("click", (e) => { if (!panel.hidden && !panel.contains(e.target) && e.target !== button) panel.hidden = true; });
    sock.on("notification", (n) => {
      if (state.items.some((x) => x.id === n.id)) return;
      state.items.unshift(n);
      state.unread += 1;
      renderCounter();
      if (!panel.hidden) renderPanel();
      toast(describe(n));
    });
    sock.on("reconnected", () => loadNotifications(true));
  }
  renderCounter();
  return el("div", { class: "bell-wrap" }, button, panel);
}

export function resetNotifications() {
  state.items = [];
  state.unread = 0;
  state.loaded = false;
}
