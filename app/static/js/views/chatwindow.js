// The open chat: history that loads upward, live messages, typing, read marks, reply, edit, delete,
// attachments, and the optimistic outbox.
import "../i18n/messenger.js";
import { api } from "../api.js";
import { clear, confirmBox, el, errorText, toast } from "../dom.js";
import { avatar, displayName } from "../components/avatar.js";
import { isOnline, presenceDot } from "../components/presence.js";
import { icon } from "../icons.js";
import { t } from "../i18n.js";
import * as sock from "../socket.js";
import * as store from "../stores/messenger.js";
import * as outbox from "../stores/outbox.js";
import { isMe } from "../stores/session.js";
import { messageKey, messageNode, messagePreview } from "./message.js";
import { messageKeys } from "./messagekeys.js";
import { orderBox, orderPeer } from "./orderhead.js";

const { messenger } = store;

function subtitle(chat) {
  const typing = store.typingUsers(chat.id);
  if (typing.length) {
    const names = typing.map((id) => displayName(store.memberUser(chat.id, id) || (store.peer(chat)?.id === id ? store.peer(chat) : null)));
    return { text: t("chat.typing", { names: names.join(", "), count: typing.length }), cls: "typing" };
  }
  if (chat.type === "direct" || chat.order) {
    const p = headPeer(chat);
    const online = Boolean(p) && isOnline(p.id);
    return { text: online ? t("presence.online") : t("presence.offline"), cls: online ? "online" : "" };
  }
  const n = (chat.members || []).length;
  return { text: chat.type === "order" ? t("chat.order_members", { count: n }) : t("chat.members", { count: n }), cls: "" };
}

// The person a direct or order chat is with (an order names both sides; the other is the peer).
function headPeer(chat) {
  if (chat.order) return orderPeer(chat.order);
  return chat.type === "direct" ? store.peer(chat) : null;
}

/** "Anna removed you from the group “Friends”." (or without the name when not known). */
export function removalText(note) {
  if (!note.name) return note.by ? t("chat.removed_by_unnamed", { name: displayName(note.by) }) : t("chat.gone");
  if (!note.by) return t("chat.removed", { chat: note.name });
  return t("chat.removed_by", { name: displayName(note.by), chat: note.name });
}

