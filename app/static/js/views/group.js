// The group panel: members with roles, add and remove, admin rights, name and description, leave, delete.
// Only what the viewer's role allows is offered (the server checks it again).
import { api, qs } from "../api.js";
import { avatar, clear, confirmBox, debounce, displayName, el, errorText, toast } from "../dom.js";
import * as store from "../store.js";
import { presenceDot } from "./chats.js";

const { state } = store;
const RANK = { owner: 3, admin: 2, member: 1 };

export async function groupPanel(pane, chatId, go) {
  let chat;
  try {
    chat = await store.loadChat(chatId);
  } catch (err) {
    clear(pane, el("div", { class: "pane-empty" }, el("p", { text: errorText(err) })));
    return null;
  }
  const body = el("div", { class: "panel-body" });
  clear(pane, el("div", { class: "group-panel" },
    el("header", { class: "chat-head" },
      el("a", { class: "back icon show", href: `#/chats/${chatId}`, "aria-label": "Back to the chat", text: "‹" }),
      el("div", { class: "chat-head-text" }, el("div", { class: "chat-title", text: chat.type === "group" ? "Group info" : "Chat info" })),
      el("a", { class: "button ghost small", href: `#/chats/${chatId}`, text: "Back to chat" })),
    body));

  const act = async (fn, ok) => {
    try { await fn(); if (ok) toast(ok, "ok"); await store.loadChat(chatId); render(); } catch (err) { toast(errorText(err), "error"); }
  };

  function render() {
    chat = state.details.get(chatId) || chat;
    const role = store.myRole(chatId);
    const isGroup = chat.type === "group";
    const admin = isGroup && (role === "owner" || role === "admin");
    const hasOwner = (chat.members || []).some((m) => m.role === "owner");
    const canDelete = isGroup && (role === "owner" || (role === "admin" && !hasOwner));

    const about = admin ? aboutForm() : el("div", { class: "about" },
      el("h2", { text: chat.name || store.chatTitle(chat) }),
      chat.description ? el("p", { class: "muted", text: chat.description }) : null);

    const members = [...(chat.members || [])].sort((a, b) => RANK[b.role] - RANK[a.role] || displayName(a.user).localeCompare(displayName(b.user)));
    const memberRows = members.map((m) => {
      const u = m.user;
      const self = u.id === state.me.id;
      const actions = el("div", { class: "member-actions" });
      if (admin && !self && m.role !== "owner") {
        if (m.role === "member") {
          actions.append(el("button", { type: "button", class: "small ghost", text: "Make admin", dataset: { action: "promote" },
            onclick: () => act(() => api("PATCH", `/chats/${chatId}/members/${u.id}`, { role: "admin" }), `${displayName(u)} is now an admin.`) }));
        } else {
          actions.append(el("button", { type: "button", class: "small ghost", text: "Revoke admin", dataset: { action: "demote" },
            onclick: () => act(() => api("PATCH", `/chats/${chatId}/members/${u.id}`, { role: "member" }), `${displayName(u)} is no longer an admin.`) }));
        }
        if (m.role === "member" || role === "owner") {
          actions.append(el("button", { type: "button", class: "small danger-ghost", text: "Remove", dataset: { action: "remove" },
            onclick: async () => {
              if (await confirmBox(`Remove ${displayName(u)} from the group?`, "Remove")) {
                act(() => api("DELETE", `/chats/${chatId}/members/${u.id}`), `${displayName(u)} was removed.`);
              }
            } }));
        }
      }
      return el("li", { class: "member", dataset: { userId: u.id } },
        el("a", { href: self ? "#/settings" : `#/users/${u.id}`, class: "chat-avatar" }, avatar(u, "sm"), presenceDot(u.id)),
        el("span", { class: "member-name" }, el("span", { text: displayName(u) + (self ? " (you)" : "") }),
          el("span", { class: "muted", text: `@${u.username}` })),
        m.role !== "member" ? el("span", { class: `role role-${m.role}`, text: m.role }) : null,
        actions);
    });

    clear(body,
      about,
      el("section", { class: "panel-section" },
        el("h3", { text: `Members · ${members.length}` }),
        admin ? addMember() : null,
        el("ul", { class: "members", id: "members" }, memberRows)),
      isGroup ? el("section", { class: "panel-section danger-zone" },
        el("button", { type: "button", class: "secondary", id: "leave-group", text: "Leave group", onclick: async () => {
          if (!(await confirmBox("Leave this group?", "Leave"))) return;
          try { await api("DELETE", `/chats/${chatId}/members/${state.me.id}`); state.chats.delete(chatId); go("#/chats"); } catch (err) { toast(errorText(err), "error"); }
        } }),
        canDelete ? el("button", { type: "button", class: "danger", id: "delete-group", text: "Delete group", onclick: async () => {
          if (!(await confirmBox("Delete this group and all its messages for everyone?", "Delete"))) return;
          try { await api("DELETE", `/chats/${chatId}`); state.chats.delete(chatId); go("#/chats"); } catch (err) { toast(errorText(err), "error"); }
        } }) : null) : null);
  }

  function aboutForm() {
    const name = el("input", { id: "group-name", value: chat.name || "", maxlength: "100", required: true });
    const description = el("textarea", { id: "group-description", rows: "3", maxlength: "2000" });
    description.value = chat.description || "";
    const form = el("form", { class: "stack about" },
      el("label", { for: "group-name", text: "Group name" }), name,
      el("label", { for: "group-description", text: "Description" }), description,
      el("button", { type: "submit", class: "small", text: "Save" }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      act(() => api("PATCH", `/chats/${chatId}`, { name: name.value.trim(), description: description.value.trim() }), "Saved.");
    });
    return form;
  }

  function addMember() {
    const results = el("div", { class: "picker-results" });
    const input = el("input", { type: "search", id: "add-member", placeholder: "Add a member: search by name", "aria-label": "Add a member" });
    input.addEventListener("input", debounce(async () => {
      const q = input.value.trim();
      if (!q) { clear(results); return; }
      const data = await api("GET", `/users${qs({ q })}`).catch(() => ({ items: [] }));
      const inGroup = new Set((chat.members || []).map((m) => m.user.id));
      clear(results, (data.items || []).filter((u) => !inGroup.has(u.id)).map((u) =>
        el("button", { type: "button", class: "person", dataset: { userId: u.id }, onclick: () => {
          input.value = "";
          clear(results);
          act(() => api("POST", `/chats/${chatId}/members`, { user_id: u.id }), `${displayName(u)} was added.`);
        } }, avatar(u, "sm"), el("span", { text: displayName(u) }), el("span", { class: "muted", text: `@${u.username}` }))));
    }, 250));
    return el("div", { class: "add-member" }, input, results);
  }

  render();
  const offs = [
    store.subscribe("chat", (id) => { if (id === chatId && !document.activeElement?.closest?.(".about")) render(); }),
    store.subscribe("presence", () => { if (!document.activeElement?.closest?.(".about")) render(); }),
    store.subscribe("gone", (id) => { if (id === chatId) go("#/chats"); }),
  ];
  return () => offs.forEach((f) => f());
}
