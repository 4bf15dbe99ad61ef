// The one Socket.IO connection: token from a function (so every reconnect uses the freshest one), a
// refresh on `unauthorized`, and its state. Only events.js listens here: it owns the server's events.
import { io } from "../vendor/socket.io.esm.min.js";
import { freshAccess, onTokens, refreshTokens, tokens } from "./api.js";

const RECONNECT_DELAY = 1000; // ms: the back-off's first step (each wait is random in 0..2x the step)
const listeners = new Map(); // event -> Set(fn)
let socket = null;
let state = "offline"; // offline | connecting | online | reconnecting
let everConnected = false;
let serverEvents = [];
let dispatch = () => {};

/** Deliver each of these server events to dispatch(name, payload) (called once, by events.js). */
export function handleServerEvents(names, fn) {
  serverEvents = names;
  dispatch = fn;
}

/** Connection lifecycle: "state" (offline | connecting | online | reconnecting), "connected", "reconnected". */
export function on(event, fn) {
  if (!listeners.has(event)) listeners.set(event, new Set());
  listeners.get(event).add(fn);
  return () => listeners.get(event).delete(fn);
}

function fire(event, payload) {
  for (const fn of listeners.get(event) || []) {
    try { fn(payload); } catch (err) { console.warn("handler failed", event, err); }
  }
}

function setState(next) {
  state = next;
  fire("state", next);
}

export function connectionState() { return state; }
export function isOnline() { return state === "online"; }

export function connect() {
  if (socket || !tokens().access) return;
  socket = io({
    // A function: socket.io calls it before every (re)connection attempt.
    auth: (cb) => { freshAccess().then((token) => cb({ token })); },
    transports: ["websocket"],
    // Jittered back-off: a dropped connection retries after 0 to 2 s, then 0 to 4 s, then at most 5 s
    // (randomizationFactor 1 spreads each wait over 0..2x the step). When a worker dies or restarts,
    // its thousands of clients come back spread over seconds, not all in the same 300 ms.
    reconnectionDelay: RECONNECT_DELAY,
    reconnectionDelayMax: 5000,
    randomizationFactor: 1,
  });
  setState("connecting");
  socket.on("connect", () => {
    socket.io.reconnectionDelay(RECONNECT_DELAY); // back to normal after a drain's longer first wait
    socket.io.reconnection(true);
    const again = everConnected;
    everConnected = true;
    setState("online");
    fire(again ? "reconnected" : "connected");
  });
  socket.on("disconnect", (reason) => {
    setState(reason === "io client disconnect" ? "offline" : "reconnecting");
    // Closed by the server (a draining worker, a revoked session): come back after a random wait, so
    // the clients of one worker do not all return at the same moment.
    if (reason === "io server disconnect") {
      const wait = drainWait ?? 300 + Math.random() * 700;
      drainWait = null;
      setTimeout(() => socket && socket.connect(), wait);
    }
  });
  socket.on("connect_error", async (err) => {
    if (!socket) return;
    setState("reconnecting");
    if (err && err.data && err.data.code === "unauthorized") {
      // Refused at the handshake: the token expired or was revoked. Refresh once and try again.
      if (await refreshTokens()) setTimeout(() => socket && socket.connect(), 200);
      else setState("offline");
    } else if (!socket.active) {
      setTimeout(() => socket && socket.connect(), 1000);
    }
  });
  for (const name of serverEvents) socket.on(name, (payload) => dispatch(name, payload));
}

/** The connection's own server events (events.js routes them here like a store's). */
export const connectionHandlers = {
  // Before this socket's token expires the server asks for a fresh one; without it the socket is closed.
  "auth:expiring": async () => {
    if ((await refreshTokens()) && socket) socket.emit("auth:refresh", { token: tokens().access }, () => {});
  },
};

let drainWait = null;

/**
 * The server is draining this worker (server:draining): reconnect after `afterMs` plus a random wait
 * under `ms`, so a restarted worker is back before its clients and they spread over the workers.
 */
export function reconnectWithin(ms, afterMs = 0) {
  const within = Math.max(0, Number(ms) || 0);
  const after = Math.max(0, Number(afterMs) || 0);
  drainWait = after + Math.random() * within;
  if (!socket) return;
  if (after > 0) {
    // socket.io's back-off cannot start later than now: switch it off, come back ourselves at the
    // chosen time, and let it take over from there (if that attempt fails it retries as usual).
    const s = socket;
    s.io.reconnection(false);
    setTimeout(() => {
      if (socket !== s) return;
      s.io.reconnection(true);
      if (!s.connected) s.connect();
    }, drainWait);
    return;
  }
  // The drained worker's sockets close at once as a transport close, so socket.io's own back-off
  // reconnects, not the "io server disconnect" path above: its first wait becomes random in 0..ms
  // (half of it, times 0..2 with randomizationFactor 1), and the 'connect' handler restores it.
  if (within > 0) socket.io.reconnectionDelay(Math.max(RECONNECT_DELAY, within / 2));
}

export function disconnect() {
  if (!socket) return;
  const s = socket;
  socket = null;
  everConnected = false;
  s.disconnect();
  setState("offline");
}

/** Emit with an acknowledgement; resolves the ack ({ok, ...}) or rejects on timeout / no connection. */
export function call(event, payload, timeout = 8000) {
  if (!socket || !socket.connected) return Promise.reject(new Error("offline"));
  return socket.timeout(timeout).emitWithAck(event, payload);
}

/** Fire-and-forget emit (typing): dropped silently while offline. */
export function send(event, payload) {
  if (socket && socket.connected) socket.emit(event, payload, () => {});
}

onTokens((loggedIn) => { if (!loggedIn) disconnect(); });
