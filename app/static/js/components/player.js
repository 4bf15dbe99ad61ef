// The one player bar: mounted once, outside the routed view (main.js), so it keeps playing while the
// user moves through chats, the marketplace and the feed. One <audio> element; the queue lives in
// stores/music.js. Play/pause, previous/next through the list, seek, volume, shuffle, repeat,
// keyboard shortcuts, and the operating system's media keys and lock screen (Media Session API).
import "../i18n/music.js";
import { clear, el, toast } from "../dom.js";
import { onLocale, t } from "../i18n.js";
import * as store from "../stores/music.js";
import { clock, musicIcon } from "./music-icons.js";

const { music } = store;
const VOLUME_KEY = "mc.volume";

let audio = null;
let bar = null;
let order = []; // the order of the queue's indexes when shuffled (else 0..n-1)
let retried = null; // the track id whose expired stream_url was renewed once already
let announced = null;
let seeking = false;
const ui = {};

const player = () => music.get().player;

function buildOrder(current) {
  const n = player().queue.length;
  const rest = [...Array(n).keys()].filter((i) => i !== current);
  if (player().shuffle) {
    for (let i = rest.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [rest[i], rest[j]] = [rest[j], rest[i]];
    }
    order = current >= 0 ? [current, ...rest] : rest;
  } else {
    order = [...Array(n).keys()];
  }
}

function load(index, { autoplay = true, at = 0 } = {}) {
  const track = player().queue[index];
  if (!track) return;
  store.setPlayer({ index });
  if (audio.dataset.trackId !== String(track.id)) retried = null;
  audio.dataset.trackId = String(track.id);
  audio.src = track.stream_url;
  if (at) audio.currentTime = at;
  if (autoplay) audio.play().catch(() => store.setPlayer({ playing: false }));
  updateMediaSession(track);
}

/** Play `tracks` (a list as shown: my music, a playlist, a search, one message's track) from `index`. */
export function playList(tracks, index = 0) {
  if (!tracks.length) return;
  store.setPlayer({ queue: tracks.slice(), index });
  buildOrder(index);
  load(index);
}

/** Is this track the one the player is on? */
export function isCurrent(trackId) {
  return store.currentTrack()?.id === trackId;
}

/** Play or pause the current track. */
export function toggle() {
  if (!store.currentTrack()) return;
  if (audio.paused) audio.play().catch(() => {});
  else audio.pause();
}

/** The next track of the list (by the shuffled order when shuffling); past the end only with repeat all. */
export function next(auto = false) {
  const { index, repeat } = player();
  if (!player().queue.length) return;
  let pos = order.indexOf(index) + 1;
  if (pos >= order.length) {
    if (repeat !== "all" && auto) { audio.pause(); audio.currentTime = 0; announce(null); return; }
    if (player().shuffle) buildOrder(-1);
    pos = 0;
  }
  load(order[pos]);
}

/** Back to the start of the track, or (in its first 3 seconds) the previous one. */
export function prev() {
  if (!player().queue.length) return;
  if (audio.currentTime > 3) { audio.currentTime = 0; return; }
  const pos = order.indexOf(player().index) - 1;
  load(order[pos >= 0 ? pos : order.length - 1]);
}

/** Jump to `seconds` in the current track. */
export function seek(seconds) {
  if (!store.currentTrack() || !Number.isFinite(seconds)) return;
  const end = Number.isFinite(audio.duration) ? audio.duration : store.currentTrack().duration_s;
  audio.currentTime = Math.max(0, Math.min(seconds, end || seconds));
}

function setVolume(volume, muted = player().muted) {
  audio.volume = Math.max(0, Math.min(1, volume));
  audio.muted = muted;
  store.setPlayer({ volume: audio.volume, muted });
  try { localStorage.setItem(VOLUME_KEY, JSON.stringify({ volume: audio.volume, muted })); } catch { /* not kept */ }
}

function cycleRepeat() {
  const nextMode = { off: "all", all: "one", one: "off" }[player().repeat];
  store.setPlayer({ repeat: nextMode });
  audio.loop = nextMode === "one";
}

function toggleShuffle() {
  store.setPlayer({ shuffle: !player().shuffle });
  buildOrder(player().index);
}

/** Stop, forget the list and hide the bar. */
export function close() {
  audio.pause();
  audio.removeAttribute("src");
  delete audio.dataset.trackId;
  audio.load();
  store.setPlayer({ queue: [], index: -1, playing: false });
  playbackState("none");
  if ("mediaSession" in navigator) navigator.mediaSession.metadata = null;
  announce(null);
}

function announce(trackId) {
  if (announced === trackId) return;
  announced = trackId;
  store.announceListening(trackId);
}

// ---- Media Session: media keys, headset buttons, the lock screen ----

