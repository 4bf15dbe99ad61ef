// Chats: the list (last message, unread, presence, search) beside the open chat window or group panel.
import "../i18n/messenger.js";
import "../i18n/music.js";
import { api, qs } from "../api.js";
import { clear, debounce, el, errorText, modal, timeShort, toast } from "../dom.js";
import { avatar, displayName } from "../components/avatar.js";
import { presenceDot } from "../components/presence.js";
import { delayedLoading, emptyState, errorState, loadingState } from "../components/states.js";
import { icon } from "../icons.js";
import { fmt, t } from "../i18n.js";
import * as store from "../stores/messenger.js";
import { isMe, me } from "../stores/session.js";
import { chatWindow, removalText } from "./chatwindow.js";
import { groupPanel } from "./group.js";
import { messagePreview } from "./message.js";

const { messenger } = store;

function chatAvatar(chat) {
  const box = el("span", { class: "chat-avatar" });
  const p = chat.type === "group" ? null : store.peer(chat);
  if (p) {
    box.append(avatar(p), presenceDot(p.id));
  } else {
    box.append(avatar({ id: chat.id + 1000, display_name: store.chatTitle(chat) }));
    box.firstChild.classList.add("square", chat.type);
  }
  return box;
}

function chatItem(chat) {
  const last = chat.last_message;
  const mine = Boolean(last && last.sender) && isMe(last.sender.id);
  // A history line names its actor itself ("Anna added Boris"): no "Anna: " before it.
  const service = Boolean(last) && last.kind === "service";
  const who = service ? "" : mine ? t("chats.you_prefix") : last && chat.type !== "direct" && last.sender ? t("chats.sender_prefix", { name: displayName(last.sender) }) : "";
  return el("a", {
    href: `#/chats/${chat.id}`,
    class: `chat-item${messenger.get().activeChat === chat.id ? " active" : ""}${chat.unread ? " has-unread" : ""}`,
    dataset: { chatId: chat.id },
  },
  chatAvatar(chat),
  el("span", { class: "chat-item-main" },
    el("span", { class: "chat-item-top" },
      el("span", { class: "chat-item-title", text: store.chatTitle(chat) }),
      el("span", { class: "chat-item-time", text: timeShort((last && last.created_at) || chat.last_message_at || chat.created_at) })),
    el("span", { class: "chat-item-bottom" },
      el("span", { class: "chat-item-last", text: last ? who + messagePreview(last) : chat.type === "group" ? t("chats.new_group") : t("chats.no_messages") }),
      chat.unread ? el("span", { class: "badge", text: chat.unread > 99 ? "99+" : String(chat.unread) }) : null)));
}

/** Open (or create) the direct chat with a user and go there. */
export async function openDirect(userId, go) {
  try {
    const chat = await api("POST", "/chats", { type: "direct", user_id: Number(userId) });
    store.putChat(chat);
    go(`#/chats/${chat.id}`);
  } catch (err) {
    toast(errorText(err), "error");
  }
}

/** GET /api/search: my chats, people and messages (from my chats) matching q. */
function searchEverything(q) {
  return api("GET", `/search${qs({ q })}`);
}

