// The store every domain builds on: one state object replaced (never mutated) on each change, and
// subscriptions to a selected slice that fire only when that slice changed (compared with Object.is).

/** createStore(initial) -> {get, set, update, subscribe}. */
export function createStore(initial) {
  let state = initial;
  const subs = new Set();

  const notify = () => {
    for (const sub of [...subs]) {
      if (!subs.has(sub)) continue;
      let next;
      try { next = sub.selector(state); } catch (err) { console.warn("selector failed", err); continue; }
      if (Object.is(next, sub.last)) continue;
      const prev = sub.last;
      sub.last = next;
      try { sub.fn(next, prev); } catch (err) { console.warn("subscriber failed", err); }
    }
  };

  return {
    /** The current state (treat as read-only). */
    get: () => state,
    /** Merge `patch` into the state and tell the subscribers whose slice changed. */
    set(patch) {
      state = { ...state, ...patch };
      notify();
    },
    /** set(fn(state)): fn returns the patch. */
    update(fn) {
      const patch = fn(state);
      if (patch) this.set(patch);
    },
    /** Call fn(slice, previous) whenever selector(state) changes; returns the unsubscribe function. */
    subscribe(selector, fn) {
      const sub = { selector, fn, last: selector(state) };
      subs.add(sub);
      return () => subs.delete(sub);
    },
  };
}

/** A copy of a Map with one key set (or deleted when value is undefined): stores replace, never mutate. */
export function withKey(map, key, value) {
  const next = new Map(map);
  if (value === undefined) next.delete(key);
  else next.set(key, value);
  return next;
}
