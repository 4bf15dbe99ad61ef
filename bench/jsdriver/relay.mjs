// The bare relay of bench/relay.py on Node's own Socket.IO server (socket.io, pinned in package-lock.json):
// the same protocol, so the same driver measures both, and the issue-17 table has Node's ceiling beside
// Flask-SocketIO's and the app's on the same machine in the same run.
//
//   HOST=127.0.0.1 PORT=5800 node bench/jsdriver/relay.mjs      (bench/run.py --targets node starts it)
//
// No database, no auth, no validation beyond the shape. A client joins the room named by `room` in its
// connect auth (or the `room` query parameter); a client without one is refused. `message:send` is relayed
// to that room as `message:new` with the shape the app sends (id, chat_id, seq, sender {id}, client_id,
// body, created_at) and acknowledged with {ok: true, message}. GET / answers {relay: true, ...}.

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Server } from "socket.io";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? "5800");
if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
  console.error(`${host}: the relay listens on loopback only`);
  process.exit(2);
}
// socket.io's package.json is not among its exports: read it from node_modules beside this file.
const version = JSON.parse(readFileSync(new URL("node_modules/socket.io/package.json", import.meta.url))).version;

const http = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ relay: true, server: "socket.io", version, node: process.version }));
  } else {
    // Socket.IO's own paths never get here: engine.io takes them before this listener.
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "not_found", message: "Not found.", details: {} } }));
  }
});

// The Python relay's settings: pings every 25 s, 20 s to answer, 64 kB messages, no compression.
const io = new Server(http, {
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 64 * 1024,
  perMessageDeflate: false,
  httpCompression: false,
  cors: { origin: "*" },
});

const seqs = new Map(); // chat id -> last seq

io.use((socket, next) => {
  const auth = socket.handshake.auth ?? {};
  const room = auth.room ?? socket.handshake.query.room;
  const chatId = Number(room);
  if (room === undefined || room === null || !Number.isInteger(chatId)) {
    next(new Error("no room"));
    return;
  }
  socket.data.chatId = chatId;
  socket.data.userId = Number(auth.uid ?? socket.handshake.query.uid ?? 0) || 0;
  next();
});

io.on("connection", (socket) => {
  const { chatId, userId } = socket.data;
  socket.join(`chat:${chatId}`);
  socket.on("message:send", (data, ack) => {
    if (typeof ack !== "function") return;
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      ack({ ok: false, error: { code: "validation_error", message: "bad payload", details: {} } });
      return;
    }
    const seq = (seqs.get(chatId) ?? 0) + 1;
    seqs.set(chatId, seq);
    const message = {
      id: seq,
      chat_id: chatId,
      seq,
      sender: { id: userId },
      client_id: data.client_id ?? null,
      body: typeof data.body === "string" ? data.body : "",
      created_at: Date.now() / 1000,
    };
    io.to(`chat:${chatId}`).emit("message:new", message);
    ack({ ok: true, message });
  });
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}

http.listen(port, host, () => console.log(`node relay (socket.io ${version}) on http://${host}:${port}`));
