// Music's state: my music, search results, a person's uploads, playlists, who is listening to what,
// and the player's queue. Views and the player bar subscribe here; events.js feeds `listening` in.
import { api } from "../api.js";
import { call } from "../net.js";
import { createStore, withKey } from "./store.js";

const fresh = () => ({
  mine: { items: [], next: null, loaded: false },
  search: { q: "", items: [], next: null, loaded: false },
  uploads: new Map(), // user id -> {items, next, loaded}
  playlists: { items: [], loaded: false },
  playlist: new Map(), // playlist id -> playlist with tracks
  listening: new Map(), // user id -> {user_id, track, at}
  // The player: the list it plays from, the position in it, and how it plays.
  player: { queue: [], index: -1, playing: false, shuffle: false, repeat: "off", volume: 1, muted: false },
});

export const music = createStore(fresh());

/** Forget everything (logout). */
export function reset() {
  const { volume, muted } = music.get().player;
  music.set({ ...fresh(), player: { ...fresh().player, volume, muted } });
}

const page = (q) => new URLSearchParams(Object.entries(q).filter(([, v]) => v !== null && v !== undefined && v !== "")).toString();

/** Replace a track everywhere it is listed (after add/remove/edit), so every view shows the same thing. */
function patchTrack(id, patch) {
  const fix = (items) => items.map((tr) => (tr.id === id ? { ...tr, ...patch } : tr));
  const s = music.get();
  const uploads = new Map([...s.uploads].map(([k, v]) => [k, { ...v, items: fix(v.items) }]));
  const playlist = new Map([...s.playlist].map(([k, v]) => [k, { ...v, tracks: fix(v.tracks || []) }]));
  const queue = fix(s.player.queue);
  music.set({
    mine: { ...s.mine, items: fix(s.mine.items) },
    search: { ...s.search, items: fix(s.search.items) },
    uploads,
    playlist,
    player: { ...s.player, queue },
  });
}

function dropTrack(id) {
  const s = music.get();
  const drop = (items) => items.filter((tr) => tr.id !== id);
  music.set({
    mine: { ...s.mine, items: drop(s.mine.items) },
    search: { ...s.search, items: drop(s.search.items) },
    uploads: new Map([...s.uploads].map(([k, v]) => [k, { ...v, items: drop(v.items) }])),
    playlist: new Map([...s.playlist].map(([k, v]) => [k, { ...v, tracks: drop(v.tracks || []) }])),
  });
}

/** My music (first page, or the next one with more=true). */
export async function loadMine(more = false) {
  const cur = music.get().mine;
  const res = await api("GET", `/music?${page({ limit: 50, before: more ? cur.next : null })}`);
  music.set({ mine: { items: more ? [...cur.items, ...res.items] : res.items, next: res.next, loaded: true } });
}

let searchTicket = 0;
/** Search every track by title and artist (an answer to an older query than the last one is dropped). */
export async function search(q, more = false) {
  const ticket = ++searchTicket;
  const cur = music.get().search;
  const res = await api("GET", `/tracks?${page({ q, limit: 50, before: more ? cur.next : null })}`);
  if (ticket !== searchTicket) return;
  music.set({ search: { q, items: more ? [...cur.items, ...res.items] : res.items, next: res.next, loaded: true } });
}

/** A person's uploads. */
export async function loadUploads(userId, more = false) {
  const cur = music.get().uploads.get(userId) || { items: [], next: null };
  const res = await api("GET", `/tracks?${page({ user_id: userId, limit: 50, before: more ? cur.next : null })}`);
  music.set({ uploads: withKey(music.get().uploads, userId, { items: more ? [...cur.items, ...res.items] : res.items, next: res.next, loaded: true }) });
}

/** Upload a file (title/artist optional); the new track tops my music. */
export async function upload(file, fields = {}) {
  const form = new FormData();
  form.append("file", file);
  for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v);
  const track = await api("POST", "/tracks", form);
  const s = music.get();
  music.set({ mine: { ...s.mine, items: [track, ...s.mine.items.filter((x) => x.id !== track.id)] } });
  return track;
}

/** Add someone's track to my music. */
export async function addToMine(track) {
  const saved = await api("PUT", `/music/${track.id}`);
  patchTrack(track.id, { in_my_music: true });
  const s = music.get();
  if (s.mine.loaded && !s.mine.items.some((x) => x.id === track.id)) music.set({ mine: { ...s.mine, items: [saved, ...s.mine.items] } });
  return saved;
}

