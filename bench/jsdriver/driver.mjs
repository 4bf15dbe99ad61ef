// Masterchat load driver on the official Socket.IO JavaScript client (socket.io-client, pinned in
// package.json). One Node process: N users over websocket, rooms with ONE sender each, then steps of
// a total send rate; every other member of the room times each message from send to `message:new`
// (same process, same clock). Optionally a reconnect storm at the end.
//
//   node driver.mjs config.json        (bench/jsbench.py writes the config and reads the output)
//
// Config: {url, urls (optional: the users spread over them), users: [{id, token, chat_id}],
// rooms: [{chat_id, members: [user index, ...]}] (the first member sends), connect_rate, rates, step_duration, grace, ack_timeout, connect_timeout,
// body_size, max_p99_ms, max_ack_errors, continue_on_fail, storm, storm_pause, sync, max_runtime}.
// Output: one JSON object per line on stdout, {"event": ...}: connected, step_start, step_end (with
// the step's figures), storm_start, storm_end, result (everything). With sync: true the driver waits
// for a line on stdin after each step_start and step_end (the wrapper samples the server's CPU then).
// Nothing is printed per message.

import { readFileSync } from "node:fs";
import { performance, monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const LIMITS = { users: 20000, rate: 20000, stepDuration: 600, steps: 50, runtime: 3600 };

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const users = cfg.users;
const rooms = cfg.rooms;
const rates = cfg.rates.map(Number);
const stepDuration = Number(cfg.step_duration ?? 10);
const opt = {
  connectRate: Number(cfg.connect_rate ?? 250),
  grace: Number(cfg.grace ?? 5),
  ackTimeout: Number(cfg.ack_timeout ?? 10),
  connectTimeout: Number(cfg.connect_timeout ?? 20),
  bodySize: Number(cfg.body_size ?? 100),
  maxP99: Number(cfg.max_p99_ms ?? 1000),
  maxAckErrors: Number(cfg.max_ack_errors ?? 0),
  storm: Number(cfg.storm ?? 0),
  stormPause: Number(cfg.storm_pause ?? 1),
  maxRuntime: Math.min(Number(cfg.max_runtime ?? LIMITS.runtime), LIMITS.runtime),
};
const tag = cfg.tag ?? `js${process.pid.toString(36)}${Date.now().toString(36)}`;

function fail(why) {
  process.stderr.write(`driver: ${why}\n`);
  process.exit(2);
}
if (users.length > LIMITS.users) fail(`at most ${LIMITS.users} users`);
if (rates.length > LIMITS.steps || rates.some((r) => !(r > 0) || r > LIMITS.rate)) fail("bad rates");
if (!(stepDuration > 0) || stepDuration > LIMITS.stepDuration) fail("bad step duration");
if (rooms.some((r) => r.members.length > 50)) fail("rooms of at most 50 (members are bits of a number)");
// Several URLs (a server's workers on their own ports, no balancer): each worker gets 1/n of the users and
// of the senders, and every room spans the workers (see openSocket).
const urls = Array.isArray(cfg.urls) && cfg.urls.length ? cfg.urls : [cfg.url];
for (const url of urls) {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "[::1]", "::1"].includes(host)) fail(`${url}: loopback only`);
}

const started = performance.now();
setTimeout(() => {
  emit({ event: "error", error: `max_runtime ${opt.maxRuntime} s reached` });
  process.exit(3);
}, opt.maxRuntime * 1000).unref();

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