function updateMediaSession(track) {
  if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
  const artwork = track.cover_url ? [{ src: new URL(track.cover_url, location.href).href, sizes: "600x600" }] : [];
  navigator.mediaSession.metadata = new MediaMetadata({ title: track.title, artist: track.artist, album: track.album, artwork });
}

function installMediaSession() {
  if (!("mediaSession" in navigator)) return;
  const actions = {
    play: () => audio.play().catch(() => {}),
    pause: () => audio.pause(),
    previoustrack: () => prev(),
    nexttrack: () => next(),
    seekbackward: (d) => seek(audio.currentTime - (d.seekOffset || 10)),
    seekforward: (d) => seek(audio.currentTime + (d.seekOffset || 10)),
    seekto: (d) => seek(d.seekTime),
    stop: () => close(),
  };
  for (const [action, fn] of Object.entries(actions)) {
    try { navigator.mediaSession.setActionHandler(action, fn); } catch { /* this browser lacks the action */ }
  }
}

function playbackState(state) {
  if ("mediaSession" in navigator) navigator.mediaSession.playbackState = state;
}

function positionState() {
  if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
  if (!Number.isFinite(audio.duration) || audio.duration <= 0) return;
  try {
    navigator.mediaSession.setPositionState({ duration: audio.duration, playbackRate: audio.playbackRate, position: Math.min(audio.currentTime, audio.duration) });
  } catch { /* a position the browser refuses: skipped */ }
}

// ---- keyboard ----

