// The page at /: a hash router, the top bar (navigation, notification bell, account) and the socket's state.
import { api, clearTokens, onTokens, tokens } from "./api.js";
import { avatar, clear, displayName, el } from "./dom.js";
import * as sock from "./socket.js";
import { wireSocket } from "./live.js";
import * as store from "./store.js";
import { authRoutes } from "./views/auth.js";
import { chatRoutes } from "./views/chats.js";
import { marketRoutes } from "./views/market.js";
import { bell, loadNotifications, resetNotifications } from "./views/notifications.js";
import { settingsRoutes } from "./views/settings.js";
import { adminRoutes } from "./views/admin.js";

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const account = document.getElementById("account");
const banner = document.getElementById("conn");

// Route patterns: "/chats/:id". `auth: true` sends visitors to log in and back.
const routes = [...authRoutes, ...chatRoutes, ...marketRoutes, ...settingsRoutes, ...adminRoutes].map((r) => {
  const keys = [];
  const re = new RegExp(`^${r.path.replace(/:(\w+)/g, (_m, k) => { keys.push(k); return "([^/]+)"; })}$`);
  return { ...r, re, keys };
});

let cleanup = null;
let rendering = 0;

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function loadMe() {
  if (!tokens().access) { store.state.me = null; return null; }
  if (store.state.me) return store.state.me;
  try {
    store.state.me = await api("GET", "/users/me");
  } catch (err) {
    if (err.status === 401) clearTokens();
    store.state.me = null;
  }
  return store.state.me;
}

export async function refreshMe() {
  store.state.me = null;
  const me = await loadMe();
  renderTop(currentPath());
  return me;
}

function currentPath() {
  return (location.hash.slice(1) || "/").split("?")[0];
}

function renderTop(path) {
  const me = store.state.me;
  const link = (href, text, match) => {
    const base = match || href.slice(1);
    return el("a", { href, text, class: path === base || path.startsWith(`${base}/`) ? "active" : "" });
  };
  if (me) {
    clear(nav,
      link("#/chats", "Chats"),
      link("#/masters", "Masters"),
      link("#/requests", "My requests"),
      link(me.is_master ? "#/feed" : "#/master", me.is_master ? "Feed" : "Become a master", me.is_master ? "/feed" : "/master"));
    clear(account,
      bell(),
      el("a", { href: "#/settings", class: "me-link", title: "Account settings" }, avatar(me, "sm"),
        el("span", { class: "me-name", text: displayName(me) })));
  } else {
    clear(nav, link("#/masters", "Masters"));
    clear(account, el("a", { href: "#/login", text: "Log in", class: "button ghost" }),
      el("a", { href: "#/signup", class: "button", text: "Sign up" }));
  }
}

function showBanner(stateName) {
  if (!store.state.me || stateName === "online" || stateName === "offline") {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.textContent = stateName === "connecting" ? "Connecting…" : "Connection lost. Reconnecting…";
}

async function route() {
  const ticket = ++rendering;
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const me = await loadMe();
  if (ticket !== rendering) return;
  if (me) { wireSocket(); sock.connect(); }
  let match = null;
  let args = {};
  for (const r of routes) {
    const m = path.match(r.re);
    if (m) { match = r; args = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])); break; }
  }
  if (!match) match = routes.find((r) => r.path === "/");
  if (match.auth && !me) {
    location.replace(`#/login?next=${encodeURIComponent(location.hash.slice(1) || "/")}`);
    return;
  }
  if (cleanup) { try { cleanup(); } catch { /* a view's cleanup never blocks navigation */ } cleanup = null; }
  renderTop(path);
  document.body.dataset.route = match.name || "page";
  view.className = match.layout || "";
  try {
    const result = await match.render({ view, params, args, me, go, refreshMe });
    if (ticket === rendering) cleanup = typeof result === "function" ? result : null;
    else if (typeof result === "function") result();
  } catch (err) {
    console.warn("view failed", err);
    clear(view, el("section", { class: "card" }, el("h2", { text: "Something went wrong" }),
      el("p", { class: "muted", text: err.message || "Try again." }),
      el("a", { href: "#/", class: "button", text: "Home" })));
  }
  if (me) loadNotifications();
}

sock.on("state", showBanner);
onTokens((loggedIn) => {
  // Logged out or the session died (refresh refused): forget everything, and leave pages that need an account.
  if (!loggedIn && store.state.me) { store.reset(); resetNotifications(); route(); }
});
window.addEventListener("hashchange", route);
route();
