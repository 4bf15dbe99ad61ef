// The one module that owns the socket's server events: each is dispatched to the stores that keep the
// state it changes (views subscribe to those stores, never to the socket). SERVER_EVENTS must equal
// the server's app.events.SERVER_EVENTS: tests/test_client_events.py fails when they differ.
import * as sock from "./socket.js";
import { handlers as messengerEvents } from "./stores/messenger.js";
import { handlers as marketEvents } from "./stores/market.js";
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
  "message:deleted",
  "message:new",
  "message:updated",
  "notification",
  "post:deleted",
  "post:new",
  "post:updated",
  "presence",
  "request:updated",
  "typing",
];

// A new domain's store adds its `handlers` here.
const DOMAINS = [sock.connectionHandlers, messengerEvents, marketEvents, notificationEvents, socialEvents];

const routes = new Map(SERVER_EVENTS.map((name) => [name, DOMAINS.map((h) => h[name]).filter(Boolean)]));
for (const [name, fns] of routes) if (!fns.length) console.warn("no store handles server event", name);

function dispatch(name, payload) {
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