function newGroupModal(go) {
  const picked = new Map();
  const chips = el("div", { class: "chips" });
  const results = el("div", { class: "picker-results" });
  const error = el("div", { class: "error", role: "alert" });
  const name = el("input", { name: "name", id: "group-name", required: true, maxlength: "100", placeholder: t("group.name_placeholder") });
  const description = el("textarea", { name: "description", id: "group-description", rows: "2", placeholder: t("group.description_placeholder") });
  const renderChips = () => clear(chips, [...picked.values()].map((u) => el("span", { class: "chip" }, displayName(u),
    el("button", { type: "button", class: "icon", "aria-label": t("common.remove"), text: "✕", onclick: () => { picked.delete(u.id); renderChips(); } }))));
  const search = el("input", { type: "search", placeholder: t("group.add_people_placeholder"), "aria-label": t("group.add_people") });
  search.addEventListener("input", debounce(async () => {
    const q = search.value.trim();
    if (!q) { clear(results); return; }
    const data = await api("GET", `/users${qs({ q })}`).catch(() => ({ items: [] }));
    clear(results, (data.items || []).filter((u) => !isMe(u.id)).map((u) =>
      el("button", { type: "button", class: "person", onclick: () => { picked.set(u.id, u); renderChips(); search.value = ""; clear(results); } },
        avatar(u, "sm"), el("span", { text: displayName(u) }), el("span", { class: "muted", text: `@${u.username}` }))));
  }, 250));
  const create = el("button", { type: "submit", text: t("group.create") });
  const form = el("form", { class: "stack" }, el("label", { for: "group-name", text: t("group.name") }), name,
    el("label", { for: "group-description", text: t("group.description") }), description,
    el("label", { text: t("group.members") }), chips, search, results, create, error);
  const m = modal(t("group.new"), form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const chat = await api("POST", "/chats", { type: "group", name: name.value.trim(), description: description.value.trim(), member_ids: [...picked.keys()] });
      m.close();
      store.putChat(chat);
      go(`#/chats/${chat.id}`);
    } catch (err) { error.textContent = errorText(err); }
  });
  name.focus();
}

function chatList(go) {
  const list = el("div", { class: "chat-items", id: "chat-items" });
  const results = el("div", { class: "search-results", hidden: true });
  const input = el("input", { type: "search", id: "chat-search", placeholder: t("chats.search_placeholder"), "aria-label": t("chats.search") });

  const renderList = () => {
    const s = messenger.get();
    if (!s.chatsLoaded) { clear(list, loadingState()); return; }
    const chats = store.sortedChats();
    clear(list, chats.length ? chats.map(chatItem)
      : emptyState(t("chats.empty"), el("a", { href: "#/masters", class: "button ghost small", text: t("chats.find_master") })));
  };
  const runSearch = debounce(async () => {
    const q = input.value.trim();
    if (!q) { results.hidden = true; list.hidden = false; return; }
    let data;
    try { data = await searchEverything(q); } catch (err) { toast(errorText(err), "error"); return; }
    if (input.value.trim() !== q) return;
    const section = (title, nodes) => nodes.length ? [el("h4", { text: title }), ...nodes] : [];
    const people = (data.users || []).filter((u) => !isMe(u.id));
    clear(results,
      section(t("chats.section_chats"), (data.chats || []).map(chatItem)),
      section(t("chats.section_people"), people.map((u) => el("div", { class: "person-row" },
        el("a", { href: `#/users/${u.id}`, class: "person" }, avatar(u, "sm"),
          el("span", { class: "person-name", text: displayName(u) }), el("span", { class: "muted", text: `@${u.username}` })),
        el("button", { type: "button", class: "small", text: t("chats.message"), onclick: () => openDirect(u.id, go) })))),
      section(t("chats.section_messages"), (data.messages || []).map((m) => el("a", { href: `#/chats/${m.chat_id}`, class: "found-message" },
        el("strong", { text: displayName(m.sender) }), el("span", { text: messagePreview(m) }),
        el("span", { class: "muted", text: timeShort(m.created_at) })))));
    if (!results.children.length) results.append(el("p", { class: "empty muted", text: t("chats.nothing_found") }));
    results.hidden = false;
    list.hidden = true;
  }, 250);
  input.addEventListener("input", runSearch);

  const aside = el("aside", { class: "chat-list" },
    el("div", { class: "chat-list-head" }, el("h2", { text: t("chats.title") }),
      el("button", { type: "button", class: "small", id: "new-group", text: t("chats.new_group_button"), onclick: () => newGroupModal(go) })),
    el("div", { class: "chat-search" }, input),
    results, list);
  renderList();
  // The list redraws when the chats change (a message, a read mark, a rename); presence repaints only dots.
  const offs = [messenger.subscribe((s) => s.chats, renderList), messenger.subscribe((s) => s.activeChat, renderList),
    // Removed from a chat that is not open: say who did it (the open one says it in its pane).
    messenger.subscribe((s) => s.departed, (departed, before) => {
      for (const [id, note] of departed) if (before.get(id) !== note && messenger.get().activeChat !== id) toast(removalText(note), "info");
    })];
  return { node: aside, cleanup: () => offs.forEach((f) => f()) };
}

