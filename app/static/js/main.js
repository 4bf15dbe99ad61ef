// The page at /: a hash router, the top bar (navigation, notification bell, account) and the socket's state.
import "./i18n/common.js";
import { api, clearTokens, onTokens, tokens } from "./api.js";
import { clear, el } from "./dom.js";
import { avatar, displayName } from "./components/avatar.js";
import { navMore } from "./components/navmore.js";
import { delayedLoading, errorState } from "./components/states.js";
import { startEvents } from "./events.js";
import { getLocale, LOCALES, onLocale, setLocale, t } from "./i18n.js";
import { reset as resetMarket } from "./stores/market.js";
import { reset as resetMessenger } from "./stores/messenger.js";
import { loadNotifications, reset as resetNotifications } from "./stores/notifications.js";
import { reset as resetSocial } from "./stores/social.js";
import { session } from "./stores/session.js";
import { authRoutes } from "./views/auth.js";
import { chatRoutes } from "./views/chats.js";
import { marketRoutes } from "./views/market.js";
import { musicRoutes } from "./views/music/index.js";
import { close as closePlayer, mountPlayer } from "./components/player.js";
import { reset as resetMusic } from "./stores/music.js";
import { bell } from "./views/notifications.js";
import { settingsRoutes } from "./views/settings.js";
import { adminRoutes } from "./views/admin.js";
import { socialRoutes } from "./views/social.js";
import "./i18n/social.js";

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const account = document.getElementById("account");
const banner = document.getElementById("conn");

// Route patterns: "/chats/:id". `auth: true` sends visitors to log in and back.
const routes = [...authRoutes, ...socialRoutes, ...chatRoutes, ...marketRoutes, ...musicRoutes, ...settingsRoutes, ...adminRoutes].map((r) => {
  const keys = [];
  const re = new RegExp(`^${r.path.replace(/:(\w+)/g, (_m, k) => { keys.push(k); return "([^/]+)"; })}$`);
  return { ...r, re, keys };
});

let cleanup = null;
let rendering = 0;

/** Open a route (re-rendering it when it is already the current one). */
export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function loadMe() {
  if (!tokens().access) { session.set({ me: null }); return null; }
  if (session.get().me) return session.get().me;
  let me = null;
  try {
    me = await api("GET", "/users/me");
  } catch (err) {
    if (err.status === 401) clearTokens();
  }
  session.set({ me });
  // The language kept in the profile wins over this browser's (null: follow the browser).
  if (me && LOCALES.includes(me.locale) && me.locale !== getLocale()) setLocale(me.locale);
  return me;
}

/** Load the signed-in user again (after a profile change) and redraw the top bar. */
export async function refreshMe() {
  session.set({ me: null });
  const me = await loadMe();
  renderTop(currentPath());
  return me;
}

function currentPath() {
  return (location.hash.slice(1) || "/").split("?")[0];
}

function withClass(node, cls) {
  node.classList.add(cls);
  return node;
}

function renderTop(path) {
  const me = session.get().me;
  nav.setAttribute("aria-label", t("nav.main"));
  const link = (href, text, match) => {
    const base = match || href.slice(1);
    return el("a", { href, text, class: path === base || path.startsWith(`${base}/`) ? "active" : "" });
  };
  if (me) {
    // Grouped so the bar stays short: the main destinations on the bar, the rest under "More". On a phone the
    // bottom bar keeps five places (News, Chats, Masters, Music, More); Friends and Communities move into "More"
    // there (`wide-only` on the bar, `narrow-only` in the list: app.css).
    const market = me.is_master ? ["#/feed", t("nav.feed"), "/feed"] : ["#/master", t("nav.become_master"), "/master"];
    const extra = [
      [link("#/friends", t("nav.friends")), "narrow-only"],
      [link("#/communities", t("nav.communities")), "narrow-only"],
      [link("#/people", t("nav.people")), ""],
      [link("#/requests", t("nav.requests")), ""],
      [link(...market), ""],
      ...(me.is_admin ? [[link("#/admin", t("nav.admin")), ""]] : []),
    ];
    const extraActive = extra.some(([a]) => a.classList.contains("active"));
    for (const [a, cls] of extra) if (cls) a.classList.add(cls);
    clear(nav,
      link("#/news", t("nav.news")),
      link("#/chats", t("nav.chats")),
      withClass(link("#/friends", t("nav.friends")), "wide-only"),
      withClass(link("#/communities", t("nav.communities")), "wide-only"),
      link("#/masters", t("nav.masters")),
      link("#/music", t("nav.music")),
      navMore(t("nav.more"), extra.map(([a]) => a), extraActive));
    clear(account,
      bell(),
      el("a", { href: "#/settings", class: "me-link", title: t("nav.settings") }, avatar(me, "sm"),
        el("span", { class: "me-name", text: displayName(me) })));
  } else {
    clear(nav, link("#/masters", t("nav.masters")));
    clear(account, el("a", { href: "#/login", text: t("nav.login"), class: "button ghost" }),
      el("a", { href: "#/signup", class: "button", text: t("nav.signup") }));
  }
}

function showBanner(stateName) {
  if (!session.get().me || stateName === "online" || stateName === "offline") {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.textContent = stateName === "connecting" ? t("conn.connecting") : t("conn.lost");
}

async function route() {
  const ticket = ++rendering;
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const me = await loadMe();
  if (ticket !== rendering) return;
  if (me) startEvents();
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
  // Every screen fetches before it draws: after ~150 ms without a new screen, a loading state says so.
  const cancelLoading = delayedLoading(view);
  try {
    const result = await match.render({ view, params, args, me, go, refreshMe });
    if (ticket === rendering) cleanup = typeof result === "function" ? result : null;
    else if (typeof result === "function") result();
  } catch (err) {
    console.warn("view failed", err);
    if (ticket === rendering) {
      clear(view, el("section", { class: "card" }, el("h2", { text: t("common.went_wrong") }),
        errorState(err, () => route()), el("a", { href: "#/", class: "button ghost", text: t("common.home") })));
    }
  } finally {
    cancelLoading();
  }
  if (me) loadNotifications();
}

// The player bar lives outside #view: routing never rebuilds it, so music keeps playing across screens.
mountPlayer(document.getElementById("player"));
session.subscribe((s) => s.connection, showBanner);
onTokens((loggedIn) => {
  // Logged out or the session died (refresh refused): forget everything, and leave pages that need an account.
  if (!loggedIn && session.get().me) {
    session.set({ me: null });
    resetMessenger();
    resetMarket();
    resetNotifications();
    closePlayer();
    resetMusic();
    resetSocial();
    route();
  }
});
onLocale(() => { showBanner(session.get().connection); route(); });
window.addEventListener("hashchange", route);
route();
