// The messenger's state: chats, members, presence, typing, read marks, and the loaded messages (what
// I send and the catch-up after a reconnect are in outbox.js). Every message is keyed by id once stored and by client_id while
// pending, so nothing shows twice. The socket's messenger events arrive here through events.js.
import { api, qs } from "../api.js";
import { call } from "../net.js";
import { t } from "../i18n.js";
import { me } from "./session.js";
import { createStore, withKey } from "./store.js";

/**
 * chats: id -> chat (list item, merged with its detail); details: id -> chat with members;
 * presence: user id -> online; typing: chat id -> Map(user id -> expiry); othersRead: chat id -> highest
 * seq read by someone else; logRevs: chat id -> revision, bumped when a chat's messages change in bulk.
 */
export const messenger = createStore({
  chats: new Map(),
  details: new Map(),
  presence: new Map(),
  typing: new Map(),
  othersRead: new Map(),
  logRevs: new Map(),
  activeChat: null,
  chatsLoaded: false,
  departed: new Map(), // chat id -> {chatId, name, by: user|null, at}: chats I was removed from
});

const S = () => messenger.get();
const myId = () => me()?.id;
const logs = new Map(); // chat id -> MessageLog (mutable: messages are many; views hear of changes below)
const messageListeners = new Set();

/** fn(chatId, msg) for each single message stored, changed or pending (the open chat upserts it). */
export function onMessage(fn) {
  messageListeners.add(fn);
  return () => messageListeners.delete(fn);
}

/** Tell the onMessage listeners about one message (outbox.js too). */
export function messageChanged(chatId, msg) {
  for (const fn of messageListeners) {
    try { fn(chatId, msg); } catch (err) { console.warn("message listener failed", err); }
  }
}

/** A chat's messages changed in bulk: the open chat redraws them. */
export function bumpLog(chatId) {
  const revs = S().logRevs;
  messenger.set({ logRevs: withKey(revs, chatId, (revs.get(chatId) || 0) + 1) });
}

