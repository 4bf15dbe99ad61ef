// A track as one row: play (through the one player), cover, title, artist, length, and "add to my
// music". Used by the music screen and inline in messages (a track shared in a chat plays there).
import "../i18n/music.js";
import { el, errorText, toast } from "../dom.js";
import { t } from "../i18n.js";
import * as store from "../stores/music.js";
import { clock, musicIcon } from "./music-icons.js";
import { isCurrent, playList, toggle } from "./player.js";

/** A small "add to / remove from my music" toggle for a track. */
export function myMusicButton(track) {
  const mine = track.in_my_music === true;
  const label = mine ? t("music.remove") : t("music.add");
  return el("button", {
    type: "button",
    class: `icon tr-add${mine ? " on" : ""}`,
    title: label,
    "aria-label": label,
    "aria-pressed": String(mine),
    onclick: async (e) => {
      e.stopPropagation();
      e.currentTarget.disabled = true;
      try {
        if (mine) { await store.removeFromMine(track); toast(t("music.removed")); } else { await store.addToMine(track); toast(t("music.added")); }
      } catch (err) { toast(errorText(err), "error"); }
    },
  }, musicIcon(mine ? "check" : "plus"));
}

/**
 * A track row. opts: {list, index} (what the player plays from), actions (extra nodes at the end),
 * handle (a drag handle node, for playlists), compact (inside a message bubble).
 */
export function trackRow(track, opts = {}) {
  const list = opts.list || [track];
  const index = opts.index ?? list.findIndex((x) => x.id === track.id);
  const current = isCurrent(track.id);
  const playing = current && store.music.get().player.playing;
  const play = el("button", {
    type: "button",
    class: "icon tr-play",
    "aria-label": playing ? t("music.pause") : t("music.play_track", { title: track.title }),
    onclick: (e) => {
      e.stopPropagation();
      if (isCurrent(track.id)) toggle();
      else playList(list, Math.max(0, index));
    },
  }, musicIcon(playing ? "pause" : "play"));
  const cover = el("span", { class: "tr-cover" }, track.cover_url ? el("img", { src: track.cover_url, alt: "", loading: "lazy" }) : musicIcon("note"));
  const text = el("div", { class: "tr-text" },
    el("div", { class: "tr-title", text: track.title }),
    el("div", { class: "tr-artist", text: track.artist || t("music.unknown_artist") }));
  return el(opts.compact ? "div" : "li", {
    class: `track-row${opts.compact ? " compact" : ""}${current ? " is-current" : ""}${playing ? " is-playing" : ""}`,
    dataset: { trackId: String(track.id), title: track.title },
  },
  opts.handle || null, play, cover, text,
  el("span", { class: "tr-dur", text: clock(track.duration_s) }),
  el("div", { class: "tr-actions" }, myMusicButton(track), ...(opts.actions || [])));
}
