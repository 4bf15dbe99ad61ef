// A like storm's HTTP side in Node (bench/likes.py --client node): the likers' POSTs from `concurrency`
// keep-alive connections, with Node's own http module (no packages). A Python client with threads
// pays about as much CPU per request as the server does; this one a fraction of it, so on two shared
// cores the server, not the driver, bounds the storm.
//
// With "transport": "socket" every liker is a connected socket (the official socket.io-client, as the
// web client), all connected before the clock starts; then all of them send `post:like` at once and
// the storm lasts until the last ack. A status is then 200 for {ok: true} and 0 otherwise.
//
// stdin: {"url": "http://127.0.0.1:5000", "post_id": 1, "tokens": ["..."], "concurrency": 16,
//         "transport": "http" | "socket"}
// stdout: "ready" once connected (the caller starts counting the server's CPU; the storm follows half
// a second later), then {"statuses": [200, ...], "latencies_ms": [...], "seconds": 0.9}
import http from "node:http";
import { io } from "socket.io-client";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cfg = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const base = new URL(cfg.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
const path = `/api/posts/${cfg.post_id}/like`;

function like(token) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(
      { host: base.hostname, port: base.port, path, method: "POST", agent,
        headers: { Authorization: `Bearer ${token}`, "Content-Length": 0 } },
      (res) => {
        res.resume();
        res.on("end", () => resolve([res.statusCode, performance.now() - started]));
      },
    );
    req.on("error", () => resolve([0, performance.now() - started]));
    req.setTimeout(60000, () => req.destroy());
    req.end();
  });
}

async function ready() {
  process.stdout.write("ready\n");
  await new Promise((resolve) => setTimeout(resolve, 500));
}

if (cfg.transport === "socket") {
  // Connect everyone (at most `concurrency` handshakes at a time), untimed.
  const sockets = [];
  const queue = cfg.tokens.map((token, i) => [token, i]);
  await Promise.all(Array.from({ length: cfg.concurrency }, async () => {
    while (queue.length) {
      const [token, i] = queue.pop();
      sockets[i] = await new Promise((resolve, reject) => {
        const s = io(cfg.url, { transports: ["websocket"], auth: { token }, forceNew: true, reconnection: false });
        s.once("connect", () => resolve(s));
        s.once("connect_error", (err) => reject(err));
      });
    }
  }));
  await ready();
  const statuses = [];
  const latencies = [];
  const started = performance.now();
  await Promise.all(sockets.map((s) => {
    const t = performance.now();
    return s.timeout(60000).emitWithAck("post:like", { post_id: cfg.post_id, like: true }).then(
      (ack) => { statuses.push(ack && ack.ok ? 200 : 0); latencies.push(performance.now() - t); },
      () => { statuses.push(0); latencies.push(performance.now() - t); },
    );
  }));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ statuses, latencies_ms: latencies, seconds }) + "\n");
  // Stay connected while the caller listens for the last post:updated (it then ends this process):
  // a thousand sockets closing at once keep the server busy for a second and would delay it.
  await new Promise((resolve) => setTimeout(resolve, 10000));
  for (const s of sockets) s.close();
  process.exit(0);
}

// Open the connections first (one request each is not a like: a GET of the post), so that the timed
// storm measures likes, not TCP handshakes, as the Python client's warm sessions do.
await Promise.all(Array.from({ length: cfg.concurrency }, () => new Promise((resolve) => {
  const req = http.request({ host: base.hostname, port: base.port, path: `/api/posts/${cfg.post_id}`, agent,
    headers: { Authorization: `Bearer ${cfg.tokens[0]}` } }, (res) => { res.resume(); res.on("end", resolve); });
  req.on("error", resolve);
  req.end();
})));

await ready();
const queue = cfg.tokens.slice();
const statuses = [];
const latencies = [];
const started = performance.now();
await Promise.all(Array.from({ length: cfg.concurrency }, async () => {
  while (queue.length) {
    const [code, ms] = await like(queue.pop());
    statuses.push(code);
    latencies.push(ms);
  }
}));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
process.stdout.write(JSON.stringify({ statuses, latencies_ms: latencies, seconds }) + "\n");
