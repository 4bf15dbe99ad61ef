// The marketplace's live state: requests as the server last announced them, requests that arrived for
// the masters' feed, and offers that arrived on a request. Pages load their lists over REST and
// subscribe here for what changes after.
import { createStore, withKey } from "./store.js";

/**
 * requests: id -> RequestOut from the last `request:updated`; incoming: requests announced to me as a
 * master (newest first, from `request:new` notifications); offerRevs: request id -> count of offers
 * that arrived live.
 */
export const market = createStore({ requests: new Map(), incoming: [], offerRevs: new Map() });

const S = () => market.get();

/** Forget everything (logged out). */
export function reset() {
  market.set({ requests: new Map(), incoming: [], offerRevs: new Map() });
}

/** Server events (dispatched by events.js). */
export const handlers = {
  "request:updated": (req) => market.set({ requests: withKey(S().requests, req.id, req) }),
  notification: (n) => {
    const p = n.payload || {};
    if (n.kind === "request:new" && p.request && !S().incoming.some((r) => r.id === p.request.id)) {
      market.set({ incoming: [p.request, ...S().incoming] });
    }
    if (n.kind === "offer:new" && p.request_id) {
      market.set({ offerRevs: withKey(S().offerRevs, p.request_id, (S().offerRevs.get(p.request_id) || 0) + 1) });
    }
  },
};
