// DOM helpers. User content only ever goes in through textContent (the `text` attribute here).
import { fmt, t } from "./i18n.js";

export { errorText } from "./errors.js";

/** el("div", {class: "x", text: userValue, onclick: fn}, ...children): children are nodes or plain text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = `toast-${kind}`;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

/** A date for lists: today the time, else day and month, in the chosen locale. */
export function timeShort(iso) {
  return fmt.short(iso);
}

/** A date and time in the chosen locale. */
export function dateTime(iso) {
  return fmt.dateTime(iso);
}

/** An in-page confirmation (never window.confirm): resolves true or false. */
export function confirmBox(message, okText = t("common.confirm"), danger = true) {
  return new Promise((resolve) => {
    const before = document.activeElement;
    const close = (value) => {
      backdrop.remove();
      if (before && before.isConnected) before.focus();
      resolve(value);
    };
    const backdrop = el("div", { class: "modal-backdrop", onclick: (e) => { if (e.target === backdrop) close(false); } },
      el("div", { class: "modal", role: "dialog", "aria-modal": "true" },
        el("p", { text: message }),
        el("div", { class: "row end" },
          el("button", { class: "secondary", type: "button", text: t("common.cancel"), onclick: () => close(false) }),
          el("button", { class: danger ? "danger" : "", type: "button", text: okText, onclick: () => close(true) }))));
    backdrop.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(false); } });
    document.body.append(backdrop);
    backdrop.querySelector("button:last-child").focus();
  });
}

/** A modal with arbitrary content; returns {close}. */
export function modal(title, ...content) {
  const backdrop = el("div", { class: "modal-backdrop" });
  const before = document.activeElement;
  const close = () => { backdrop.remove(); if (before && before.isConnected) before.focus(); };
  backdrop.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); close(); } });
  backdrop.addEventListener("click", (e) => { if (e.target === backdrop) close(); });
  backdrop.append(el("div", { class: "modal wide", role: "dialog", "aria-modal": "true" },
    el("div", { class: "modal-head" }, el("h3", { text: title }),
      el("button", { class: "icon", type: "button", "aria-label": t("common.close"), text: "✕", onclick: close })),
    ...content));
  document.body.append(backdrop);
  return { close, node: backdrop };
}

export function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
