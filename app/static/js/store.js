// Client state for the messenger: chats, loaded messages, the outbox of unacknowledged sends.
// Every message is keyed by id once stored and by client_id while pending, so nothing shows twice.
import { api, qs } from "./api.js";
import * as sock from "./socket.js";

export const state = {
  me: null,
  chats: new Map(), // id -> chat (list item, enriched by detail)
  details: new Map(), // id -> chat with members
  logs: new Map(), // chat id -> MessageLog
  presence: new Map(), // user id -> online
  typing: new Map(), // chat id -> Map(user id -> expiry)
  othersRead: new Map(), // chat id -> highest seq read by someone else
  activeChat: null,
  chatsLoaded: false,
};

const subs = new Map();
export function subscribe(topic, fn) {
  if (!subs.has(topic)) subs.set(topic, new Set());
  subs.get(topic).add(fn);
  return () => subs.get(topic).delete(fn);
}
/** Tell the views (subscribe) that something changed; used by the socket wiring in live.js too. */
export function publish(topic, ...args) {
  for (const fn of subs.get(topic) || []) {
    try { fn(...args); } catch (err) { console.warn("subscriber failed", topic, err); }
  }
}

class MessageLog {
  constructor(chatId) {
    this.chatId = chatId;
    this.bySeq = new Map(); // seq -> message
    this.byId = new Map();
    this.pending = new Map(); // client_id -> optimistic message
    this.hasMoreBefore = true;
    this.loaded = false;
    this.loadingOlder = null;
  }
  get maxSeq() { let m = 0; for (const s of this.bySeq.keys()) if (s > m) m = s; return m; }
  get minSeq() { let m = Infinity; for (const s of this.bySeq.keys()) if (s < m) m = s; return m === Infinity ? 0 : m; }
  ordered() {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq).concat([...this.pending.values()]);
  }
  /** Store a server message; returns true if anything changed. Drops its optimistic twin. */
  put(msg) {
    let twin = null;
    if (msg.client_id && this.pending.has(msg.client_id) && (!msg.sender || msg.sender.id === state.me?.id)) {
      twin = this.pending.get(msg.client_id);
      this.pending.delete(msg.client_id);
    }
    const old = this.byId.get(msg.id);
    if (old && old.edited_at === msg.edited_at && old.deleted === msg.deleted && !twin) return false;
    this.byId.set(msg.id, msg);
    this.bySeq.set(msg.seq, msg);
    return true;
  }
}

export function log(chatId) {
  chatId = Number(chatId);
  if (!state.logs.has(chatId)) state.logs.set(chatId, new MessageLog(chatId));
  return state.logs.get(chatId);
}

// ---- chats -------------------------------------------------------------------------------------

export async function loadChats() {
  const data = await api("GET", "/chats");
  state.chats.clear();
  for (const chat of data.items || []) {
    state.chats.set(chat.id, chat);
    notePeople(chat);
  }
  state.chatsLoaded = true;
  publish("chats");
  loadPresence([...state.chats.values()].map((c) => peer(c)).filter(Boolean).map((u) => u.id));
  return sortedChats();
}

/** Learn who is online among these users (profiles carry `online`); events keep it current after that. */
export async function loadPresence(userIds, force = false) {
  const ids = [...new Set(userIds)].filter((id) => force || !state.presence.has(id));
  if (!ids.length) return;
  await Promise.all(ids.slice(0, 50).map(async (id) => {
    try {
      const u = await api("GET", `/users/${id}`);
      state.presence.set(id, Boolean(u.online));
    } catch { /* unknown stays offline */ }
  }));
  publish("presence");
}

export function sortedChats() {
  const when = (c) => (c.last_message && c.last_message.created_at) || c.updated_at || c.created_at || "";
  return [...state.chats.values()].sort((a, b) => (when(b) > when(a) ? 1 : when(b) < when(a) ? -1 : b.id - a.id));
}

function notePeople(chat) {
  for (const m of chat.members || []) {
    const u = m.user || m;
    if (u && typeof u.online === "boolean") state.presence.set(u.id, u.online);
  }
  for (const key of ["peer", "other_user", "user"]) {
    const u = chat[key];
    if (u && typeof u.online === "boolean") state.presence.set(u.id, u.online);
  }
}

/** The other person of a direct chat, if the chat says who. */
export function peer(chat) {
  if (!chat) return null;
  for (const key of ["peer", "other_user"]) if (chat[key]) return chat[key];
  const members = (state.details.get(chat.id) || chat).members || [];
  const other = members.map((m) => m.user || m).find((u) => u && u.id !== state.me?.id);
  return other || null;
}

