// Server events -> client state: messages, typing, read marks, presence, membership changes, reconnects.
import * as sock from "./socket.js";
import { applyMessage, loadChat, loadChats, publish, recover, state } from "./store.js";

let wired = false;
/** Subscribe the store to the socket once per page. */
export function wireSocket() {
  if (wired) return;
  wired = true;
  sock.on("message:new", (m) => applyMessage(m));
  sock.on("message:updated", (m) => applyMessage(m));
  sock.on("message:deleted", (m) => applyMessage({ ...m, deleted: true }));
  sock.on("typing", ({ chat_id, user_id, typing }) => {
    if (user_id === state.me?.id) return;
    if (!state.typing.has(chat_id)) state.typing.set(chat_id, new Map());
    if (typing) state.typing.get(chat_id).set(user_id, Date.now() + 6000);
    else state.typing.get(chat_id).delete(user_id);
    publish("typing", chat_id);
    setTimeout(() => publish("typing", chat_id), 6100);
  });
  sock.on("chat:read", ({ chat_id, user_id, seq }) => {
    if (user_id === state.me?.id) {
      const chat = state.chats.get(chat_id);
      if (chat && seq >= (chat.last_read_seq || 0)) { chat.last_read_seq = seq; chat.unread = 0; publish("chats"); }
      return;
    }
    state.othersRead.set(chat_id, Math.max(seq, state.othersRead.get(chat_id) || 0));
    publish("read", chat_id);
  });
  sock.on("presence", ({ user_id, online }) => {
    state.presence.set(user_id, online);
    publish("presence", user_id);
  });
  const refreshChat = (payload) => {
    const id = payload.chat_id || payload.id;
    if (payload.user_id === state.me?.id && payload.role === undefined && !state.chats.has(id)) return;
    loadChats().catch(() => {});
    if (state.details.has(id)) loadChat(id).catch(() => { state.details.delete(id); publish("chat", id); });
  };
  sock.on("chat:created", refreshChat);
  sock.on("chat:updated", refreshChat);
  sock.on("chat:member_added", refreshChat);
  sock.on("chat:member_updated", refreshChat);
  sock.on("chat:member_removed", (p) => {
    if (p.user_id === state.me?.id) {
      state.chats.delete(p.chat_id);
      state.details.delete(p.chat_id);
      publish("chats");
      publish("gone", p.chat_id);
    } else refreshChat(p);
  });
  sock.on("chat:deleted", (p) => {
    const id = p.chat_id || p.id;
    state.chats.delete(id);
    state.details.delete(id);
    state.logs.delete(id);
    publish("chats");
    publish("gone", id);
  });
  // Both times: whatever arrived between the REST load and the socket joining is caught up by chat:sync.
  sock.on("reconnected", () => { recover(); });
  sock.on("connected", () => { recover(); });
}
