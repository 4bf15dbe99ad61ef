// "Over the socket, else over REST" in one place.
import * as sock from "./socket.js";

/** Raised when the server answered the socket call with {ok: false}: not retried over REST. */
export class CallError extends Error {
  constructor(error) {
    super((error && error.message) || "Refused.");
    this.code = error && error.code;
    this.details = (error && error.details) || {};
  }
}

/**
 * Emit `event` with an ack and resolve the ack ({ok: true, ...}). When the socket is down or does not
 * answer, run restFallback() instead (if given) and resolve its result. A refusal ({ok: false}) rejects
 * with a CallError and is never retried over REST.
 */
export async function call(event, payload, restFallback = null) {
  let ack;
  try {
    ack = await sock.call(event, payload);
  } catch (err) {
    if (restFallback) return restFallback();
    throw err;
  }
  if (!ack || !ack.ok) throw new CallError(ack && ack.error);
  return ack;
}