async function chatsPage({ view, args, go }, mode) {
  const chatId = args.id ? Number(args.id) : null;
  store.setActiveChat(chatId);
  const list = chatList(go);
  const pane = el("section", { class: "chat-pane" });
  clear(view, el("div", { class: `chats-layout${chatId ? " has-chat" : ""}` }, list.node, pane));
  let inner = null;
  let closed = false;
  const loadList = () => {
    if (messenger.get().chatsLoaded) return;
    store.loadChats().catch((err) => {
      if (!closed) clear(list.node.querySelector("#chat-items"), errorState(err, loadList));
    });
  };
  loadList();
  if (!chatId) {
    clear(pane, el("div", { class: "pane-empty" }, el("div", { class: "pane-empty-icon" }, icon("chat")),
      el("p", { text: t("chats.pick") })));
  } else {
    const open = async () => {
      if (inner) { inner(); inner = null; }
      const cancel = delayedLoading(pane, t("chats.opening"));
      try {
        inner = mode === "info" ? await groupPanel(pane, chatId, go) : await chatWindow(pane, chatId, go);
      } catch (err) {
        clear(pane, el("div", { class: "pane-empty" }, errorState(err, open), el("a", { href: "#/chats", text: t("chats.back") })));
      } finally { cancel(); }
      if (closed && inner) { inner(); inner = null; }
    };
    await open();
  }
  return () => {
    closed = true;
    store.setActiveChat(null);
    list.cleanup();
    if (inner) inner();
  };
}

async function profilePage({ view, args, go }) {
  const user = await api("GET", `/users/${Number(args.id)}`);
  const mine = user.id === me().id;
  const facts = [[t("profile.city"), user.city], [t("profile.telegram"), user.telegram],
    [t("profile.member_since"), fmt.date(user.created_at)]]
    .filter(([, v]) => v);
  clear(view, el("section", { class: "card profile" },
    el("div", { class: "profile-head" }, avatar(user, "lg"),
      el("div", {}, el("h2", { text: displayName(user) }), el("p", { class: "muted", text: `@${user.username}` }),
        el("p", { class: `status ${user.online ? "online" : ""}`, text: user.online ? t("presence.online") : t("presence.offline") }))),
    user.bio ? el("p", { class: "bio", text: user.bio }) : null,
    el("dl", { class: "facts" }, facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])),
    el("div", { class: "row" },
      mine ? el("a", { class: "button", href: "#/settings", text: t("profile.edit") })
        : el("button", { type: "button", id: "message-user", text: t("chats.message"), onclick: () => openDirect(user.id, go) }),
      user.is_master ? el("a", { class: "button ghost", href: `#/masters/${user.id}`, text: t("profile.master_card") }) : null,
      el("a", { class: "button ghost", id: "user-music", href: `#/music/users/${user.id}`, text: t("music.their_uploads") }))));
}

export const chatRoutes = [
  { path: "/chats", name: "chats", auth: true, layout: "wide", render: (ctx) => chatsPage(ctx) },
  { path: "/chats/:id", name: "chat", auth: true, layout: "wide", render: (ctx) => chatsPage(ctx) },
  { path: "/chats/:id/info", name: "chat-info", auth: true, layout: "wide", render: (ctx) => chatsPage(ctx, "info") },
  { path: "/users/:id", name: "profile", auth: true, render: profilePage },
];