let finished = false;
const stdinLines = [];
let stdinWaiter = null;
if (cfg.sync) {
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (stdinWaiter) {
      const w = stdinWaiter;
      stdinWaiter = null;
      w(line);
    } else stdinLines.push(line);
  });
  rl.on("close", () => {
    if (!finished) process.exit(4); // the wrapper is gone: stop, do not drive on unobserved
  });
}
function handshake() {
  if (!cfg.sync) return Promise.resolve();
  if (stdinLines.length) return Promise.resolve(stdinLines.shift());
  return new Promise((resolve) => {
    stdinWaiter = resolve;
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return round(sorted[k]);
}
const round = (x, d = 2) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

// ------------------------------------------------------------------ who is where

const roomOf = new Int32Array(users.length).fill(-1); // user index -> room index
const posOf = new Int32Array(users.length).fill(-1); // user index -> position in its room
rooms.forEach((room, r) => {
  room.members.forEach((u, pos) => {
    roomOf[u] = r;
    posOf[u] = pos;
  });
});

// ------------------------------------------------------------------ connecting

const sockets = new Array(users.length).fill(null);
const connectErrors = {};
let connectFailures = 0;

function urlOf(u) {
  // Room r's members from position r on, round the workers: senders (position 0) and the others are spread evenly.
  return urls[(roomOf[u] === undefined ? u : roomOf[u] + posOf[u]) % urls.length];
}

function openSocket(u) {
  const user = users[u];
  const socket = io(urlOf(u), {
    transports: ["websocket"],
    auth: { token: user.token, room: user.chat_id, uid: user.id }, // room/uid: for bench/relay.py
    forceNew: true,
    reconnection: false,
    timeout: opt.connectTimeout * 1000,
    rejectUnauthorized: false, // loopback only (checked above): a self-signed certificate of `make cluster`
  });
  socket.on("message:new", (msg) => onMessage(u, msg));
  return socket;
}

function connectOnce(u, socket) {
  // Resolves with the connect time in ms, or null (the error counted in connectErrors).
  return new Promise((resolve) => {
    const t = performance.now();
    const timer = setTimeout(() => done(null, "timeout"), opt.connectTimeout * 1000 + 1000);
    function done(ms, why) {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
      if (ms == null) {
        const key = String(why).slice(0, 80);
        connectErrors[key] = (connectErrors[key] ?? 0) + 1;
      }
      resolve(ms);
    }
    function onConnect() {
      done(performance.now() - t);
    }
    function onError(err) {
      const code = err?.data?.code ?? err?.message ?? "connect_error";
      done(null, code);
    }
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
    if (!socket.connected && !socket.active) socket.connect();
  });
}

async function connectAll() {
  const t0 = performance.now();
  const times = [];
  const connectedByUrl = {};
  const pending = [];
  for (let u = 0; u < users.length; u++) {
    const due = t0 + (u * 1000) / opt.connectRate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const socket = openSocket(u);
    sockets[u] = socket;
    pending.push(
      connectOnce(u, socket).then((ms) => {
        if (ms == null) {
          connectFailures++;
          socket.disconnect();
          sockets[u] = null;
        } else {
          times.push(ms);
          connectedByUrl[urlOf(u)] = (connectedByUrl[urlOf(u)] ?? 0) + 1;
        }
      }),
    );
  }
  await Promise.all(pending);
  times.sort((a, b) => a - b);
  return {
    users: users.length,
    connected: times.length,
    connect_failures: connectFailures,
    connect_errors: connectErrors,
    connected_by_url: connectedByUrl,
    connect_s: round((performance.now() - t0) / 1000),
    connect_p50_ms: percentile(times, 50),
    connect_p99_ms: percentile(times, 99),
    connect_max_ms: percentile(times, 100),
    driver_rss_mb: round(process.memoryUsage().rss / 2 ** 20, 1),
  };
}

// ------------------------------------------------------------------ messages

// client_id -> record: {step, t (performance.now at send), room, pos (sender), expect (bit mask of the
// members connected at send time, sender excluded), got (bit mask of who received it), acked}
const records = new Map();
let steps = [];
let unknown = 0; // message:new whose client_id is not ours (someone else's traffic)
const lastSeq = new Int32Array(users.length);

function newStepCounters(rate) {
  return {
    rate,
    sent: 0,
    acked: 0,
    ackErrors: {},
    ackMs: [],
    expected: 0, // filled at the end from the acked records
    delivered: 0,
    deliveredUnacked: 0,
    duplicates: 0,
    ownEchoes: 0,
    outOfOrder: 0,
    latency: [],
    firstSend: 0,
    lastDelivery: 0,
    pendingAcks: 0,
  };
}

function onMessage(u, msg) {
  const rec = msg && records.get(msg.client_id);
  if (!rec) {
    unknown++;
    return;
  }
  const now = performance.now();
  const st = steps[rec.step];
  const pos = posOf[u];
  if (roomOf[u] !== rec.room) return; // not this room's member: counted nowhere (cannot happen)
  if (pos === rec.pos) {
    st.ownEchoes++;
    return;
  }
  const bit = 2 ** pos;
  if (Math.floor(rec.got / bit) % 2 === 1) {
    st.duplicates++;
    return;
  }
  rec.got += bit;
  const seq = msg.seq;
  if (typeof seq === "number") {
    if (seq < lastSeq[u]) st.outOfOrder++;
    else lastSeq[u] = seq;
  }
  if (Math.floor(rec.expect / bit) % 2 !== 1) return; // was not connected at send time
  st.latency.push(now - rec.t);
  st.lastDelivery = now;
  if (rec.acked) st.delivered++;
  else rec.early = (rec.early ?? 0) + 1; // arrived before its ack: counted when the ack comes
}

function send(stepIndex, st, r, n, pad) {
  const room = rooms[r];
  const senderIdx = room.members[0];
  const socket = sockets[senderIdx];
  if (!socket || !socket.connected) return;
  let expect = 0;
  room.members.forEach((u, pos) => {
    if (pos !== 0 && sockets[u]?.connected) expect += 2 ** pos;
  });
  const clientId = `${tag}-${stepIndex}-${n}`;
  const t = performance.now();
  const rec = { step: stepIndex, t, room: r, pos: 0, expect, got: 0, acked: false };
  records.set(clientId, rec);
  st.sent++;
  st.pendingAcks++;
  const body = `${Date.now()}|${pad}`.slice(0, Math.max(opt.bodySize, 14));
  socket.timeout(opt.ackTimeout * 1000).emit(
    "message:send",
    { chat_id: room.chat_id, body, client_id: clientId },
    (err, ack) => {
      st.pendingAcks--;
      if (err) {
        st.ackErrors.timeout = (st.ackErrors.timeout ?? 0) + 1;
        return;
      }
      if (ack && ack.ok) {
        rec.acked = true;
        st.acked++;
        st.ackMs.push(performance.now() - t);
        if (rec.early) st.delivered += rec.early;
      } else {
        const code = ack?.error?.code ?? "bad_ack";
        st.ackErrors[code] = (st.ackErrors[code] ?? 0) + 1;
      }
    },
  );
}

function bits(x) {
  let c = 0;
  while (x > 0) {
    if (x % 2 === 1) c++;
    x = Math.floor(x / 2);
  }
  return c;
}

function expectedOf(stepIndex) {
  let expected = 0;
  let delivered = 0;
  for (const rec of records.values()) {
    if (rec.step !== stepIndex) continue;
    if (rec.acked) expected += bits(rec.expect);
    else delivered += bits(rec.got); // delivered though never acked
  }
  return { expected, deliveredUnacked: delivered };
}

async function runStep(stepIndex, rate) {
  const st = newStepCounters(rate);
  steps.push(st);
  const senders = rooms.map((_, r) => r).filter((r) => rooms[r].members.length > 1);
  const pad = "x".repeat(opt.bodySize);
  emit({ event: "step_start", step: stepIndex, rate });
  await handshake();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const total = Math.round(rate * stepDuration);
  const t0 = performance.now() + 50;
  st.firstSend = t0;
  let n = 0;
  // Open loop: message n is due at t0 + n / rate, whatever the acks do (bounded at twice the duration).
  while (n < total && performance.now() < t0 + 2 * stepDuration * 1000 + 30000) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    while (n < due) {
      if (senders.length) send(stepIndex, st, senders[n % senders.length], n, pad);
      n++;
    }
    await sleep(5);
  }
  const sendEnd = performance.now();
  // Drain: every ack back (each one bounded by ack_timeout), then every expected delivery or the grace period.
  const ackDeadline = sendEnd + opt.ackTimeout * 1000 + 1000;
  while (st.pendingAcks > 0 && performance.now() < ackDeadline) await sleep(20);
  const deadline = performance.now() + opt.grace * 1000;
  let exp = expectedOf(stepIndex);
  while (st.delivered < exp.expected && performance.now() < deadline) {
    await sleep(20);
    exp = expectedOf(stepIndex);
  }
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const lat = Float64Array.from(st.latency).sort();
  const ackMs = Float64Array.from(st.ackMs).sort();
  const ackErrorCount = Object.values(st.ackErrors).reduce((a, b) => a + b, 0);
  const connected = sockets.filter((s) => s?.connected).length;
  const missing = exp.expected - st.delivered;
  const window = Math.max(stepDuration * 1000, (st.lastDelivery || end) - t0);
  const fanout = senders.length ? senders.reduce((a, r) => a + rooms[r].members.length - 1, 0) / senders.length : 0;
  const result = {
    step: stepIndex,
    rate,
    duration: stepDuration,
    users: users.length,
    connected,
    connect_failures: connectFailures,
    senders: senders.length,
    sent: st.sent,
    acked: st.acked,
    ack_errors: st.ackErrors,
    expected: exp.expected,
    delivered: st.delivered,
    missing,
    lost: missing,
    delivered_unacked: exp.deliveredUnacked,
    duplicates: st.duplicates,
    out_of_order: st.outOfOrder,
    own_echoes: st.ownEchoes,
    p50_ms: percentile(lat, 50),
    p90_ms: percentile(lat, 90),
    p99_ms: percentile(lat, 99),
    max_ms: percentile(lat, 100),
    ack_p50_ms: percentile(ackMs, 50),
    ack_p99_ms: percentile(ackMs, 99),
    send_s: round((sendEnd - t0) / 1000),
    step_s: round((end - t0) / 1000),
    delivered_per_s: round((st.delivered * 1000) / window, 1),
    offered_deliveries_per_s: round(rate * fanout, 1),
    driver_cpu_pct: round(((cpu.user + cpu.system) / 1000 / (end - t0)) * 100, 1),
    driver_loop_delay_p99_ms: round(loop.percentile(99) / 1e6),
  };
  const reasons = [];
  if (missing > 0) reasons.push(`missing ${missing}`);
  if (st.duplicates > 0) reasons.push(`duplicates ${st.duplicates}`);
  if (result.p99_ms == null || result.p99_ms >= opt.maxP99) reasons.push(`p99 ${result.p99_ms} ms`);
  if (ackErrorCount > opt.maxAckErrors) reasons.push(`ack errors ${ackErrorCount}`);
  if (connectFailures > 0 || connected < users.length) reasons.push(`connected ${connected}/${users.length}`);
  if (st.sent === 0) reasons.push("nothing sent");
  result.passed = reasons.length === 0;
  result.fail_reasons = reasons;
  // free the step's per-message state (later deliveries of it count as unknown)
  for (const [k, rec] of records) if (rec.step === stepIndex) records.delete(k);
  st.latency = [];
  st.ackMs = [];
  emit({ event: "step_end", step: result });
  await handshake();
  return result;
}

// ------------------------------------------------------------------ reconnect storm

async function storm(k) {
  // K users (spread over the rooms, senders last) drop at once, then reconnect at once.
  const order = [];
  for (let u = 0; u < users.length; u++) if (posOf[u] !== 0) order.push(u);
  for (let u = 0; u < users.length; u++) if (posOf[u] === 0) order.push(u);
  const chosen = order.filter((u) => sockets[u]?.connected).slice(0, k);
  emit({ event: "storm_start", users: chosen.length });
  for (const u of chosen) sockets[u].disconnect();
  await sleep(opt.stormPause * 1000);
  const t0 = performance.now();
  const before = { ...connectErrors };
  const times = await Promise.all(chosen.map((u) => connectOnce(u, sockets[u])));
  const allBack = performance.now() - t0;
  const ok = times.filter((x) => x != null).sort((a, b) => a - b);
  const errors = {};
  for (const [key, v] of Object.entries(connectErrors)) if (v !== (before[key] ?? 0)) errors[key] = v - (before[key] ?? 0);
  const result = {
    users: chosen.length,
    pause_s: opt.stormPause,
    reconnected: ok.length,
    failed: chosen.length - ok.length,
    errors,
    all_back_ms: round(allBack),
    reconnect_p50_ms: percentile(ok, 50),
    reconnect_p99_ms: percentile(ok, 99),
    reconnect_max_ms: percentile(ok, 100),
  };
  emit({ event: "storm_end", storm: result });
  return result;
}

// ------------------------------------------------------------------ main

async function main() {
  const connect = await connectAll();
  emit({ event: "connected", ...connect });
  await sleep(1000); // let the server finish the connects' presence traffic
  const done = [];
  for (let i = 0; i < rates.length; i++) {
    const step = await runStep(i, rates[i]);
    done.push(step);
    if (!step.passed && !cfg.continue_on_fail) break;
  }
  const stormResult = opt.storm > 0 ? await storm(opt.storm) : null;
  const passedSteps = done.filter((s) => s.passed);
  finished = true;
  emit({
    event: "result",
    driver: "socket.io-client",
    client_version: cfg.client_version ?? null,
    node: process.version,
    url: cfg.url,
    urls,
    tag,
    room_size: rooms.length ? Math.max(...rooms.map((r) => r.members.length)) : 0,
    body_size: opt.bodySize,
    max_p99_ms: opt.maxP99,
    connect,
    steps: done,
    best_rate: passedSteps.length ? passedSteps[passedSteps.length - 1].rate : null,
    storm: stormResult,
    unknown_messages: unknown,
    driver_rss_mb: round(process.memoryUsage().rss / 2 ** 20, 1),
    runtime_s: round((performance.now() - started) / 1000),
  });
  for (const s of sockets) s?.disconnect();
}

main().then(
  () => setTimeout(() => process.exit(0), 200),
  (err) => {
    emit({ event: "error", error: String(err?.stack ?? err) });
    process.exit(1);
  },
);
