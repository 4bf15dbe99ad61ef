// A like storm's HTTP side in Node (bench/likes.py --client node): the likers' POSTs from `concurrency`
// keep-alive connections, with Node's own http module (no packages). A Python client with threads
// pays about as much CPU per request as the server does; this one a fraction of it, so on two shared
// cores the server, not the driver, bounds the storm.
//
// stdin: {"url": "http://127.0.0.1:5000", "post_id": 1, "tokens": ["..."], "concurrency": 16}
// stdout: {"statuses": [200, ...], "latencies_ms": [...], "seconds": 0.9}
import http from "node:http";

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

// Open the connections first (one request each is not a like: a GET of the post), so that the timed
// storm measures likes, not TCP handshakes, as the Python client's warm sessions do.
await Promise.all(Array.from({ length: cfg.concurrency }, () => new Promise((resolve) => {
  const req = http.request({ host: base.hostname, port: base.port, path: `/api/posts/${cfg.post_id}`, agent,
    headers: { Authorization: `Bearer ${cfg.tokens[0]}` } }, (res) => { res.resume(); res.on("end", resolve); });
  req.on("error", resolve);
  req.end();
})));

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
process.stdout.write(JSON.stringify({ statuses, latencies_ms: latencies, seconds }));
