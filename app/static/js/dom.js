// DOM helpers. User content only ever goes in through textContent (the `text` attribute here).

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

export function displayName(user) {
  if (!user) return "Unknown";
  return user.display_name || user.username || `user ${user.id}`;
}

/** A round avatar: the picture, or initials on a colour picked from the id. */
export function avatar(user, size = "md") {
  const box = el("span", { class: `avatar avatar-${size}` });
  if (user && user.avatar_url) {
    box.append(el("img", { src: user.avatar_url, alt: "" }));
  } else {
    const name = displayName(user);
    box.textContent = name.trim().slice(0, 1).toUpperCase() || "?";
    box.style.background = `hsl(${((user && user.id) || 0) * 67 % 360} 55% 55%)`;
  }
  return box;
}

export function timeShort(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return d.toLocaleDateString([], { day: "numeric", month: "short" });
}

export function dateTime(iso) {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
}

/** An in-page confirmation (never window.confirm): resolves true or false. */
export function confirmBox(message, okText = "Confirm", danger = true) {
  return new Promise((resolve) => {
    const close = (value) => { backdrop.remove(); resolve(value); };
    const backdrop = el("div", { class: "modal-backdrop", onclick: (e) => { if (e.target === backdrop) close(false); } },
      el("div", { class: "modal", role: "dialog", "aria-modal": "true" },
        el("p", { text: message }),
        el("div", { class: "row end" },
          el("button", { class: "secondary", type: "button", text: "Cancel", onclick: () => close(false) }),
          el("button", { class: danger ? "danger" : "", type: "button", text: okText, onclick: () => close(true) }))));
    document.body.append(backdrop);
    backdrop.querySelector("button:last-child").focus();
  });
}

/** A modal with arbitrary content; returns {close}. */
export function modal(title, ...content) {
  const backdrop = el("div", { class: "modal-backdrop" });
  const close = () => backdrop.remove();
  backdrop.addEventListener("click", (e) => { if (e.target === backdrop) close(); });
  backdrop.append(el("div", { class: "modal wide", role: "dialog", "aria-modal": "true" },
    el("div", { class: "modal-head" }, el("h3", { text: title }),
      el("button", { class: "icon", type: "button", "aria-label": "Close", text: "✕", onclick: close })),
    ...content));
  document.body.append(backdrop);
  return { close, node: backdrop };
}

export function errorText(err) {
  // Said once: the server's message already names each bad field and its problem
  // (details.fields[field] = {code, message, ...params} is there for showing them beside the fields).
  return (err && err.message) || "Network error; try again.";
}

export function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
