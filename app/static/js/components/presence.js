// Presence dots: each dot follows its own user; a presence change repaints only that user's dots.
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { messenger } from "../stores/messenger.js";
import { isMe } from "../stores/session.js";

const dots = new Map(); // user id -> Set(dot node)
const born = new WeakMap(); // dot node -> creation time (a dot not yet attached is not swept)

/** Is this user online (me always)? */
export function isOnline(userId) {
  return isMe(userId) || Boolean(messenger.get().presence.get(userId));
}

function paint(node, userId) {
  const online = isOnline(userId);
  node.classList.toggle("online", online);
  node.title = online ? t("presence.online") : t("presence.offline");
}

function sweep(set) {
  const old = Date.now() - 5000;
  for (const node of set) if (!node.isConnected && born.get(node) < old) set.delete(node);
}

messenger.subscribe((s) => s.presence, (next, prev) => {
  const ids = new Set([...next.keys(), ...prev.keys()]);
  for (const id of ids) {
    if (next.get(id) === prev.get(id)) continue;
    for (const node of dots.get(id) || []) paint(node, id);
  }
});

/** A dot (green when online) that keeps itself current. */
export function presenceDot(userId) {
  const node = el("span", { class: "dot", dataset: { presence: userId } });
  born.set(node, Date.now());
  paint(node, userId);
  if (!dots.has(userId)) dots.set(userId, new Set());
  const set = dots.get(userId);
  sweep(set);
  set.add(node);
  return node;
}