/** Draw the open chat into `pane`; returns its cleanup. Raises ApiError when the chat cannot be loaded. */
export async function chatWindow(pane, chatId, go) {
  let chat = await store.loadChat(chatId);
  const log = store.log(chatId);
  if (!log.loaded) await store.loadLatest(chatId);
  else await store.syncChat(chatId).catch(() => {});

  let replyTo = null;
  let editing = null;

  const sub = el("div", { class: "chat-sub" });
  const titleOf = (c) => { const p = headPeer(c); return p ? displayName(p) : store.chatTitle(c); };
  const title = el("h2", { class: "chat-title", text: titleOf(chat) });
  const headAvatar = el("span", { class: "chat-avatar" });
  const firstPeer = headPeer(chat);
  const infoLink = el("a", { class: "button ghost small", href: firstPeer ? `#/users/${firstPeer.id}` : `#/chats/${chatId}/info`, text: firstPeer ? t("chat.profile") : t("chat.info"), id: "chat-info" });
  const head = el("header", { class: "chat-head" },
    el("a", { class: "back icon", href: "#/chats", "aria-label": t("chats.back"), text: "‹" }),
    headAvatar, el("div", { class: "chat-head-text" }, title, sub), infoLink);
  const order = chat.type === "order" ? orderBox(chatId) : null;
  const renderHead = () => {
    chat = messenger.get().details.get(chatId) || chat;
    title.textContent = titleOf(chat);
    const s = subtitle(chat);
    sub.textContent = s.text;
    sub.className = `chat-sub ${s.cls}`;
    if (order) order.draw(chat);
    const p = headPeer(chat);
    const pic = avatar(p || { id: chat.id + 1000, display_name: store.chatTitle(chat) });
    if (!p) pic.classList.add("square");
    clear(headAvatar, pic, p ? presenceDot(p.id) : null);
  };

  const loader = el("div", { class: "history-loader", text: "" });
  const list = el("div", { class: "messages-inner" });
  const scroller = el("div", { class: "messages", id: "messages", role: "region", "aria-label": t("chat.history") }, loader, list);
  // New messages from others are said once here (the history itself is not a live region).
  const announcer = el("div", { class: "visually-hidden", "aria-live": "polite", id: "chat-announcer" });

  // Keyboard: arrows between messages, Enter for a message's actions, Escape to the composer (messagekeys.js).
  const { markCurrent, focusItem, focusedKey, refocus } = messageKeys(list, () => input.focus());

  const ctx = () => ({
    log,
    isGroup: chat.type === "group",
    canModerate: chat.type === "group" && ["owner", "admin"].includes(store.myRole(chatId)),
    othersRead: messenger.get().othersRead.get(chatId) || 0,
    onReply: (msg) => { replyTo = msg; editing = null; renderComposerBar(); input.focus(); },
    onEdit: (msg) => { editing = msg; replyTo = null; input.value = msg.body; renderComposerBar(); input.focus(); },
    onDelete: async (msg) => {
      if (!(await confirmBox(t("msg.delete_confirm"), t("msg.delete")))) return;
      try { await outbox.deleteMessage(msg); } catch (err) { toast(errorText(err), "error"); }
      const node = list.querySelector(`[data-key="${messageKey(msg)}"]`);
      if (node && !list.contains(document.activeElement)) focusItem(node); // the keyboard stays on the message
    },
    onRetry: (msg) => outbox.retry(chatId, msg.client_id),
    onDiscard: (msg) => outbox.discard(chatId, msg.client_id),
  });

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  const toBottom = () => { scroller.scrollTop = scroller.scrollHeight; };
  const renderLoader = () => {
    loader.textContent = log.loadingOlder ? t("state.loading") : log.hasMoreBefore ? "" : t("chat.beginning");
  };
  const renderAll = () => {
    const c = ctx();
    const where = focusedKey();
    clear(list, log.ordered().map((m) => messageNode(m, c)));
    markCurrent();
    refocus(where);
    renderLoader();
  };
  const upsert = (msg) => {
    const c = ctx();
    const node = messageNode(msg, c);
    const byClient = msg.client_id ? list.querySelector(`[data-client-id="${CSS.escape(msg.client_id)}"]`) : null;
    const byId = msg.id ? list.querySelector(`[data-key="${messageKey(msg)}"]`) : null;
    const old = byId || byClient;
    const where = old && old.contains(document.activeElement) ? focusedKey() : null;
    if (where && old.dataset.key !== node.dataset.key) where.key = node.dataset.key;
    if (old) {
      // A pending copy that got its seq moves to its place among the stored ones.
      if (msg.seq && !old.dataset.seq) { old.remove(); } else { old.replaceWith(node); markCurrent(); refocus(where); return; }
    }
    if (!msg.seq) { list.append(node); markCurrent(); return; }
    const after = [...list.children].find((n) => !n.dataset.seq || Number(n.dataset.seq) > msg.seq);
    list.insertBefore(node, after || null);
    markCurrent();
    refocus(where);
  };

  const readIfVisible = () => {
    if (document.visibilityState === "visible" && nearBottom()) outbox.markRead(chatId);
  };

  // ---- composer ----
  const bar = el("div", { class: "composer-bar", hidden: true });
  const input = el("textarea", { id: "composer", rows: "1", placeholder: t("chat.composer_placeholder"), "aria-label": t("chat.composer"), maxlength: "4000" });
  const sendBtn = el("button", { type: "submit", class: "send", "aria-label": t("chat.send") }, icon("send"), el("span", { class: "send-text", text: t("chat.send") }));
  const fileInput = el("input", { type: "file", accept: "image/*,audio/*", hidden: true, id: "attach-file" });
  const attachBtn = el("button", { type: "button", class: "icon attach", "aria-label": t("chat.attach_label"), title: t("chat.attach"), onclick: () => fileInput.click() }, icon("clip"));
  const composer = el("form", { class: "composer", autocomplete: "off" }, attachBtn, fileInput, input, sendBtn);

  function renderComposerBar() {
    if (!replyTo && !editing) { bar.hidden = true; clear(bar); return; }
    const target = editing || replyTo;
    bar.hidden = false;
    clear(bar, el("div", { class: "bar-text" },
      el("strong", { text: editing ? t("chat.edit_message") : t("chat.reply_to", { name: displayName(target.sender) }) }),
      el("span", { text: messagePreview(target) })),
    el("button", { type: "button", class: "icon", "aria-label": t("common.cancel"), text: "✕", onclick: () => { if (editing) input.value = ""; replyTo = null; editing = null; renderComposerBar(); } }));
  }

  let typingSent = 0;
  let typingTimer = null;
  const stopTyping = () => {
    clearTimeout(typingTimer);
    if (typingSent) { sock.send("typing", { chat_id: chatId, typing: false }); typingSent = 0; }
  };
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    if (editing) return;
    if (Date.now() - typingSent > 3000) { sock.send("typing", { chat_id: chatId, typing: true }); typingSent = Date.now(); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 4000);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
    if (e.key === "Escape" && (replyTo || editing)) { if (editing) input.value = ""; replyTo = null; editing = null; renderComposerBar(); }
  });
  composer.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = input.value.trim();
    if (editing) {
      const msg = editing;
      if (!body || body === msg.body) { editing = null; input.value = ""; renderComposerBar(); return; }
      try { await outbox.editMessage(msg, body); editing = null; input.value = ""; renderComposerBar(); } catch (err) { toast(errorText(err), "error"); }
      return;
    }
    if (!body) return;
    outbox.sendMessage(chatId, body, { replyTo: replyTo ? replyTo.id : null });
    input.value = "";
    input.style.height = "auto";
    replyTo = null;
    renderComposerBar();
    stopTyping();
    toBottom();
  });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    attachBtn.disabled = true;
    try {
      const att = await api("POST", "/attachments", form);
      outbox.sendMessage(chatId, input.value.trim(), { attachment: att, replyTo: replyTo ? replyTo.id : null });
      input.value = "";
      replyTo = null;
      renderComposerBar();
      toBottom();
    } catch (err) { toast(errorText(err), "error"); } finally { attachBtn.disabled = false; }
  });

  const footer = chat.type === "group" || chat.type === "direct" || chat.type === "order"
    ? el("footer", { class: "chat-foot" }, bar, composer) : null;
  clear(pane, el("div", { class: "chat-window", dataset: { chatId } }, head, order ? order.node : null, scroller, announcer, footer));
  renderHead();
  renderAll();
  toBottom();
  readIfVisible();
  input.focus({ preventScroll: true });

  scroller.addEventListener("scroll", async () => {
    if (scroller.scrollTop < 150 && log.hasMoreBefore && !log.loadingOlder) {
      const before = scroller.scrollHeight - scroller.scrollTop;
      const p = store.loadOlder(chatId);
      renderLoader();
      await p.catch(() => {});
      renderAll();
      scroller.scrollTop = scroller.scrollHeight - before;
    }
    readIfVisible();
  });

  const peerId = chat.type === "direct" ? store.peer(chat)?.id : null;
  const offs = [
    store.onMessage((id, msg) => {
      if (id !== chatId) return;
      const stick = nearBottom() || (Boolean(msg.sender) && isMe(msg.sender.id) && !msg.id);
      const fresh = msg.id && !list.querySelector(`[data-key="${messageKey(msg)}"]`);
      if (fresh && !msg.deleted && msg.sender && !isMe(msg.sender.id)) {
        announcer.textContent = msg.kind === "service" ? messagePreview(msg) : t("msg.announce", { name: displayName(msg.sender), text: messagePreview(msg) });
      }
      upsert(msg);
      if (stick) toBottom();
      readIfVisible();
    }),
    messenger.subscribe((s) => s.logRevs.get(chatId), () => { const stick = nearBottom(); renderAll(); if (stick) toBottom(); readIfVisible(); }),
    messenger.subscribe((s) => s.othersRead.get(chatId), () => renderAll()),
    messenger.subscribe((s) => s.typing.get(chatId), () => renderHead()),
    peerId ? messenger.subscribe((s) => s.presence.get(peerId), () => renderHead()) : null,
    messenger.subscribe((s) => s.details.get(chatId), (detail) => {
      if (detail) { renderHead(); return; }
      if (messenger.get().chats.has(chatId)) return;
      const note = messenger.get().departed.get(chatId);
      if (!note) { toast(t("chat.gone"), "info"); go("#/chats"); return; }
      // Removed from the chat while it is open: the history stays readable, the composer says who did it.
      stopTyping();
      const text = removalText(note);
      const notice = el("div", { class: "chat-removed", role: "status" }, el("p", { text }), el("a", { class: "button small ghost", href: "#/chats", text: t("chats.back") }));
      if (footer) footer.replaceWith(notice); else scroller.after(notice);
      for (const b of list.querySelectorAll(".msg-actions")) b.remove();
    }),
  ].filter(Boolean);
  const onVisible = () => readIfVisible();
  document.addEventListener("visibilitychange", onVisible);
  return () => {
    stopTyping();
    offs.forEach((f) => f());
    document.removeEventListener("visibilitychange", onVisible);
  };
}
