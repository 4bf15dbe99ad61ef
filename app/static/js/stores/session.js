// Who is signed in and the socket's state: the store every domain reads `me` from.
import { createStore } from "./store.js";

/** {me: the signed-in user or null, connection: offline|connecting|online|reconnecting, connects: count of (re)connects}. */
export const session = createStore({ me: null, connection: "offline", connects: 0 });

/** The signed-in user (or null). */
export function me() { return session.get().me; }

/** Is this user id me? */
export function isMe(userId) { return Boolean(userId) && session.get().me?.id === userId; }
