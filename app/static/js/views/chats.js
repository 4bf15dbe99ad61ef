// Chats: the list (last message, unread, presence, search) beside the open chat window.
import { api, hasRoute, qs } from "../api.js";
import { avatar, clear, debounce, displayName, el, errorText, modal, timeShort, toast } from "../dom.js";
import * as store from "../store.js";
import { chatWindow } from "./chatwindow.js";
import { icon } from "../icons.js";
import { groupPanel } from "./group.js";
import { messagePreview } from "./message.js";

const { state } = store;

export function presenceDot(userId) {
  const online = userId === state.me?.id || Boolean(state.presence.get(userId));
  return el("span", { class: `dot${online ? " online" : ""}`, dataset: { presence: userId }, title: online ? "online" : "offline" });
}

function chatAvatar(chat) {
  const box = el("span", { class: "chat-avatar" });
  if (chat.type === "direct") {
    const p = store.peer(chat);
    box.append(avatar(p || { id: chat.id, username: store.chatTitle(chat) }));
    if (p) box.append(presenceDot(p.id));
  } else {
    box.append(avatar({ id: chat.id + 1000, display_name: store.chatTitle(chat) }));
    box.firstChild.classList.add("square", chat.type);
  }
  return box;
}

function chatItem(chat) {
  const last = chat.last_message;
  const mine = last && last.sender && last.sender.id === state.me?.id;
  const who = last && chat.type !== "direct" && last.sender ? `${mine ? "You" : displayName(last.sender)}: ` : mine ? "You: " : "";
  return el("a", {
    href: `#/chats/${chat.id}`,
    class: `chat-item${state.activeChat === chat.id ? " active" : ""}${chat.unread ? " has-unread" : ""}`,
    dataset: { chatId: chat.id },
  },
  chatAvatar(chat),
  el("span", { class: "chat-item-main" },
    el("span", { class: "chat-item-top" },
      el("span", { class: "chat-item-title", text: store.chatTitle(chat) }),
      el("span", { class: "chat-item-time", text: timeShort((last && last.created_at) || chat.last_message_at || chat.created_at) })),
    el("span", { class: "chat-item-bottom" },
      el("span", { class: "chat-item-last", text: last ? who + messagePreview(last) : chat.type === "group" ? "New group" : "No messages yet" }),
      chat.unread ? el("span", { class: "badge", text: chat.unread > 99 ? "99+" : String(chat.unread) }) : null)));
}

/** Open (or create) the direct chat with a user and go there. */
export async function openDirect(userId, go) {
  try {
    const chat = await api("POST", "/chats", { type: "direct", user_id: Number(userId) });
    state.chats.set(chat.id, { ...(state.chats.get(chat.id) || {}), ...chat });
    go(`#/chats/${chat.id}`);
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function searchEverything(q) {
  if (await hasRoute("/api/search")) return api("GET", `/search${qs({ q })}`);
  // No global search on this server: people from /users, chats filtered here.
  const users = await api("GET", `/users${qs({ q })}`);
  const low = q.toLowerCase();
  return {
    users: users.items || [],
    chats: store.sortedChats().filter((c) => store.chatTitle(c).toLowerCase().includes(low)),
    messages: [],
  };
}

function newGroupModal(go) {
  const picked = new Map();
  const chips = el("div", { class: "chips" });
  const results = el("div", { class: "picker-results" });
  const error = el("div", { class: "error", role: "alert" });
  const name = el("input", { name: "name", id: "group-name", required: true, maxlength: "100", placeholder: "Group name" });
  const description = el("textarea", { name: "description", id: "group-description", rows: "2", placeholder: "What is it about? (optional)" });
  const renderChips = () => clear(chips, [...picked.values()].map((u) => el("span", { class: "chip" }, displayName(u),
    el("button", { type: "button", class: "icon", "aria-label": "Remove", text: "✕", onclick: () => { picked.delete(u.id); renderChips(); } }))));
  const search = el("input", { type: "search", placeholder: "Add people by name", "aria-label": "Add people" });
  search.addEventListener("input", debounce(async () => {
    const q = search.value.trim();
    if (!q) { clear(results); return; }
    const data = await api("GET", `/users${qs({ q })}`).catch(() => ({ items: [] }));
    clear(results, (data.items || []).filter((u) => u.id !== state.me.id).map((u) =>
      el("button", { type: "button", class: "person", onclick: () => { picked.set(u.id, u); renderChips(); search.value = ""; clear(results); } },
        avatar(u, "sm"), el("span", { text: displayName(u) }), el("span", { class: "muted", text: `@${u.username}` }))));
  }, 250));
  const create = el("button", { type: "submit", text: "Create group" });
  const form = el("form", { class: "stack" }, el("label", { for: "group-name", text: "Name" }), name,
    el("label", { for: "group-description", text: "Description" }), description,
    el("label", { text: "Members" }), chips, search, results, create, error);
  const m = modal("New group", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const chat = await api("POST", "/chats", { type: "group", name: name.value.trim(), description: description.value.trim(), member_ids: [...picked.keys()] });
      m.close();
      state.chats.set(chat.id, chat);
      go(`#/chats/${chat.id}`);
    } catch (err) { error.textContent = errorText(err); }
  });
  name.focus();
}

