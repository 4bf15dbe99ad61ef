// One message bubble. Everything the sender wrote goes in as text.
import { authedBlobUrl } from "../api.js";
import { avatar, displayName, el, timeShort } from "../dom.js";
import { state } from "../store.js";
import { icon } from "../icons.js";

export function messageKey(msg) {
  return msg.id ? `m${msg.id}` : `c${msg.client_id}`;
}

function preview(msg) {
  if (!msg) return "";
  if (msg.deleted) return "Message deleted";
  if (msg.body) return msg.body.length > 90 ? `${msg.body.slice(0, 90)}…` : msg.body;
  if (msg.attachment) return msg.attachment.kind === "audio" ? "Audio" : "Photo";
  return "";
}
export { preview as messagePreview };

function attachmentNode(att) {
  if (!att) return null;
  // Attachments are served only to the chat's members, with the bearer token: fetched, then shown from a blob: URL.
  const fill = (media) => {
    authedBlobUrl(att.url).then((src) => { media.src = src; }).catch(() => { media.replaceWith(el("span", { class: "muted", text: "File unavailable" })); });
    return media;
  };
  if (att.kind === "image") {
    const img = fill(el("img", { alt: att.name || "image" }));
    return el("div", { class: "att att-image" }, img);
  }
  if (att.kind === "audio") {
    return el("div", { class: "att att-audio" }, fill(el("audio", { controls: true, preload: "metadata" })),
      el("span", { class: "att-name", text: att.name || "audio" }));
  }
  return el("span", { class: "att", text: att.name || "file" });
}

/**
 * A message node. `ctx` = {log, isGroup, canModerate, othersRead, onReply, onEdit, onDelete, onRetry, onDiscard}.
 */
export function messageNode(msg, ctx) {
  const mine = msg.sender && msg.sender.id === state.me?.id;
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
      el("strong", { text: ref ? displayName(ref.sender) : "Reply" }),
      el("span", { text: ref ? preview(ref) : "an earlier message" })));
  }
  if (msg.deleted) {
    bubble.append(el("div", { class: "msg-body muted", text: "Message deleted" }));
  } else {
    const att = attachmentNode(msg.attachment);
    if (att) bubble.append(att);
    if (msg.body) bubble.append(el("div", { class: "msg-body", text: msg.body }));
  }
  const meta = el("div", { class: "msg-meta" });
  if (msg.edited_at && !msg.deleted) meta.append(el("span", { class: "edited", text: "edited" }));
  meta.append(el("time", { datetime: msg.created_at, text: timeShort(msg.created_at) }));
  if (mine && !msg.deleted) {
    if (msg.status === "sending") meta.append(el("span", { class: "mark", title: "Sending" }, icon("clock")));
    else if (msg.status === "failed") meta.append(el("span", { class: "mark failed", title: msg.error || "Not sent", text: "!" }));
    else if (msg.seq && ctx.othersRead >= msg.seq) meta.append(el("span", { class: "mark read", title: "Read", text: "✓✓" }));
    else meta.append(el("span", { class: "mark sent", title: "Sent", text: "✓" }));
  }
  bubble.append(meta);
  if (msg.status === "failed") {
    bubble.append(el("div", { class: "msg-failed" },
      el("span", { text: "Not sent." }),
      el("button", { type: "button", class: "link retry", text: "Retry", onclick: () => ctx.onRetry(msg) }),
      el("button", { type: "button", class: "link", text: "Discard", onclick: () => ctx.onDiscard(msg) })));
  }
  node.append(bubble);
  if (msg.id && !msg.deleted) {
    const actions = el("div", { class: "msg-actions" },
      el("button", { type: "button", class: "icon", title: "Reply", "aria-label": "Reply", onclick: () => ctx.onReply(msg) }, icon("reply")));
    if (mine) actions.append(el("button", { type: "button", class: "icon", title: "Edit", "aria-label": "Edit", onclick: () => ctx.onEdit(msg) }, icon("edit")));
    if (mine || ctx.canModerate) {
      actions.append(el("button", { type: "button", class: "icon", title: "Delete", "aria-label": "Delete", onclick: () => ctx.onDelete(msg) }, icon("trash")));
    }
    node.append(actions);
    bubble.addEventListener("click", () => {
      for (const other of document.querySelectorAll(".msg.show-actions")) if (other !== node) other.classList.remove("show-actions");
      node.classList.toggle("show-actions");
    });
  }
  return node;
}
