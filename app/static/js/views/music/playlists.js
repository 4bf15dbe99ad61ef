// Playlists: mine (create, open), and one playlist: play it all, rename, share (public), delete,
// and order its tracks by dragging (or with the up/down buttons, from the keyboard).
import "../../i18n/music.js";
import { clear, confirmBox, el, errorText, toast } from "../../dom.js";
import { displayName } from "../../components/avatar.js";
import { emptyState, loadingState } from "../../components/states.js";
import { clock, musicIcon } from "../../components/music-icons.js";
import { markRows, playList } from "../../components/player.js";
import { trackRow } from "../../components/track.js";
import { t } from "../../i18n.js";
import * as store from "../../stores/music.js";
import { isMe } from "../../stores/session.js";
import { frame, rowActions } from "./common.js";

const { music } = store;

/** The list of my playlists and a form to make one. */
export async function playlistsPage({ view, go }) {
  const name = el("input", { type: "text", id: "playlist-name", maxlength: "100", required: true, placeholder: t("music.playlist_name"), "aria-label": t("music.playlist_name") });
  const form = el("form", { class: "row new-playlist" }, name, el("button", { type: "submit", text: t("music.create") }));
  const list = el("section", { class: "card", id: "playlists" });
  frame(view, "playlists", el("section", { class: "card" }, el("h2", { text: t("music.new_playlist") }), form), list);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const pl = await store.createPlaylist(name.value.trim());
      go(`#/music/playlists/${pl.id}`);
    } catch (err) { toast(errorText(err), "error"); }
  });
  const draw = () => {
    const { playlists } = music.get();
    if (!playlists.loaded) { clear(list, loadingState()); return; }
    clear(list, playlists.items.length ? el("ul", { class: "playlist-list" }, playlists.items.map((pl) => el("li", {},
      el("a", { class: "playlist-item", href: `#/music/playlists/${pl.id}` },
        el("span", { class: "pl-icon" }, musicIcon("note")),
        el("span", { class: "grow" }, el("strong", { text: pl.name }),
          el("span", { class: "muted small", text: ` · ${t("music.playlist_tracks", { count: pl.track_count })} · ${clock(pl.duration_s)}` })),
        el("span", { class: "muted small", text: pl.public ? t("music.playlist_public") : t("music.playlist_private") })))))
      : emptyState(t("music.no_playlists")));
  };
  const unsub = music.subscribe((s) => s.playlists, draw);
  draw();
  await store.loadPlaylists();
  return unsub;
}

