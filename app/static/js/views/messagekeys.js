// Moving through a chat's messages with the keyboard. One message at a time holds tabindex 0 (the newest
// unless the user moved), and its links are tab stops only then; ArrowUp/ArrowDown, Home/End and
// PageUp/PageDown move between messages; Enter opens a message's actions (message.js); Escape goes back
// to the composer. Redraws call markCurrent and refocus so the focus stays where it was.

/**
 * Wire the keys on `list` (the messages' container); toComposer() focuses the composer.
 * Returns {markCurrent, focusItem(node), focusedKey() -> {key, action}|null, refocus(where)}.
 */
export function messageKeys(list, toComposer) {
  let currentKey = null;
  const items = () => [...list.querySelectorAll(":scope > .msg, :scope > .msg-service")];
  const markCurrent = () => {
    const all = items();
    let cur = currentKey ? all.find((n) => n.dataset.key === currentKey) : null;
    if (!cur) cur = all[all.length - 1];
    for (const n of all) {
      n.tabIndex = n === cur ? 0 : -1;
      for (const a of n.querySelectorAll("a.msg-link")) a.tabIndex = n === cur ? 0 : -1; // links: of the current one only
    }
  };
  const focusItem = (node) => {
    if (!node) return;
    currentKey = node.dataset.key;
    markCurrent();
    node.focus();
  };
  const focusedKey = () => {
    const a = document.activeElement;
    const item = a && list.contains(a) ? a.closest(".msg, .msg-service") : null;
    return item ? { key: item.dataset.key, action: a.dataset.action || null } : null;
  };
  const refocus = (where) => {
    if (!where) return;
    const node = list.querySelector(`[data-key="${CSS.escape(where.key)}"]`);
    if (!node) return;
    const button = where.action ? node.querySelector(`[data-action="${where.action}"]`) : null;
    if (button) node.classList.add("show-actions");
    (button || node).focus({ preventScroll: true });
  };
  list.addEventListener("focusin", (e) => {
    const item = e.target.closest(".msg, .msg-service");
    if (item && item.dataset.key !== currentKey) { currentKey = item.dataset.key; markCurrent(); }
  });
  list.addEventListener("focusout", (e) => {
    const item = e.target.closest(".msg");
    if (item && !item.contains(e.relatedTarget)) item.classList.remove("show-actions");
  });
  list.addEventListener("keydown", (e) => {
    const item = e.target.matches(".msg, .msg-service") ? e.target : e.target.matches("a.msg-link") ? e.target.closest(".msg") : null;
    if (!item) return;
    const all = items();
    const i = all.indexOf(item);
    const to = { ArrowUp: i - 1, ArrowDown: i + 1, Home: 0, End: all.length - 1, PageUp: i - 10, PageDown: i + 10 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      focusItem(all[Math.max(0, Math.min(all.length - 1, to))]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      toComposer();
    }
  });
  return { markCurrent, focusItem, focusedKey, refocus };
}
