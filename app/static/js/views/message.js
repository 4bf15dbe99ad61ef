// One message bubble. Everything the sender wrote goes in as text.
import { authedBlobUrl } from "../api.js";
import { el, timeShort } from "../dom.js";
import { avatar, displayName } from "../components/avatar.js";
import { t } from "../i18n.js";
import { isMe } from "../stores/session.js";
import { icon } from "../icons.js";
import { linkify } from "../components/linkify.js";
import { trackRow } from "../components/track.js";

/** A group's own history line ("Anna added Boris"), written from `system` in the interface's language. */
export function serviceText(msg) {
  const sys = msg.system || {};
  const params = { actor: displayName(sys.actor || msg.sender), target: displayName(sys.target), name: sys.name || "" };
  if (sys.action === "promoted" && sys.role === "owner") return t("sys.promoted_owner", params);
  return t(`sys.${sys.action || "unknown"}`, params);
}

export function messageKey(msg) {
  return msg.id ? `m${msg.id}` : `c${msg.client_id}`;
}

function preview(msg) {
  if (!msg) return "";
  if (msg.kind === "service") return serviceText(msg);
  if (msg.deleted) return t("msg.deleted");
  if (msg.body) return msg.body.length > 90 ? `${msg.body.slice(0, 90)}…` : msg.body;
  if (msg.attachment) return msg.attachment.kind === "audio" ? t("msg.audio") : t("msg.photo");
  if (msg.track) return `♪ ${msg.track.title}`;
  return "";
}
export { preview as messagePreview };

function attachmentNode(att) {
  if (!att) return null;
  // Attachments are served only to the chat's members, with the bearer token: fetched, then shown from a blob: URL.
  const fill = (media) => {
    authedBlobUrl(att.url).then((src) => { media.src = src; }).catch(() => { media.replaceWith(el("span", { class: "muted", text: t("msg.file_unavailable") })); });
    return media;
  };
  if (att.kind === "image") {
    const img = fill(el("img", { alt: att.name || t("msg.photo") }));
    return el("div", { class: "att att-image" }, img);
  }
  if (att.kind === "audio") {
    return el("div", { class: "att att-audio" }, fill(el("audio", { controls: true, preload: "metadata" })),
      el("span", { class: "att-name", text: att.name || t("msg.audio") }));
  }
  return el("span", { class: "att", text: att.name || t("msg.file") });
}

/**
 * A message node. `ctx` = {log, isGroup, canModerate, othersRead, onReply, onEdit, onDelete, onRetry, onDiscard}.
 */
