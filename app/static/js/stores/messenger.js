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
  }
  get maxSeq() { let m = 0; for (const s of this.bySeq.keys()) if (s > m) m = s; return m; }
  get minSeq() { let m = Infinity; for (const s of this.bySeq.keys()) if (s < m) m = s; return m === Infinity ? 0 : m; }
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

/** Catch a chat up from the last seq seen (chat:sync over the socket, REST when offline). */
export async function syncChat(chatId) {
  const l = log(chatId);
  let guard = 20;
  while (guard-- > 0) {
    const after = l.maxSeq;
    let page;
    try {
      page = await call("chat:sync", { chat_id: l.chatId, after_seq: after, limit: 200 }, async () => {
        const data = await api("GET", `/messages/${l.chatId}${qs({ after, limit: 200 })}`);
        const messages = data.items || [];
        return { messages, has_more: data.next !== null && data.next !== undefined && messages.length > 0 };
      });
    } catch { break; }
    const messages = page.messages || [];
    for (const m of messages) applyMessage(m, false);
    if (!page.has_more || !messages.length) break;
  }
  bumpLog(l.chatId);
}

/** A message that arrived (event, ack, sync): store it, update the chat list, tell the open chat. */
export function applyMessage(msg, notify = true) {
  const l = log(msg.chat_id);
  const isNew = !l.byId.has(msg.id);
  const changed = l.put(msg);
  if (isNew && l.loaded === false && l.bySeq.size === 1) l.hasMoreBefore = msg.seq > 1;
  const chat = S().chats.get(msg.chat_id);
  if (chat) {
    const patch = {};
    if (!chat.last_message || chat.last_message.seq <= msg.seq) patch.last_message = msg;
    const mine = msg.sender && msg.sender.id === myId();
    if (isNew && !mine && !(S().activeChat === msg.chat_id && document.visibilityState === "visible")) {
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
    logRevs: new Map(), activeChat: null, chatsLoaded: false,
  });
}

// ---- server events (dispatched by events.js) --------------------------------------------------

function refreshChat(payload) {
  const id = payload.chat_id ?? payload.id; // member events carry chat_id, chat events are the chat
  loadChats().catch(() => {});
  if (S().details.has(id)) loadChat(id).catch(() => messenger.set({ details: withKey(S().details, id, undefined) }));
}

/** The messenger's server events: name -> handler(payload). */
export const handlers = {
  "message:new": (m) => applyMessage(m),
  "message:updated": (m) => applyMessage(m),
  "message:deleted": (m) => applyMessage({ ...m, deleted: true }),
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
  "chat:updated": refreshChat,
  "chat:member_added": refreshChat,
  "chat:member_updated": refreshChat,
  "chat:member_removed": (p) => { if (p.user_id === myId()) dropChat(p.chat_id); else refreshChat(p); },
  "chat:deleted": (chat) => dropChat(chat.id),
};