/** Take a track out of my music. */
export async function removeFromMine(track) {
  await api("DELETE", `/music/${track.id}`);
  patchTrack(track.id, { in_my_music: false });
  const s = music.get();
  music.set({ mine: { ...s.mine, items: s.mine.items.filter((x) => x.id !== track.id) } });
}

/** Correct a track's title/artist/album (the uploader). */
export async function editTrack(id, patch) {
  const saved = await api("PATCH", `/tracks/${id}`, patch);
  patchTrack(id, { title: saved.title, artist: saved.artist, album: saved.album });
  return saved;
}

/** Delete my upload everywhere. */
export async function deleteTrack(id) {
  await api("DELETE", `/tracks/${id}`);
  dropTrack(id);
}

/** The track again, with a fresh signed stream_url (the old one expired). */
export async function refreshTrack(id) {
  const track = await api("GET", `/tracks/${id}`);
  patchTrack(id, { stream_url: track.stream_url });
  return track;
}

/** My playlists. */
export async function loadPlaylists() {
  const res = await api("GET", "/playlists");
  music.set({ playlists: { items: res.items, loaded: true } });
}

/** A playlist with its tracks. */
export async function loadPlaylist(id) {
  const pl = await api("GET", `/playlists/${id}`);
  music.set({ playlist: withKey(music.get().playlist, id, pl) });
  return pl;
}

function keepPlaylist(pl) {
  const s = music.get();
  const brief = { ...pl, tracks: null };
  const items = s.playlists.items.some((p) => p.id === pl.id)
    ? s.playlists.items.map((p) => (p.id === pl.id ? brief : p))
    : [brief, ...s.playlists.items];
  music.set({ playlists: { ...s.playlists, items }, playlist: withKey(s.playlist, pl.id, pl) });
  return pl;
}

/** A new playlist of mine. */
export async function createPlaylist(name) {
  return keepPlaylist(await api("POST", "/playlists", { name }));
}

/** Rename or share a playlist. */
export async function editPlaylist(id, patch) {
  return keepPlaylist(await api("PATCH", `/playlists/${id}`, patch));
}

/** Set a playlist's tracks in this order (drag, add, remove). Shown at once, put back if refused. */
export async function setPlaylistTracks(id, tracks) {
  const before = music.get().playlist.get(id);
  if (before) music.set({ playlist: withKey(music.get().playlist, id, { ...before, tracks }) });
  try {
    return keepPlaylist(await api("PUT", `/playlists/${id}/tracks`, { track_ids: tracks.map((x) => x.id) }));
  } catch (err) {
    if (before) music.set({ playlist: withKey(music.get().playlist, id, before) });
    throw err;
  }
}

/** Append a track to a playlist. */
export async function addToPlaylist(id, track) {
  const pl = music.get().playlist.get(id) || (await loadPlaylist(id));
  return setPlaylistTracks(id, [...(pl.tracks || []), track]);
}

/** Delete a playlist. */
export async function deletePlaylist(id) {
  await api("DELETE", `/playlists/${id}`);
  const s = music.get();
  music.set({ playlists: { ...s.playlists, items: s.playlists.items.filter((p) => p.id !== id) }, playlist: withKey(s.playlist, id, undefined) });
}

/** Send a track into a chat as a message (it plays inline there). */
export function shareToChat(track, chatId) {
  const clientId = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const payload = { chat_id: chatId, body: "", client_id: clientId, track_id: track.id };
  return call("message:send", payload, () => api("POST", "/messages", payload));
}

/** Tell the people allowed to see it what I play now (null: stopped); the server drops it unless I share. */
export function announceListening(trackId) {
  const payload = { track_id: trackId };
  return call("music:listening", payload, () => api("POST", "/music/listening", payload)).catch(() => {});
}

/** The player's state (queue, index, playing, shuffle, repeat, volume, muted) changes. */
export function setPlayer(patch) {
  music.set({ player: { ...music.get().player, ...patch } });
}

/** The track the player is on, or null. */
export function currentTrack() {
  const { queue, index } = music.get().player;
  return queue[index] || null;
}

/** Server events this store keeps (events.js dispatches them here). */
export const handlers = {
  listening(payload) {
    const next = payload.track ? { ...payload, at: Date.now() } : undefined;
    music.set({ listening: withKey(music.get().listening, payload.user_id, next) });
  },
};
