// What I send: optimistic messages in an outbox until the server acknowledges them, edits, deletes,
// read marks, and the catch-up after a (re)connect that resends what was never acknowledged.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { call, CallError } from "../net.js";
import * as sock from "../socket.js";
import { allLogs, applyMessage, bumpLog, loadChats, log, messageChanged, messenger, patchChat, syncChat } from "./messenger.js";
import { me } from "./session.js";

const S = () => messenger.get();

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}`;
}

/** Show the message at once, then send it; `sending` -> stored (replaced by the server copy) or `failed`. */
export function sendMessage(chatId, body, { replyTo = null, attachment = null } = {}) {
  const l = log(chatId);
  const msg = {
    id: null, seq: null, chat_id: l.chatId, client_id: newClientId(), body, sender: me(),
    reply_to: replyTo, attachment, created_at: new Date().toISOString(), status: "sending",
  };
  l.pending.set(msg.client_id, msg);
  messageChanged(l.chatId, msg);
  deliver(msg);
  return msg;
}

const NO_ANSWER = "no_answer";

async function deliver(msg) {
  msg.status = "sending";
  messageChanged(msg.chat_id, msg);
  if (!sock.isOnline()) return; // stays in the outbox; sent on reconnect
  const payload = { chat_id: msg.chat_id, body: msg.body, client_id: msg.client_id };
  if (msg.reply_to) payload.reply_to = typeof msg.reply_to === "object" ? msg.reply_to.id : msg.reply_to;
  if (msg.attachment) payload.attachment_id = msg.attachment.id;
  try {
    const ack = await call("message:send", payload);
    if (ack.message) applyMessage(ack.message);
  } catch (err) {
    if (err instanceof CallError) {
      msg.status = "failed";
      msg.error = err.message || t("msg.not_sent");
      msg.reason = "refused";
      messageChanged(msg.chat_id, msg);
    } else if (log(msg.chat_id).pending.has(msg.client_id)) {
      // Timed out or the connection dropped: the reconnect resends (the server dedupes by client_id).
      msg.status = sock.isOnline() ? "failed" : "sending";
      msg.error = t("msg.no_answer");
      msg.reason = NO_ANSWER;
      messageChanged(msg.chat_id, msg);
    }
  }
}

/** Send a failed message again. */
export function retry(chatId, clientId) {
  const msg = log(chatId).pending.get(clientId);
  if (msg) deliver(msg);
}

/** Drop a failed message from the outbox. */
export function discard(chatId, clientId) {
  log(chatId).pending.delete(clientId);
  bumpLog(Number(chatId));
}

/** After a (re)connect: catch up every open chat, then resend what was never acknowledged. */
export async function recover() {
  messenger.set({ presence: new Map() }); // whatever changed while we were away
  await loadChats().catch(() => {});
  for (const l of allLogs()) {
    if (!l.loaded) continue;
    try { await syncChat(l.chatId); } catch (err) { console.warn("sync failed", l.chatId, err); }
  }
  for (const l of allLogs()) {
    for (const msg of [...l.pending.values()]) if (msg.status !== "failed" || msg.reason === NO_ANSWER) deliver(msg);
  }
}

/** Tell the server I have read a chat up to its newest loaded message. */
export async function markRead(chatId) {
  const l = log(chatId);
  const seq = l.maxSeq;
  const chat = S().chats.get(l.chatId);
  if (!seq || (chat && (chat.last_read_seq || 0) >= seq && !chat.unread)) return;
  if (!sock.isOnline()) return; // marked after the reconnect's catch-up instead
  if (chat) patchChat(l.chatId, { last_read_seq: seq, unread: 0 });
  await call("chat:read", { chat_id: l.chatId, seq }, () => api("POST", `/chats/${l.chatId}/read`, { seq })).catch(() => {});
}

/** Edit my message (socket, else REST). Raises CallError/ApiError when refused. */
export async function editMessage(msg, body) {
  const ack = await call("message:edit", { message_id: msg.id, body },
    async () => ({ message: await api("PATCH", `/messages/${msg.id}`, { body }) }));
  if (ack.message) applyMessage(ack.message);
}

/** Delete my message (or, as a group admin, anyone's) for everyone. Raises CallError/ApiError. */
export async function deleteMessage(msg) {
  await call("message:delete", { message_id: msg.id }, () => api("DELETE", `/messages/${msg.id}`));
  applyMessage({ ...msg, deleted: true, body: "", attachment: null });
}