function moveTo(tracks, from, to) {
  const next = tracks.slice();
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

/** One playlist: its tracks in order, draggable for its owner. */
export async function playlistPage({ view, args, go }) {
  const id = Number(args.id);
  const head = el("div", { class: "playlist-head" });
  const body = el("section", { class: "card", id: "playlist-tracks" });
  frame(view, "playlists", head, body);
  let dragFrom = null;

  const save = (tracks) => store.setPlaylistTracks(id, tracks).catch((err) => toast(errorText(err), "error"));

  const drawHead = (pl) => {
    const mine = isMe(pl.owner.id);
    const title = el("h2", { class: "grow", text: pl.name });
    const actions = el("div", { class: "row" },
      el("button", { type: "button", id: "play-all", disabled: !pl.tracks.length, onclick: () => playList(pl.tracks, 0) }, musicIcon("play"), el("span", { text: t("music.playlist_play") })));
    if (mine) {
      const visibility = el("label", { class: "row small" },
        el("input", { type: "checkbox", id: "playlist-public", checked: pl.public, onchange: (e) => store.editPlaylist(id, { public: e.target.checked }).catch((err) => toast(errorText(err), "error")) }),
        el("span", { text: t("music.playlist_public") }));
      actions.append(visibility,
        el("button", { type: "button", class: "ghost small", text: t("music.playlist_rename"), onclick: () => {
          const input = el("input", { type: "text", value: pl.name, maxlength: "100", "aria-label": t("music.playlist_name") });
          const form = el("form", { class: "row grow" }, input, el("button", { type: "submit", class: "small", text: t("music.save") }));
          form.addEventListener("submit", async (e) => {
            e.preventDefault();
            try { await store.editPlaylist(id, { name: input.value.trim() }); } catch (err) { toast(errorText(err), "error"); }
          });
          title.replaceWith(form);
          input.focus();
        } }),
        el("button", { type: "button", class: "danger-ghost small", text: t("music.playlist_delete"), onclick: async () => {
          if (!(await confirmBox(t("music.playlist_delete_confirm", { name: pl.name }), t("music.playlist_delete")))) return;
          try { await store.deletePlaylist(id); go("#/music/playlists"); } catch (err) { toast(errorText(err), "error"); }
        } }));
    }
    clear(head, el("section", { class: "card" },
      el("div", { class: "row" }, title, el("span", { class: "muted small", text: `${t("music.playlist_tracks", { count: pl.tracks.length })} · ${clock(pl.tracks.reduce((a, x) => a + x.duration_s, 0))}` })),
      mine ? null : el("p", { class: "muted small", text: t("music.playlist_by", { name: displayName(pl.owner) }) }),
      actions));
  };

  const drawTracks = (pl) => {
    const mine = isMe(pl.owner.id);
    const tracks = pl.tracks;
    if (!tracks.length) { clear(body, emptyState(t("music.playlist_empty"))); return; }
    const ul = el("ul", { class: `track-list${mine ? " sortable" : ""}` }, tracks.map((track, index) => {
      const extra = mine ? [
        el("button", { type: "button", class: "icon tr-up", title: t("music.move_up"), "aria-label": t("music.move_up"), disabled: index === 0, onclick: () => save(moveTo(tracks, index, index - 1)) }, musicIcon("up")),
        el("button", { type: "button", class: "icon tr-down", title: t("music.move_down"), "aria-label": t("music.move_down"), disabled: index === tracks.length - 1, onclick: () => save(moveTo(tracks, index, index + 1)) }, musicIcon("down")),
        el("button", { type: "button", class: "icon tr-remove", title: t("music.remove_from_playlist"), "aria-label": t("music.remove_from_playlist"), onclick: () => save(tracks.filter((_x, i) => i !== index)) }, musicIcon("close")),
      ] : [];
      const handle = mine ? el("span", { class: "tr-handle", title: t("music.playlist_drag_hint"), "aria-hidden": "true" }, musicIcon("drag")) : null;
      const row = trackRow(track, { list: tracks, index, handle, actions: [...rowActions(track), ...extra] });
      row.dataset.index = String(index);
      if (mine) {
        row.draggable = true;
        row.addEventListener("dragstart", (e) => { dragFrom = index; row.classList.add("dragging"); e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", String(index)); });
        row.addEventListener("dragend", () => { row.classList.remove("dragging"); dragFrom = null; });
        row.addEventListener("dragover", (e) => { if (dragFrom !== null) { e.preventDefault(); row.classList.add("drop-target"); } });
        row.addEventListener("dragleave", () => row.classList.remove("drop-target"));
        row.addEventListener("drop", (e) => {
          e.preventDefault();
          row.classList.remove("drop-target");
          const from = dragFrom ?? Number(e.dataTransfer.getData("text/plain"));
          if (Number.isInteger(from) && from !== index) save(moveTo(tracks, from, index));
        });
      }
      return row;
    }));
    markRows(ul);
    clear(body, mine ? el("p", { class: "muted small", text: t("music.playlist_drag_hint") }) : null, ul);
  };

  const draw = () => {
    const pl = music.get().playlist.get(id);
    if (!pl) { clear(body, loadingState()); return; }
    drawHead(pl);
    drawTracks(pl);
  };
  const unsub = music.subscribe((s) => s.playlist.get(id), draw);
  await store.loadPlaylist(id);
  draw();
  return unsub;
}