class MessageLog {
  constructor(chatId) {
    this.chatId = chatId;
    this.bySeq = new Map(); // seq -> message
    this.byId = new Map();
    this.pending = new Map(); // client_id -> optimistic message (outbox.js)
    this.hasMoreBefore = true;
    this.loaded = false;
    this.loadingOlder = null;
    this.syncing = null; // the running catch-up (syncChat), so gaps found meanwhile join it
    this.syncAgain = false;
  }
  get maxSeq() { let m = 0; for (const s of this.bySeq.keys()) if (s > m) m = s; return m; }
  get minSeq() { let m = Infinity; for (const s of this.bySeq.keys()) if (s < m) m = s; return m === Infinity ? 0 : m; }
  /** The highest seq held without a hole below it (from the oldest held): a sync starts after it. */
  get contiguousSeq() {
    if (!this.bySeq.size) return 0;
    let s = this.minSeq;
    while (this.bySeq.has(s + 1)) s += 1;
    return s;
  }
  ordered() {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq).concat([...this.pending.values()]);
  }
  /** Store a server message; returns true if anything changed. Drops its optimistic twin. */
  put(msg) {
    let twin = null;
    if (msg.client_id && this.pending.has(msg.client_id) && (!msg.sender || msg.sender.id === myId())) {
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

/** The message log of a chat (created empty on first use). */
export function log(chatId) {
  chatId = Number(chatId);
  if (!logs.has(chatId)) logs.set(chatId, new MessageLog(chatId));
  return logs.get(chatId);
}

/** Every message log held (the reconnect's catch-up walks them). */
export function allLogs() {
  return [...logs.values()];
}

// ---- chats -------------------------------------------------------------------------------------

/** Merge `patch` into a chat of the list. */
export function patchChat(id, patch) {
  const chats = S().chats;
  const old = chats.get(id);
  if (!old) return;
  messenger.set({ chats: withKey(chats, id, { ...old, ...patch }) });
}

/** Put a chat the server just returned (created, opened) into the list. */
export function putChat(chat) {
  const chats = S().chats;
  messenger.set({ chats: withKey(chats, chat.id, { ...(chats.get(chat.id) || {}), ...chat }) });
}

/** Forget a chat (left, deleted, removed from it). */
export function dropChat(id) {
  logs.delete(id);
  messenger.set({ chats: withKey(S().chats, id, undefined), details: withKey(S().details, id, undefined) });
}

function presenceFrom(chats, presence) {
  let next = null;
  const note = (u) => {
    if (!u || typeof u.online !== "boolean" || presence.get(u.id) === u.online) return;
    next ||= new Map(presence);
    next.set(u.id, u.online);
  };
  for (const chat of chats) {
    note(chat.peer);
    for (const m of chat.members || []) note(m.user);
  }
  return next || presence;
}

/** GET /api/chats into the store; returns the chats sorted newest first. */
export async function loadChats() {
  const data = await api("GET", "/chats");
  const items = data.items || [];
  messenger.set({
    chats: new Map(items.map((c) => [c.id, { ...(S().details.get(c.id) || {}), ...c }])),
    presence: presenceFrom(items, S().presence),
    chatsLoaded: true,
  });
  return sortedChats();
}

/** Learn who is online among these users (profiles carry `online`); events keep it current after that. */
export async function loadPresence(userIds, force = false) {
  const ids = [...new Set(userIds)].filter((id) => force || !S().presence.has(id));
  if (!ids.length) return;
  const found = await Promise.all(ids.slice(0, 50).map((id) => api("GET", `/users/${id}`).then((u) => [id, Boolean(u.online)]).catch(() => null)));
  const presence = new Map(S().presence);
  for (const pair of found) if (pair) presence.set(...pair);
  messenger.set({ presence });
}

/** The chats, newest activity first. */
export function sortedChats() {
  const when = (c) => (c.last_message && c.last_message.created_at) || c.last_message_at || c.created_at || "";
  return [...S().chats.values()].sort((a, b) => (when(b) > when(a) ? 1 : when(b) < when(a) ? -1 : b.id - a.id));
}

/** The other person of a direct or order chat: the server sends it as `peer` (or it is in `members`). */
export function peer(chat) {
  if (!chat) return null;
  if (chat.peer) return chat.peer;
  if (chat.type === "group") return null;
  const members = (S().details.get(chat.id) || chat).members || [];
  return members.map((m) => m.user).find((u) => u && u.id !== myId()) || null;
}

/** A chat's title: the peer's name for a direct chat, else the chat's `name`. */
export function chatTitle(chat) {
  if (!chat) return "";
  if (chat.type === "direct") {
    const p = peer(chat);
    if (p) return p.display_name || p.username;
  }
  if (chat.type === "order" && chat.order) {
    const p = chat.order.my_side === "customer" ? chat.order.executor : chat.order.customer;
    return t("chats.order_title", { name: p.display_name || p.username, title: chat.order.title });
  }
  return chat.name || t("chats.untitled", { id: chat.id });
}

/** GET /api/chats/{id}: the chat with its members, into the store. Raises ApiError (404: not a member). */
export async function loadChat(chatId) {
  chatId = Number(chatId);
  const chat = await api("GET", `/chats/${chatId}`);
  let read = 0;
  for (const m of chat.members || []) {
    if (m.user.id !== myId() && typeof m.last_read_seq === "number") read = Math.max(read, m.last_read_seq);
  }
  const s = S();
  messenger.set({
    details: withKey(s.details, chatId, chat),
    chats: withKey(s.chats, chatId, { ...(s.chats.get(chatId) || {}), ...chat }),
    presence: presenceFrom([chat], s.presence),
    othersRead: read > (s.othersRead.get(chatId) || 0) ? withKey(s.othersRead, chatId, read) : s.othersRead,
  });
  if (chat.type !== "direct") loadPresence((chat.members || []).map((m) => m.user.id).filter((id) => id !== myId()));
  return chat;
}

/** My role in a chat (owner | admin | member), from the chat's `role` or its members. */
export function myRole(chatId) {
  const chat = S().details.get(Number(chatId)) || S().chats.get(Number(chatId));
  if (!chat) return null;
  if (chat.role) return chat.role;
  const mine = (chat.members || []).find((m) => m.user.id === myId());
  return mine ? mine.role : null;
}

/** Mark a chat as the one on screen (its messages do not count as unread), or null. */
export function setActiveChat(chatId) { messenger.set({ activeChat: chatId }); }

// ---- messages ----------------------------------------------------------------------------------

/** The newest page of a chat's messages. */
export async function loadLatest(chatId) {
  const l = log(chatId);
  const data = await api("GET", `/messages/${l.chatId}${qs({ limit: 50 })}`);
  const items = data.items || [];
  for (const m of items) l.put(m);
  l.hasMoreBefore = data.next !== null && data.next !== undefined && items.length > 0;
  l.loaded = true;
  bumpLog(l.chatId);
  // Live messages held from before the page came may sit above a hole: fill it.
  if (l.contiguousSeq < l.maxSeq) await syncChat(l.chatId).catch(() => {});
  return l;
}

/** The page before the oldest loaded message; resolves how many came. */
export function loadOlder(chatId) {
  const l = log(chatId);
  if (!l.hasMoreBefore || l.loadingOlder || !l.bySeq.size) return Promise.resolve(0);
  l.loadingOlder = (async () => {
    const data = await api("GET", `/messages/${l.chatId}${qs({ before: l.minSeq, limit: 50 })}`);
    const items = data.items || [];
    for (const m of items) l.put(m);
    l.hasMoreBefore = data.next !== null && data.next !== undefined && items.length > 0;
    return items.length;
  })().finally(() => { l.loadingOlder = null; });
  return l.loadingOlder;
}

/**
 * Catch a chat up: chat:sync (REST when offline) from the last seq held contiguously, so a hole below
 * the newest message (a missed `message:new`) is filled too. Calls made while one runs join it (and
 * make it run once more).
 */
export function syncChat(chatId) {
  const l = log(chatId);
  if (l.syncing) { l.syncAgain = true; return l.syncing; }
  l.syncing = (async () => {
    do {
      l.syncAgain = false;
      await syncOnce(l);
    } while (l.syncAgain);
  })().finally(() => { l.syncing = null; bumpLog(l.chatId); });
  return l.syncing;
}

async function syncOnce(l) {
  if (!l.bySeq.size && !l.loaded) return; // nothing held: the chat loads its latest page when opened
  let after = l.contiguousSeq;
  for (let guard = 0; guard < 20; guard += 1) {
    let page;
    try {
      page = await call("chat:sync", { chat_id: l.chatId, after_seq: after, limit: 200 }, async () => {
        const data = await api("GET", `/messages/${l.chatId}${qs({ after, limit: 200 })}`);
        const messages = data.items || [];
        return { messages, has_more: data.next !== null && data.next !== undefined && messages.length > 0 };
      });
    } catch { return; }
    const messages = page.messages || [];
    for (const m of messages) applyMessage(m, false, false);
    if (!page.has_more || !messages.length) return;
    after = messages[messages.length - 1].seq;
  }
}

/**
 * A message that arrived (event, ack, sync): store it, update the chat list, tell the open chat. A live
 * one (`live`) whose seq is not the next after what is held contiguously means events were missed:
 * the chat syncs to fill the gap.
 */
export function applyMessage(msg, notify = true, live = notify) {
  const l = log(msg.chat_id);
  const isNew = !l.byId.has(msg.id);
  const gap = live && isNew && l.bySeq.size > 0 && msg.seq > l.contiguousSeq + 1;
  const changed = l.put(msg);
  if (gap) syncChat(l.chatId).catch((err) => console.warn("gap sync failed", l.chatId, err));
  if (isNew && l.loaded === false && l.bySeq.size === 1) l.hasMoreBefore = msg.seq > 1;
  const chat = S().chats.get(msg.chat_id);
  if (chat) {
    const patch = {};
    if (!chat.last_message || chat.last_message.seq <= msg.seq) patch.last_message = msg;
    const mine = msg.sender && msg.sender.id === myId();
    if (isNew && !mine && msg.kind !== "service" && !(S().activeChat === msg.chat_id && document.visibilityState === "visible")) {
      if (msg.seq > (chat.last_read_seq || 0)) patch.unread = (chat.unread || 0) + 1;
    }
    if (Object.keys(patch).length) patchChat(msg.chat_id, patch);
  } else if (S().chatsLoaded) {
    loadChats().catch(() => {});
  }
  if (changed && notify) messageChanged(msg.chat_id, msg);
  return changed;
}

/** Who is typing in a chat now (user ids). */
export function typingUsers(chatId) {
  const map = S().typing.get(Number(chatId));
  if (!map) return [];
  const now = Date.now();
  return [...map.entries()].filter(([, until]) => until > now).map(([uid]) => uid);
}

/** A member's user object from the chat's detail, if loaded. */
export function memberUser(chatId, userId) {
  const chat = S().details.get(Number(chatId));
  const m = chat && (chat.members || []).find((x) => x.user.id === userId);
  return m ? m.user : null;
}

/** Forget everything (logged out). */
export function reset() {
  logs.clear();
  messenger.set({
    chats: new Map(), details: new Map(), presence: new Map(), typing: new Map(), othersRead: new Map(),
    logRevs: new Map(), activeChat: null, chatsLoaded: false, departed: new Map(),
  });
}

// ---- server events (dispatched by events.js) --------------------------------------------------

// An edit or delete of a message older than the loaded page is not stored (it would open a hole).
function held(m) {
  const l = log(m.chat_id);
  return l.byId.has(m.id) || !l.bySeq.size || m.seq > l.minSeq;
}

// I was removed from a chat: remember who did it and the chat's name, so the open chat and the list can
// say so, then forget the chat. The remover is named from the member
// list held, else from their profile.
async function removedFrom({ chat_id: chatId, by }) {
  if (by === myId()) { dropChat(chatId); return; } // I left (here or in another tab): nothing to tell
  const chat = S().details.get(chatId) || S().chats.get(chatId);
  const name = chat ? chatTitle(chat) : "";
  const other = Boolean(by) && by !== myId();
  let who = other ? memberUser(chatId, by) : null;
  if (other && !who) who = await api("GET", `/users/${by}`).catch(() => ({ id: by }));
  messenger.set({ departed: withKey(S().departed, chatId, { chatId, name, by: other ? who : null, at: Date.now() }) });
  dropChat(chatId);
}

function refreshChat(payload) {
  const id = payload.chat_id ?? payload.id; // member events carry chat_id, chat events are the chat
  loadChats().catch(() => {});
  if (S().details.has(id)) loadChat(id).catch(() => messenger.set({ details: withKey(S().details, id, undefined) }));
}

/** The messenger's server events: name -> handler(payload). */
export const handlers = {
  "message:new": (m) => applyMessage(m),
  "message:updated": (m) => { if (held(m)) applyMessage(m); },
  "message:deleted": (m) => { if (held(m)) applyMessage({ ...m, deleted: true }); },
  typing: ({ chat_id, user_id, typing }) => {
    if (user_id === myId()) return;
    const setTyping = (on) => {
      const old = S().typing.get(chat_id) || new Map();
      const map = new Map(old);
      if (on) map.set(user_id, Date.now() + 6000); else map.delete(user_id);
      messenger.set({ typing: withKey(S().typing, chat_id, map) });
    };
    setTyping(typing);
    if (typing) setTimeout(() => { if ((S().typing.get(chat_id)?.get(user_id) || 0) <= Date.now()) setTyping(false); }, 6100);
  },
  "chat:read": ({ chat_id, user_id, seq }) => {
    if (user_id === myId()) {
      const chat = S().chats.get(chat_id);
      if (chat && seq >= (chat.last_read_seq || 0)) patchChat(chat_id, { last_read_seq: seq, unread: 0 });
      return;
    }
    const seen = S().othersRead.get(chat_id) || 0;
    if (seq > seen) messenger.set({ othersRead: withKey(S().othersRead, chat_id, seq) });
  },
  presence: ({ user_id, online }) => {
    if (S().presence.get(user_id) !== online) messenger.set({ presence: withKey(S().presence, user_id, online) });
  },
  "chat:created": refreshChat,
  "chat:updated": (chat) => {
    // The chat as I see it (an order chat's order included): shown at once, then refreshed.
    const s = S();
    const patch = {};
    for (const key of ["name", "description", "order"]) if (key in chat) patch[key] = chat[key];
    if (s.details.has(chat.id)) messenger.set({ details: withKey(s.details, chat.id, { ...s.details.get(chat.id), ...patch }) });
    if (s.chats.has(chat.id)) patchChat(chat.id, patch);
    refreshChat(chat);
  },
  "chat:member_added": refreshChat,
  "chat:member_updated": refreshChat,
  "chat:member_removed": (p) => { if (p.user_id === myId()) removedFrom(p); else refreshChat(p); },
  "chat:deleted": (chat) => dropChat(chat.id),
};
