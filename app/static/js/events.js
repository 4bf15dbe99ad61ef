// The one module that owns the socket's server events: each is dispatched to the stores that keep the
// state it changes (views subscribe to those stores, never to the socket). SERVER_EVENTS must equal
// the server's app.events.SERVER_EVENTS: tests/test_client_events.py fails when they differ.
import * as sock from "./socket.js";
import { handlers as messengerEvents } from "./stores/messenger.js";
import { handlers as marketEvents } from "./stores/market.js";
import { handlers as musicEvents } from "./stores/music.js";
import { handlers as notificationEvents, loadNotifications } from "./stores/notifications.js";
import { recover } from "./stores/outbox.js";
import { session } from "./stores/session.js";
import { handlers as socialEvents } from "./stores/social.js";

export const SERVER_EVENTS = [
  "auth:expiring",
  "chat:created",
  "chat:deleted",
  "chat:member_added",
  "chat:member_removed",
  "chat:member_updated",
  "chat:read",
  "chat:updated",
  "comment:deleted",
  "comment:new",
  "friendship",
  "listening",
  "message:deleted",
  "message:new",
  "message:updated",
  "notification",
  "post:deleted",
  "post:new",
  "post:updated",
  "presence",
  "request:updated",
  "resync",
  "server:draining",
  "typing",
];

// Catching up after a fault (issue 12; `auth:expiring` is in socket.js's connectionHandlers): `resync` says live
// events may have been missed (the server's message queue was away), so every held chat catches up as
// after a reconnect; `server:draining` says this worker is going away and the socket reconnects (to
// another one) by itself. They take effect once the server declares them and they are in SERVER_EVENTS.
const connectionEvents = {
  resync: () => { recover(); loadNotifications(true); },
  "server:draining": ({ reconnect_within_ms: ms, reconnect_after_ms: after }) => sock.reconnectWithin(ms, after),
};

// A new domain's store adds its `handlers` here.
const DOMAINS = [
  sock.connectionHandlers,
  messengerEvents,
  marketEvents,
  notificationEvents,
  connectionEvents,
  musicEvents,
  socialEvents,
];

const routes = new Map(SERVER_EVENTS.map((name) => [name, DOMAINS.map((h) => h[name]).filter(Boolean)]));
for (const [name, fns] of routes) if (!fns.length) console.warn("no store handles server event", name);

// Test hook (never on unless a test asks): drop the next N events of a name as if the network lost
// them, so a browser test can show the page filling the gap by itself. On with `?testhooks=1` in the
// page's address, or when a test sets window.mcTestHooks = true before the page's scripts run.
const dropping = new Map(); // event name -> how many more to drop
if (new URLSearchParams(location.search).has("testhooks") || window.mcTestHooks === true) {
  window.mcTest = {
    /** Drop the next `n` server events called `name`. */
    dropNext: (name, n = 1) => dropping.set(name, (dropping.get(name) || 0) + n),
    /** How many of the asked drops are still to come. */
    pendingDrops: (name) => dropping.get(name) || 0,
    /** Is the socket connected? */
    online: () => sock.isOnline(),
    /** Drop the socket and connect again (the page catches up as after any reconnect). */
    reconnect: () => { sock.disconnect(); sock.connect(); },
  };
}

function dispatch(name, payload) {
  const drop = dropping.get(name);
  if (drop) { dropping.set(name, drop - 1); return; }
  for (const fn of routes.get(name) || []) {
    try { fn(payload); } catch (err) { console.warn("event handler failed", name, err); }
  }
}

let started = false;
/** Wire the socket to the stores (once per page); then connect. */
export function startEvents() {
  if (!started) {
    started = true;
    sock.handleServerEvents(SERVER_EVENTS, dispatch);
    sock.on("state", (connection) => session.set({ connection }));
    // Both times: whatever arrived between the REST load and the socket joining is caught up here.
    sock.on("connected", () => { session.set({ connects: session.get().connects + 1 }); recover(); });
    sock.on("reconnected", () => {
      session.set({ connects: session.get().connects + 1 });
      recover();
      loadNotifications(true);
    });
  }
  sock.connect();
}
