// The main menu's "More" button: a disclosure with a list of links (the destinations that do not fit the bar).
// Keyboard: Enter/Space/ArrowDown open it and focus the first link; ArrowUp/ArrowDown/Home/End move; Escape
// closes it and gives the focus back to the button; Tab out of it or a click elsewhere closes it.
import { el } from "../dom.js";

let seq = 0;

/** `links`: `<a>` elements; `active`: whether one of them is the current screen (the button shows it). */
export function navMore(label, links, active) {
  const id = `nav-more-${++seq}`;
  const list = el("div", { class: "nav-more-list", id, role: "group", "aria-label": label, hidden: true }, ...links);
  const button = el("button", {
    type: "button", class: `nav-more-button${active ? " active" : ""}`, "aria-expanded": "false", "aria-controls": id,
  }, el("span", { text: label }), el("span", { class: "nav-more-caret", "aria-hidden": "true", text: "▾" }));
  const wrap = el("div", { class: "nav-more" }, button, list);
  const visible = () => links.filter((a) => a.offsetParent !== null);
  const outside = (e) => { if (!wrap.contains(e.target)) close(false); };
  function open(focusFirst) {
    list.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("click", outside, true);
    if (focusFirst) visible()[0]?.focus();
  }
  function close(focusButton) {
    if (list.hidden) return;
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("click", outside, true);
    if (focusButton) button.focus();
  }
  button.addEventListener("click", () => (list.hidden ? open(false) : close(false)));
  button.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); open(true); }
    else if (e.key === "Escape") close(true);
  });
  list.addEventListener("keydown", (e) => {
    const items = visible();
    const at = items.indexOf(document.activeElement);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (e.key === "Escape") { e.preventDefault(); close(true); }
    else if (to !== undefined && items.length) { e.preventDefault(); items[(to + items.length) % items.length].focus(); }
  });
  list.addEventListener("click", (e) => { if (e.target.closest("a")) close(false); });
  wrap.addEventListener("focusout", (e) => { if (!wrap.contains(e.relatedTarget)) close(false); });
  return wrap;
}