export function chatTitle(chat) {
  if (!chat) return "";
  if (chat.type === "direct") {
    const p = peer(chat);
    if (p) return p.display_name || p.username;
  }
  return chat.name || chat.title || (chat.type === "order" ? `Order #${chat.request_id || chat.id}` : `Chat ${chat.id}`);
}

export async function loadChat(chatId) {
  chatId = Number(chatId);
  const chat = await api("GET", `/chats/${chatId}`);
  state.details.set(chatId, chat);
  state.chats.set(chatId, { ...(state.chats.get(chatId) || {}), ...chat });
  notePeople(chat);
  let read = 0;
  for (const m of chat.members || []) {
    const uid = (m.user || m).id;
    if (uid !== state.me?.id && typeof m.last_read_seq === "number") read = Math.max(read, m.last_read_seq);
  }
  if (read) state.othersRead.set(chatId, Math.max(read, state.othersRead.get(chatId) || 0));
  publish("chat", chatId);
  if (chat.type !== "direct") loadPresence((chat.members || []).map((m) => (m.user || m).id).filter((id) => id !== state.me?.id));
  return chat;
}

export function myRole(chatId) {
  const chat = state.details.get(Number(chatId));
  const me = chat && (chat.members || []).find((m) => (m.user || m).id === state.me?.id);
  return (me && me.role) || (chat && chat.my_role) || null;
}

// ---- messages ----------------------------------------------------------------------------------

export async function loadLatest(chatId) {
  const l = log(chatId);
  const data = await api("GET", `/messages/${l.chatId}${qs({ limit: 50 })}`);
  const items = data.items || [];
  for (const m of items) l.put(m);
  l.hasMoreBefore = data.next !== null && data.next !== undefined && items.length > 0;
  l.loaded = true;
  publish("messages", l.chatId);
  return l;
}

export function loadOlder(chatId) {
  const l = log(chatId);
  if (!l.hasMoreBefore || l.loadingOlder || !l.bySeq.size) return Promise.resolve(0);
  l.loadingOlder = (async () => {
    const data = await api("GET", `/messages/${l.chatId}${qs({ before: l.minSeq, limit: 50 })}`);
    const items = data.items || [];
    for (const m of items) l.put(m);
    l.hasMoreBefore = data.next !== null && data.next !== undefined && items.length > 0;
    publish("older", l.chatId, items.length);
    return items.length;
  })().finally(() => { l.loadingOlder = null; });
  return l.loadingOlder;
}

/** Catch a chat up from the last seq seen, over the socket (REST if offline). */
export async function syncChat(chatId) {
  const l = log(chatId);
  let guard = 20;
  while (guard-- > 0) {
    const after = l.maxSeq;
    let messages;
    let more;
    try {
      const ack = await sock.call("chat:sync", { chat_id: l.chatId, after_seq: after, limit: 200 });
      if (!ack || !ack.ok) break;
      messages = ack.messages || [];
      more = ack.has_more;
    } catch {
      const data = await api("GET", `/messages/${l.chatId}${qs({ after, limit: 200 })}`);
      messages = data.items || [];
      more = data.next !== null && data.next !== undefined && messages.length > 0;
    }
    for (const m of messages) applyMessage(m, false);
    if (!more || !messages.length) break;
  }
  publish("messages", l.chatId);
}

