// The bell's state: the latest notifications and the unread count, fed by the `notification` event.
import { api } from "../api.js";
import { createStore } from "./store.js";

/** items: newest first; unread: count; status: idle | loading | ready | error; latest: the last one that arrived live. */
export const notifications = createStore({ items: [], unread: 0, status: "idle", latest: null });

const S = () => notifications.get();
let loading = null;

/** GET /api/notifications (once, or again with force). */
export function loadNotifications(force = false) {
  if (S().status === "ready" && !force) return Promise.resolve();
  if (loading) return loading;
  if (S().status !== "ready") notifications.set({ status: "loading" });
  loading = api("GET", "/notifications?limit=30").then((data) => {
    const items = data.items || [];
    notifications.set({ items, unread: typeof data.unread === "number" ? data.unread : items.filter((n) => !n.read_at).length, status: "ready" });
  }).catch((err) => {
    console.warn("notifications", err.message);
    if (S().status !== "ready") notifications.set({ status: "error" });
  }).finally(() => { loading = null; });
  return loading;
}

/** Mark these notifications read (those not read yet). */
export async function markRead(ids) {
  const fresh = ids.filter((id) => S().items.some((n) => n.id === id && !n.read_at));
  if (!fresh.length) return;
  try {
    const res = await api("POST", "/notifications/read", { ids: fresh });
    const now = new Date().toISOString();
    notifications.set({
      items: S().items.map((n) => (fresh.includes(n.id) ? { ...n, read_at: now } : n)),
      unread: typeof res.unread === "number" ? res.unread : Math.max(0, S().unread - fresh.length),
    });
  } catch { /* the counter refreshes on the next load */ }
}

/** Mark every notification read. Raises ApiError. */
export async function markAllRead() {
  await api("POST", "/notifications/read", { all: true });
  const now = new Date().toISOString();
  notifications.set({ items: S().items.map((n) => (n.read_at ? n : { ...n, read_at: now })), unread: 0 });
}

/** Forget everything (logged out). */
export function reset() {
  notifications.set({ items: [], unread: 0, status: "idle", latest: null });
}

/** Server events (dispatched by events.js). */
export const handlers = {
  notification: (n) => {
    if (S().items.some((x) => x.id === n.id)) return;
    notifications.set({ items: [n, ...S().items], unread: S().unread + 1, latest: n });
  },
  // A request changed (an offer taken or withdrawn, the request cancelled...): the bell must stop offering
  // Accept or Take for what is no longer open. A request's items take its new status from the event; a live
  // offer's status is not in it, so those are read again (the server gives their current status).
  "request:updated": (req) => {
    if (S().status !== "ready") return;
    const items = S().items;
    const stale = (n) => n.kind === "request:new" && n.payload?.request?.id === req.id && n.payload.request.status !== req.status;
    if (items.some(stale)) {
      notifications.set({ items: items.map((n) => (stale(n) ? { ...n, payload: { ...n.payload, request: { ...n.payload.request, status: req.status } } } : n)) });
    }
    const liveOffer = (n) => n.kind === "offer:new" && n.payload?.request_id === req.id && n.payload.offer?.status === "live";
    if (items.some(liveOffer)) loadNotifications(true);
  },
};
