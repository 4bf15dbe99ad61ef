// The music screen: my music (upload, who is listening now), search over every track, a person's
// uploads, and playlists (playlists.js). Lists redraw from stores/music.js; the player bar is elsewhere.
import "../../i18n/music.js";
import { api } from "../../api.js";
import { clear, debounce, el, errorText, toast } from "../../dom.js";
import { avatar, displayName } from "../../components/avatar.js";
import { loadingState } from "../../components/states.js";
import { musicIcon } from "../../components/music-icons.js";
import { trackRow } from "../../components/track.js";
import { t } from "../../i18n.js";
import * as store from "../../stores/music.js";
import { frame, trackList } from "./common.js";
import { playlistPage, playlistsPage } from "./playlists.js";

const { music } = store;

function uploadBox() {
  const file = el("input", { type: "file", id: "track-file", accept: "audio/*,.mp3,.ogg,.opus,.m4a,.aac,.flac,.wav", class: "visually-hidden" });
  const status = el("span", { class: "muted small upload-status", role: "status", text: t("music.upload_hint") });
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    file.value = "";
    if (!chosen) return;
    status.textContent = t("music.uploading", { name: chosen.name });
    try {
      const track = await store.upload(chosen);
      status.textContent = t("music.upload_hint");
      toast(t("music.uploaded", { title: track.title }), "ok");
    } catch (err) {
      status.textContent = t("music.upload_hint");
      toast(errorText(err), "error");
    }
  });
  return el("div", { class: "upload-box row" },
    el("label", { class: "button", for: "track-file" }, musicIcon("upload"), el("span", { text: t("music.upload") })), file, status);
}

function listeningNow(listening) {
  const items = [...listening.values()].filter((x) => x.track);
  if (!items.length) return null;
  return el("section", { class: "card listening" }, el("h2", { text: t("music.listening_now") }),
    el("ul", { class: "listening-list" }, items.map((x) => el("li", { class: "listening-item", dataset: { userId: String(x.user_id) } },
      el("div", { class: "row who" }, avatar(x.user, "sm"), el("span", { class: "small", text: `${displayName(x.user)} ${t("music.listening_to", { title: x.track.title })}` })),
      trackRow(x.track, { compact: true })))));
}

async function myMusicPage({ view }) {
  const list = el("section", { class: "card", id: "my-music" });
  const listening = el("div", {});
  frame(view, "mine", uploadBox(), listening, list);
  const draw = () => {
    const { mine } = music.get();
    clear(list, mine.loaded ? trackList(mine.items, { empty: t("music.empty_mine"), more: mine.next ? () => store.loadMine(true) : null }) : loadingState());
  };
  const drawListening = () => clear(listening, listeningNow(music.get().listening));
  const unsubs = [music.subscribe((s) => s.mine, draw), music.subscribe((s) => s.listening, drawListening)];
  draw();
  drawListening();
  await store.loadMine();
  return () => unsubs.forEach((u) => u());
}

async function searchPage({ view, params }) {
  const q = params.get("q") || "";
  const input = el("input", { type: "search", id: "music-search", value: q, placeholder: t("music.search_placeholder"), "aria-label": t("music.search_label"), autocomplete: "off" });
  const results = el("section", { class: "card", id: "search-results" });
  frame(view, "search", el("div", { class: "music-search" }, input), results);
  const draw = () => {
    const { search } = music.get();
    if (!search.loaded) { clear(results, loadingState()); return; }
    const more = search.next ? () => store.search(search.q, true) : null;
    clear(results, search.q || search.items.length
      ? trackList(search.items, { empty: t("music.empty_search"), more })
      : el("p", { class: "muted", text: t("music.search_prompt") }));
  };
  const unsub = music.subscribe((s) => s.search, draw);
  const run = debounce((value) => {
    history.replaceState(null, "", `#/music/search${value ? `?q=${encodeURIComponent(value)}` : ""}`);
    store.search(value).catch((err) => toast(errorText(err), "error"));
  }, 250);
  input.addEventListener("input", () => run(input.value.trim()));
  draw();
  await store.search(q);
  input.focus();
  return unsub;
}

async function uploadsPage({ view, args }) {
  const userId = Number(args.id);
  const user = await api("GET", `/users/${userId}`);
  const list = el("section", { class: "card", id: "user-tracks" });
  const pls = el("div", { class: "public-playlists" });
  frame(view, null, el("div", { class: "row person-head" }, avatar(user), el("h2", { text: t("music.uploads_of", { name: displayName(user) }) })), pls, list);
  const draw = () => {
    const data = music.get().uploads.get(userId);
    clear(list, data ? trackList(data.items, { empty: t("music.empty_uploads"), more: data.next ? () => store.loadUploads(userId, true) : null }) : loadingState());
  };
  const unsub = music.subscribe((s) => s.uploads, draw);
  draw();
  await store.loadUploads(userId);
  const shared = await api("GET", `/playlists?user_id=${userId}`).catch(() => ({ items: [] }));
  clear(pls, shared.items.length ? el("ul", { class: "chip-list" }, shared.items.map((pl) =>
    el("li", {}, el("a", { class: "chip", href: `#/music/playlists/${pl.id}`, text: `${pl.name} · ${t("music.playlist_tracks", { count: pl.track_count })}` })))) : null);
  return unsub;
}

export const musicRoutes = [
  { path: "/music", name: "music", auth: true, render: myMusicPage },
  { path: "/music/search", name: "music-search", auth: true, render: searchPage },
  { path: "/music/playlists", name: "music-playlists", auth: true, render: playlistsPage },
  { path: "/music/playlists/:id", name: "music-playlist", auth: true, render: playlistPage },
  { path: "/music/users/:id", name: "music-user", auth: true, render: uploadsPage },
];