function typing(target) {
  return target instanceof Element && (target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']") !== null);
}

function onKey(e) {
  if (!store.currentTrack() || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
  if (e.target instanceof Element && e.target.closest("button, a") && (e.key === " " || e.key === "Enter")) return;
  if (e.key === " " || e.key === "k" || e.key === "K") { e.preventDefault(); toggle(); }
  else if (e.key === "ArrowRight" && e.shiftKey) { e.preventDefault(); next(); }
  else if (e.key === "ArrowLeft" && e.shiftKey) { e.preventDefault(); prev(); }
  else if (e.key === "ArrowRight" && !(e.target instanceof Element && e.target.closest("[role=slider], input[type=range]"))) { e.preventDefault(); seek(audio.currentTime + 5); }
  else if (e.key === "ArrowLeft" && !(e.target instanceof Element && e.target.closest("[role=slider], input[type=range]"))) { e.preventDefault(); seek(audio.currentTime - 5); }
  else if (e.key === "m" || e.key === "M") setVolume(audio.volume, !audio.muted);
}

// ---- the bar ----

function button(name, label, onclick, cls = "") {
  return el("button", { type: "button", class: `icon pl-btn ${cls}`.trim(), title: label, "aria-label": label, onclick }, musicIcon(name));
}

function build() {
  ui.cover = el("span", { class: "pl-cover" });
  ui.title = el("div", { class: "pl-title" });
  ui.artist = el("div", { class: "pl-artist" });
  ui.play = button("play", t("music.play"), () => toggle(), "pl-play");
  ui.prev = button("prev", t("player.prev"), () => prev(), "pl-prev");
  ui.next = button("next", t("player.next"), () => next(), "pl-next");
  ui.shuffle = button("shuffle", t("player.shuffle"), toggleShuffle, "pl-shuffle");
  ui.repeat = button("repeat", t("player.repeat_off"), cycleRepeat, "pl-repeat");
  ui.mute = button("volume", t("player.mute"), () => setVolume(audio.volume, !audio.muted), "pl-mute");
  ui.close = button("close", t("player.close"), close, "pl-close");
  ui.pos = el("span", { class: "pl-time pl-pos", text: "0:00" });
  ui.dur = el("span", { class: "pl-time pl-dur", text: "0:00" });
  ui.seek = el("input", { type: "range", class: "pl-seek", min: "0", max: "0", step: "0.1", value: "0", "aria-label": t("player.seek") });
  ui.volume = el("input", { type: "range", class: "pl-volume", min: "0", max: "1", step: "0.05", value: String(player().volume), "aria-label": t("player.volume") });
  ui.seek.addEventListener("input", () => { seeking = true; ui.pos.textContent = clock(ui.seek.value); });
  ui.seek.addEventListener("change", () => { seeking = false; seek(Number(ui.seek.value)); });
  ui.volume.addEventListener("input", () => setVolume(Number(ui.volume.value), false));
  // The <audio> element stays where it is (outside ui.inner): moving a playing element could pause it.
  clear(ui.inner,
    el("div", { class: "pl-now" }, ui.cover, el("div", { class: "pl-text" }, ui.title, ui.artist)),
    el("div", { class: "pl-controls" }, ui.shuffle, ui.prev, ui.play, ui.next, ui.repeat),
    el("div", { class: "pl-progress" }, ui.pos, ui.seek, ui.dur),
    el("div", { class: "pl-side" }, ui.mute, ui.volume, ui.close));
  progress();
}

function render() {
  const p = player();
  const track = store.currentTrack();
  bar.hidden = !track;
  document.body.classList.toggle("has-player", Boolean(track));
  if (!track) return;
  ui.title.textContent = track.title;
  ui.artist.textContent = track.artist || t("music.unknown_artist");
  bar.title = t("player.keys");
  clear(ui.cover, track.cover_url ? el("img", { src: track.cover_url, alt: "" }) : musicIcon("note"));
  clear(ui.play, musicIcon(p.playing ? "pause" : "play"));
  ui.play.setAttribute("aria-label", p.playing ? t("music.pause") : t("music.play"));
  ui.play.title = ui.play.getAttribute("aria-label");
  ui.shuffle.classList.toggle("on", p.shuffle);
  ui.shuffle.setAttribute("aria-pressed", String(p.shuffle));
  ui.repeat.classList.toggle("on", p.repeat !== "off");
  clear(ui.repeat, musicIcon(p.repeat === "one" ? "repeat_one" : "repeat"));
  const repeatLabel = t(`player.repeat_${p.repeat}`);
  ui.repeat.setAttribute("aria-label", repeatLabel);
  ui.repeat.title = repeatLabel;
  clear(ui.mute, musicIcon(p.muted || p.volume === 0 ? "mute" : "volume"));
  ui.mute.setAttribute("aria-label", p.muted ? t("player.unmute") : t("player.mute"));
  ui.volume.value = String(p.muted ? 0 : p.volume);
  ui.next.disabled = p.queue.length < 2 && p.repeat !== "all"; // prev stays: it goes back to the start
  markRows();
}

/** Mark every track row on the page that shows the current track (rows carry data-track-id). */
export function markRows(root = document) {
  const track = store.currentTrack();
  const playing = player().playing;
  for (const row of root.querySelectorAll("[data-track-id]")) {
    if (row === audio) continue;
    const current = Boolean(track) && row.dataset.trackId === String(track.id);
    row.classList.toggle("is-current", current);
    row.classList.toggle("is-playing", current && playing);
    const btn = row.querySelector(".tr-play");
    if (btn) {
      clear(btn, musicIcon(current && playing ? "pause" : "play"));
      btn.setAttribute("aria-label", current && playing ? t("music.pause") : t("music.play_track", { title: row.dataset.title || "" }));
    }
  }
}

function progress() {
  const duration = Number.isFinite(audio.duration) ? audio.duration : store.currentTrack()?.duration_s || 0;
  ui.seek.max = String(duration);
  ui.dur.textContent = clock(duration);
  if (!seeking) {
    ui.seek.value = String(audio.currentTime);
    ui.pos.textContent = clock(audio.currentTime);
  }
}

async function onError() {
  const track = store.currentTrack();
  if (!track || !audio.getAttribute("src")) return;
  if (retried !== track.id) {
    // Most likely the signed stream_url expired: ask for the track again and go on where it was.
    retried = track.id;
    const at = audio.currentTime;
    try {
      const fresh = await store.refreshTrack(track.id);
      if (store.currentTrack()?.id !== track.id) return;
      audio.src = fresh.stream_url;
      if (at) audio.currentTime = at;
      await audio.play();
      return;
    } catch { /* fall through: the track is gone or unplayable */ }
  }
  store.setPlayer({ playing: false });
  toast(t("player.failed"), "error");
}

/** Build the bar into `container` once (main.js); later calls do nothing. */
export function mountPlayer(container) {
  if (bar) return;
  bar = container;
  bar.classList.add("player-bar");
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", t("player.label"));
  audio = el("audio", { id: "player-audio", preload: "auto" });
  try {
    const saved = JSON.parse(localStorage.getItem(VOLUME_KEY) || "null");
    if (saved) store.setPlayer({ volume: Number(saved.volume) || 0, muted: Boolean(saved.muted) });
  } catch { /* defaults */ }
  audio.volume = player().volume;
  audio.muted = player().muted;
  ui.inner = el("div", { class: "pl-inner" });
  clear(bar, ui.inner, audio);
  build();
  onLocale(() => { build(); render(); });
  audio.addEventListener("play", () => { store.setPlayer({ playing: true }); playbackState("playing"); announce(store.currentTrack()?.id ?? null); });
  audio.addEventListener("pause", () => { store.setPlayer({ playing: false }); playbackState("paused"); });
  audio.addEventListener("ended", () => { if (player().repeat !== "one") next(true); });
  audio.addEventListener("timeupdate", () => { progress(); positionState(); });
  audio.addEventListener("loadedmetadata", progress);
  audio.addEventListener("durationchange", progress);
  audio.addEventListener("error", onError);
  music.subscribe((s) => s.player, render);
  installMediaSession();
  document.addEventListener("keydown", onKey);
  render();
}