export function messageNode(msg, ctx) {
  if (msg.kind === "service") {
    return el("div", { class: "msg-service", dataset: { key: messageKey(msg), seq: msg.seq, id: msg.id }, tabindex: "-1" },
      el("span", { text: serviceText(msg) }), " ", el("time", { datetime: msg.created_at, class: "muted", text: timeShort(msg.created_at) }));
  }
  const mine = Boolean(msg.sender) && isMe(msg.sender.id);
  const node = el("div", {
    class: `msg${mine ? " mine" : ""}${msg.deleted ? " deleted" : ""}${msg.status ? ` ${msg.status}` : ""}`,
    dataset: { key: messageKey(msg), seq: msg.seq || "", clientId: msg.client_id || "", id: msg.id || "" },
  });
  if (ctx.isGroup && !mine) node.append(el("div", { class: "msg-avatar" }, avatar(msg.sender, "sm")));
  const bubble = el("div", { class: "bubble" });
  if (ctx.isGroup && !mine) bubble.append(el("div", { class: "msg-sender", text: displayName(msg.sender) }));
  if (msg.reply_to && !msg.deleted) {
    const refId = typeof msg.reply_to === "object" ? msg.reply_to.id : msg.reply_to;
    const ref = typeof msg.reply_to === "object" ? msg.reply_to : ctx.log.byId.get(refId);
    bubble.append(el("div", { class: "msg-quote" },
      el("strong", { text: ref ? displayName(ref.sender) : t("msg.reply") }),
      el("span", { text: ref ? preview(ref) : t("msg.earlier") })));
  }
  if (msg.deleted) {
    bubble.append(el("div", { class: "msg-body muted", text: t("msg.deleted") }));
  } else {
    const att = attachmentNode(msg.attachment);
    if (att) bubble.append(att);
    if (msg.track) bubble.append(trackRow(msg.track, { compact: true })); // plays inline, through the one player
    if (msg.body) bubble.append(el("div", { class: "msg-body" }, linkify(msg.body)));
  }
  const meta = el("div", { class: "msg-meta" });
  if (msg.edited_at && !msg.deleted) meta.append(el("span", { class: "edited", text: t("msg.edited") }));
  meta.append(el("time", { datetime: msg.created_at, text: timeShort(msg.created_at) }));
  if (mine && !msg.deleted) {
    if (msg.status === "sending") meta.append(el("span", { class: "mark", title: t("msg.sending") }, icon("clock")));
    else if (msg.status === "failed") meta.append(el("span", { class: "mark failed", title: msg.error || t("msg.not_sent"), text: "!" }));
    else if (msg.seq && ctx.othersRead >= msg.seq) meta.append(el("span", { class: "mark read", title: t("msg.read"), text: "✓✓" }));
    else meta.append(el("span", { class: "mark sent", title: t("msg.sent"), text: "✓" }));
  }
  bubble.append(meta);
  if (msg.status === "failed") {
    bubble.append(el("div", { class: "msg-failed" },
      el("span", { text: t("msg.not_sent") }),
      el("button", { type: "button", class: "link retry", text: t("msg.retry"), onclick: () => ctx.onRetry(msg) }),
      el("button", { type: "button", class: "link", text: t("msg.discard"), onclick: () => ctx.onDiscard(msg) })));
  }
  node.append(bubble);
  // Keyboard: the message itself takes focus (the chat moves it with the arrow keys); Enter opens its
  // actions, Escape goes back to the message. Mouse: the actions show on hover, a tap toggles them.
  node.tabIndex = -1;
  node.setAttribute("role", "article");
  node.setAttribute("aria-label", t("msg.label", { name: mine ? t("msg.you") : displayName(msg.sender), time: timeShort(msg.created_at) }));
  if (msg.id && !msg.deleted) {
    const actions = el("div", { class: "msg-actions", role: "group", "aria-label": t("msg.actions") },
      el("button", { type: "button", class: "icon", title: t("msg.reply"), "aria-label": t("msg.reply"), dataset: { action: "reply" }, onclick: () => ctx.onReply(msg) }, icon("reply")));
    if (mine) actions.append(el("button", { type: "button", class: "icon", title: t("msg.edit"), "aria-label": t("msg.edit"), dataset: { action: "edit" }, onclick: () => ctx.onEdit(msg) }, icon("edit")));
    if (mine || ctx.canModerate) {
      actions.append(el("button", { type: "button", class: "icon", title: t("msg.delete"), "aria-label": t("msg.delete"), dataset: { action: "delete" }, onclick: () => ctx.onDelete(msg) }, icon("trash")));
    }
    node.append(actions);
    node.setAttribute("aria-keyshortcuts", "Enter");
    bubble.addEventListener("click", (e) => {
      if (e.target.closest("a, button, audio")) return;
      for (const other of document.querySelectorAll(".msg.show-actions")) if (other !== node) other.classList.remove("show-actions");
      node.classList.toggle("show-actions");
    });
    node.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target === node) {
        e.preventDefault();
        node.classList.add("show-actions");
        actions.querySelector("button").focus();
      } else if (e.key === "Escape" && e.target !== node) {
        e.preventDefault();
        e.stopPropagation();
        node.classList.remove("show-actions");
        node.focus();
      } else if ((e.key === "ArrowRight" || e.key === "ArrowLeft") && e.target.closest(".msg-actions")) {
        const buttons = [...actions.querySelectorAll("button")];
        const i = buttons.indexOf(e.target) + (e.key === "ArrowRight" ? 1 : -1);
        buttons[(i + buttons.length) % buttons.length].focus();
        e.preventDefault();
      }
    });
  }
  return node;
}