function chatList(go) {
  const list = el("div", { class: "chat-items", id: "chat-items" });
  const results = el("div", { class: "search-results", hidden: true });
  const input = el("input", { type: "search", id: "chat-search", placeholder: "Search chats, people, messages", "aria-label": "Search" });

  const renderList = () => {
    const chats = store.sortedChats();
    clear(list, chats.length ? chats.map(chatItem)
      : el("div", { class: "empty" }, el("p", { text: "No chats yet." }),
        el("p", { class: "muted", text: "Search for people above, or find a master." })));
  };
  const runSearch = debounce(async () => {
    const q = input.value.trim();
    if (!q) { results.hidden = true; list.hidden = false; return; }
    let data;
    try { data = await searchEverything(q); } catch (err) { toast(errorText(err), "error"); return; }
    if (input.value.trim() !== q) return;
    const section = (title, nodes) => nodes.length ? [el("h4", { text: title }), ...nodes] : [];
    const people = (data.users || []).filter((u) => u.id !== state.me?.id);
    clear(results,
      section("Chats", (data.chats || []).map(chatItem)),
      section("People", people.map((u) => el("div", { class: "person-row" },
        el("a", { href: `#/users/${u.id}`, class: "person" }, avatar(u, "sm"),
          el("span", { class: "person-name", text: displayName(u) }), el("span", { class: "muted", text: `@${u.username}` })),
        el("button", { type: "button", class: "small", text: "Message", onclick: () => openDirect(u.id, go) })))),
      section("Messages", (data.messages || []).map((m) => el("a", { href: `#/chats/${m.chat_id}`, class: "found-message" },
        el("strong", { text: displayName(m.sender) }), el("span", { text: messagePreview(m) }),
        el("span", { class: "muted", text: timeShort(m.created_at) })))));
    if (!results.children.length) results.append(el("p", { class: "empty muted", text: "Nothing found." }));
    results.hidden = false;
    list.hidden = true;
  }, 250);
  input.addEventListener("input", runSearch);

  const aside = el("aside", { class: "chat-list" },
    el("div", { class: "chat-list-head" }, el("h2", { text: "Chats" }),
      el("button", { type: "button", class: "small", id: "new-group", text: "+ Group", onclick: () => newGroupModal(go) })),
    el("div", { class: "chat-search" }, input),
    results, list);
  renderList();
  const offs = [store.subscribe("chats", renderList), store.subscribe("presence", renderList), store.subscribe("chat", renderList)];
  return { node: aside, cleanup: () => offs.forEach((f) => f()) };
}

async function chatsPage({ view, args, go }, mode) {
  const chatId = args.id ? Number(args.id) : null;
  state.activeChat = chatId;
  if (!state.chatsLoaded) await store.loadChats();
  const list = chatList(go);
  const pane = el("section", { class: "chat-pane" });
  clear(view, el("div", { class: `chats-layout${chatId ? " has-chat" : ""}` }, list.node, pane));
  let inner = null;
  if (!chatId) {
    clear(pane, el("div", { class: "pane-empty" }, el("div", { class: "pane-empty-icon" }, icon("chat")),
      el("p", { text: "Pick a chat, or search for someone to talk to." })));
  } else if (mode === "info") {
    inner = await groupPanel(pane, chatId, go);
  } else {
    inner = await chatWindow(pane, chatId, go);
  }
  return () => {
    state.activeChat = null;
    list.cleanup();
    if (inner) inner();
  };
}

async function profilePage({ view, args, go }) {
  const user = await api("GET", `/users/${Number(args.id)}`);
  const me = user.id === state.me.id;
  const facts = [["City", user.city], ["Telegram", user.telegram], ["Member since", user.created_at && new Date(user.created_at).toLocaleDateString()]]
    .filter(([, v]) => v);
  clear(view, el("section", { class: "card profile" },
    el("div", { class: "profile-head" }, avatar(user, "lg"),
      el("div", {}, el("h2", { text: displayName(user) }), el("p", { class: "muted", text: `@${user.username}` }),
        el("p", { class: `status ${user.online ? "online" : ""}`, text: user.online ? "online" : "offline" }))),
    user.bio ? el("p", { class: "bio", text: user.bio }) : null,
    el("dl", { class: "facts" }, facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])),
    el("div", { class: "row" },
      me ? el("a", { class: "button", href: "#/settings", text: "Edit profile" })
        : el("button", { type: "button", id: "message-user", text: "Message", onclick: () => openDirect(user.id, go) }),
      user.is_master ? el("a", { class: "button ghost", href: `#/masters/${user.id}`, text: "Master card" }) : null)));
}

export const chatRoutes = [
  { path: "/chats", name: "chats", auth: true, layout: "wide", render: (ctx) => chatsPage(ctx) },
  { path: "/chats/:id", name: "chat", auth: true, layout: "wide", render: (ctx) => chatsPage(ctx) },
  { path: "/chats/:id/info", name: "chat-info", auth: true, layout: "wide", render: (ctx) => chatsPage(ctx, "info") },
  { path: "/users/:id", name: "profile", auth: true, render: profilePage },
];
