// The group panel: members with roles, add and remove, admin rights, name and description, leave, delete.
// Only what the viewer's role allows is offered (the server checks it again).
import { api, qs } from "../api.js";
import { clear, confirmBox, debounce, el, errorText, toast } from "../dom.js";
import { avatar, displayName } from "../components/avatar.js";
import "../i18n/messenger.js";
import { presenceDot } from "../components/presence.js";
import { t } from "../i18n.js";
import * as store from "../stores/messenger.js";
import { isMe, me } from "../stores/session.js";

const { messenger } = store;
const RANK = { owner: 3, admin: 2, member: 1 };

/** Draw a chat's info panel into `pane`; returns its cleanup. Raises ApiError when the chat cannot be loaded. */
export async function groupPanel(pane, chatId, go) {
  let chat = await store.loadChat(chatId);
  const body = el("div", { class: "panel-body" });
  clear(pane, el("div", { class: "group-panel" },
    el("header", { class: "chat-head" },
      el("a", { class: "back icon show", href: `#/chats/${chatId}`, "aria-label": t("group.back"), text: "‹" }),
      el("div", { class: "chat-head-text" }, el("div", { class: "chat-title", text: chat.type === "group" ? t("group.info") : t("group.chat_info") })),
      el("a", { class: "button ghost small", href: `#/chats/${chatId}`, text: t("group.back") })),
    body));

  const act = async (fn, ok) => {
    try { await fn(); if (ok) toast(ok, "ok"); await store.loadChat(chatId); render(); } catch (err) { toast(errorText(err), "error"); }
  };

  function render() {
    chat = messenger.get().details.get(chatId) || chat;
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
      const self = isMe(u.id);
      const actions = el("div", { class: "member-actions" });
      if (admin && !self && m.role !== "owner") {
        if (m.role === "member") {
          actions.append(el("button", { type: "button", class: "small ghost", text: t("group.make_admin"), dataset: { action: "promote" },
            onclick: () => act(() => api("PATCH", `/chats/${chatId}/members/${u.id}`, { role: "admin" }), t("group.now_admin", { name: displayName(u) })) }));
        } else {
          actions.append(el("button", { type: "button", class: "small ghost", text: t("group.revoke_admin"), dataset: { action: "demote" },
            onclick: () => act(() => api("PATCH", `/chats/${chatId}/members/${u.id}`, { role: "member" }), t("group.no_longer_admin", { name: displayName(u) })) }));
        }
        if (m.role === "member" || role === "owner") {
          actions.append(el("button", { type: "button", class: "small danger-ghost", text: t("common.remove"), dataset: { action: "remove" },
            onclick: async () => {
              if (await confirmBox(t("group.remove_confirm", { name: displayName(u) }), t("common.remove"))) {
                act(() => api("DELETE", `/chats/${chatId}/members/${u.id}`), t("group.removed", { name: displayName(u) }));
              }
            } }));
        }
      }
      return el("li", { class: "member", dataset: { userId: u.id } },
        el("a", { href: self ? "#/settings" : `#/users/${u.id}`, class: "chat-avatar" }, avatar(u, "sm"), presenceDot(u.id)),
        el("span", { class: "member-name" }, el("span", { text: self ? t("group.you", { name: displayName(u) }) : displayName(u) }),
          el("span", { class: "muted", text: `@${u.username}` })),
        m.role !== "member" ? el("span", { class: `role role-${m.role}`, text: t(`role.${m.role}`) }) : null,
        actions);
    });

    clear(body,
      about,
      el("section", { class: "panel-section" },
        el("h3", { text: t("group.members_count", { count: members.length }) }),
        admin ? addMember() : null,
        el("ul", { class: "members", id: "members" }, memberRows)),
      isGroup ? el("section", { class: "panel-section danger-zone" },
        el("button", { type: "button", class: "secondary", id: "leave-group", text: t("group.leave"), onclick: async () => {
          if (!(await confirmBox(t("group.leave_confirm"), t("group.leave_ok")))) return;
          try { await api("DELETE", `/chats/${chatId}/members/${me().id}`); store.dropChat(chatId); go("#/chats"); } catch (err) { toast(errorText(err), "error"); }
        } }),
        canDelete ? el("button", { type: "button", class: "danger", id: "delete-group", text: t("group.delete"), onclick: async () => {
          if (!(await confirmBox(t("group.delete_confirm"), t("msg.delete")))) return;
          try { await api("DELETE", `/chats/${chatId}`); store.dropChat(chatId); go("#/chats"); } catch (err) { toast(errorText(err), "error"); }
        } }) : null) : null);
  }

  function aboutForm() {
    const name = el("input", { id: "group-name", value: chat.name || "", maxlength: "100", required: true });
    const description = el("textarea", { id: "group-description", rows: "3", maxlength: "2000" });
    description.value = chat.description || "";
    const form = el("form", { class: "stack about" },
      el("label", { for: "group-name", text: t("group.name") }), name,
      el("label", { for: "group-description", text: t("group.description") }), description,
      el("button", { type: "submit", class: "small", text: t("common.save") }));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      act(() => api("PATCH", `/chats/${chatId}`, { name: name.value.trim(), description: description.value.trim() }), t("common.saved"));
    });
    return form;
  }

  function addMember() {
    const results = el("div", { class: "picker-results" });
    const input = el("input", { type: "search", id: "add-member", placeholder: t("group.add_member_placeholder"), "aria-label": t("group.add_member") });
    input.addEventListener("input", debounce(async () => {
      const q = input.value.trim();
      if (!q) { clear(results); return; }
      const data = await api("GET", `/users${qs({ q })}`).catch(() => ({ items: [] }));
      const inGroup = new Set((chat.members || []).map((m) => m.user.id));
      clear(results, (data.items || []).filter((u) => !inGroup.has(u.id)).map((u) =>
        el("button", { type: "button", class: "person", dataset: { userId: u.id }, onclick: () => {
          input.value = "";
          clear(results);
          act(() => api("POST", `/chats/${chatId}/members`, { user_id: u.id }), t("group.added", { name: displayName(u) }));
        } }, avatar(u, "sm"), el("span", { text: displayName(u) }), el("span", { class: "muted", text: `@${u.username}` }))));
    }, 250));
    return el("div", { class: "add-member" }, input, results);
  }

  render();
  const offs = [
    messenger.subscribe((s) => s.details.get(chatId), (detail) => {
      if (detail) { if (!document.activeElement?.closest?.(".about")) render(); } else if (!messenger.get().chats.has(chatId)) go("#/chats");
    }),
  ];
  return () => offs.forEach((f) => f());
}