/** A message that arrived (event, ack, sync): store it, update the chat list, tell the views. */
export function applyMessage(msg, notify = true) {
  const l = log(msg.chat_id);
  const isNew = !l.byId.has(msg.id);
  const changed = l.put(msg);
  if (isNew && l.loaded === false && l.bySeq.size === 1) l.hasMoreBefore = msg.seq > 1;
  const chat = state.chats.get(msg.chat_id);
  if (chat) {
    if (!chat.last_message || chat.last_message.seq <= msg.seq) chat.last_message = msg;
    const mine = msg.sender && msg.sender.id === state.me?.id;
    if (isNew && !mine && !(state.activeChat === msg.chat_id && document.visibilityState === "visible")) {
      if (msg.seq > (chat.last_read_seq || 0)) chat.unread = (chat.unread || 0) + 1;
    }
    publish("chats");
  } else if (state.chatsLoaded) {
    loadChats().catch(() => {});
  }
  if (changed) publish("message", msg.chat_id, msg);
  return changed;
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}`;
}

/** Show the message at once, then send it; `sending` -> stored (replaced by the server copy) or `failed`. */
export function sendMessage(chatId, body, { replyTo = null, attachment = null } = {}) {
  const l = log(chatId);
  const msg = {
    id: null,
    seq: null,
    chat_id: l.chatId,
    client_id: newClientId(),
    body,
    sender: state.me,
    reply_to: replyTo,
    attachment,
    created_at: new Date().toISOString(),
    status: "sending",
  };
  l.pending.set(msg.client_id, msg);
  publish("message", l.chatId, msg);
  deliver(msg);
  return msg;
}

async function deliver(msg) {
  msg.status = "sending";
  publish("message", msg.chat_id, msg);
  if (!sock.isOnline()) return; // stays in the outbox; sent on reconnect
  const payload = { chat_id: msg.chat_id, body: msg.body, client_id: msg.client_id };
  if (msg.reply_to) payload.reply_to = typeof msg.reply_to === "object" ? msg.reply_to.id : msg.reply_to;
  if (msg.attachment) payload.attachment_id = msg.attachment.id;
  try {
    const ack = await sock.call("message:send", payload);
    if (ack && ack.ok && ack.message) {
      applyMessage(ack.message);
    } else {
      msg.status = "failed";
      msg.error = (ack && ack.error && ack.error.message) || "Not sent.";
      publish("message", msg.chat_id, msg);
    }
  } catch {
    // Timed out or the connection dropped: the reconnect handler resends (the server dedupes by client_id).
    if (log(msg.chat_id).pending.has(msg.client_id)) {
      msg.status = sock.isOnline() ? "failed" : "sending";
      msg.error = "No answer from the server.";
      publish("message", msg.chat_id, msg);
    }
  }
}

export function retry(chatId, clientId) {
  const msg = log(chatId).pending.get(clientId);
  if (msg) deliver(msg);
}

export function discard(chatId, clientId) {
  log(chatId).pending.delete(clientId);
  publish("messages", Number(chatId));
}

/** After a reconnect: catch up every open chat, then resend what was never acknowledged. */
export async function recover() {
  state.presence.clear(); // whatever changed while we were away
  await loadChats().catch(() => {});
  for (const l of state.logs.values()) {
    if (!l.loaded) continue;
    try { await syncChat(l.chatId); } catch (err) { console.warn("sync failed", l.chatId, err); }
  }
  for (const l of state.logs.values()) {
    for (const msg of [...l.pending.values()]) if (msg.status !== "failed" || msg.error === "No answer from the server.") deliver(msg);
  }
}

export async function markRead(chatId) {
  const l = log(chatId);
  const seq = l.maxSeq;
  const chat = state.chats.get(l.chatId);
  if (!seq || (chat && (chat.last_read_seq || 0) >= seq && !chat.unread)) return;
  if (!sock.isOnline()) return; // marked after the reconnect's catch-up instead
  if (chat) { chat.last_read_seq = seq; chat.unread = 0; publish("chats"); }
  try {
    const ack = await sock.call("chat:read", { chat_id: l.chatId, seq });
    if (!ack || !ack.ok) throw new Error("not ok");
  } catch {
    await api("POST", `/chats/${l.chatId}/read`, { seq }).catch(() => {});
  }
}

export async function editMessage(msg, body) {
  try {
    const ack = await sock.call("message:edit", { message_id: msg.id, body });
    if (ack && ack.ok) { if (ack.message) applyMessage(ack.message); return; }
    throw Object.assign(new Error((ack && ack.error && ack.error.message) || "Not saved."), { soft: true });
  } catch (err) {
    if (err.soft) throw err;
    applyMessage(await api("PATCH", `/messages/${msg.id}`, { body }));
  }
}

export async function deleteMessage(msg) {
  try {
    const ack = await sock.call("message:delete", { message_id: msg.id });
    if (ack && ack.ok) { applyMessage({ ...msg, deleted: true, body: "", attachment: null }); return; }
    throw Object.assign(new Error((ack && ack.error && ack.error.message) || "Not deleted."), { soft: true });
  } catch (err) {
    if (err.soft) throw err;
    await api("DELETE", `/messages/${msg.id}`);
    applyMessage({ ...msg, deleted: true, body: "", attachment: null });
  }
}

// ---- live events -------------------------------------------------------------------------------

export function typingUsers(chatId) {
  const map = state.typing.get(Number(chatId));
  if (!map) return [];
  const now = Date.now();
  return [...map.entries()].filter(([, until]) => until > now).map(([uid]) => uid);
}

export function memberUser(chatId, userId) {
  const chat = state.details.get(Number(chatId));
  const m = chat && (chat.members || []).find((x) => (x.user || x).id === userId);
  return m ? m.user || m : null;
}

export function reset() {
  state.me = null;
  state.chats.clear();
  state.details.clear();
  state.logs.clear();
  state.presence.clear();
  state.typing.clear();
  state.othersRead.clear();
  state.activeChat = null;
  state.chatsLoaded = false;
}
