// Pieces the music views share: the page frame with its tabs, the row actions (send to a chat, post to my wall, add to
// a playlist, correct, delete), and a list of track rows.
import "../../i18n/music.js";
import { clear, confirmBox, el, errorText, modal, toast } from "../../dom.js";
import { emptyState } from "../../components/states.js";
import { musicIcon } from "../../components/music-icons.js";
import { trackRow } from "../../components/track.js";
import { markRows } from "../../components/player.js";
import { t } from "../../i18n.js";
import * as messenger from "../../stores/messenger.js";
import * as store from "../../stores/music.js";
import { createPost } from "../../stores/social.js";
import { isMe } from "../../stores/session.js";

/** The music page: a title, the tabs (my music, search, playlists) and `body`. */
export function frame(view, active, ...body) {
  const tab = (href, key, name) => el("a", { href, class: `tab${active === name ? " active" : ""}`, text: t(key), "aria-current": active === name ? "page" : undefined });
  clear(view, el("div", { class: "music" },
    el("div", { class: "music-head" }, el("h1", { text: t("music.title") }),
      el("nav", { class: "tabs", "aria-label": t("music.title") },
        tab("#/music", "music.tab_mine", "mine"), tab("#/music/search", "music.tab_search", "search"), tab("#/music/playlists", "music.tab_playlists", "playlists"))),
    ...body));
}

function iconButton(name, label, onclick, cls = "") {
  return el("button", { type: "button", class: `icon ${cls}`.trim(), title: label, "aria-label": label, onclick: (e) => { e.stopPropagation(); onclick(e); } }, musicIcon(name));
}

async function shareDialog(track) {
  const list = el("ul", { class: "pick-list" });
  const dialog = modal(t("music.share_title"), list);
  try {
    await messenger.loadChats();
  } catch (err) { clear(list, el("li", { class: "error", text: errorText(err) })); return; }
  const chats = messenger.sortedChats();
  if (!chats.length) { clear(list, el("li", { class: "muted", text: t("music.share_none") })); return; }
  clear(list, chats.map((chat) => el("li", {},
    el("button", { type: "button", class: "pick secondary", dataset: { chatId: String(chat.id) }, text: messenger.chatTitle(chat), onclick: async () => {
      try {
        await store.shareToChat(track, chat.id);
        dialog.close();
        toast(t("music.shared"), "ok");
      } catch (err) { toast(errorText(err), "error"); }
    } }))));
}

async function playlistDialog(track) {
  const list = el("ul", { class: "pick-list" });
  const name = el("input", { type: "text", maxlength: "100", placeholder: t("music.playlist_name"), "aria-label": t("music.playlist_name") });
  const form = el("form", { class: "row" }, name, el("button", { type: "submit", class: "small", text: t("music.create") }));
  const dialog = modal(t("music.to_playlist_title"), list, form);
  const add = async (id, plName) => {
    try {
      await store.addToPlaylist(id, track);
      dialog.close();
      toast(t("music.added_to_playlist", { name: plName }), "ok");
    } catch (err) { toast(errorText(err), "error"); }
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!name.value.trim()) return;
    try {
      const pl = await store.createPlaylist(name.value.trim());
      await add(pl.id, pl.name);
    } catch (err) { toast(errorText(err), "error"); }
  });
  try { await store.loadPlaylists(); } catch (err) { clear(list, el("li", { class: "error", text: errorText(err) })); return; }
  const items = store.music.get().playlists.items;
  clear(list, items.length ? items.map((pl) => el("li", {},
    el("button", { type: "button", class: "pick secondary", text: pl.name, onclick: () => add(pl.id, pl.name) })))
    : el("li", { class: "muted", text: t("music.no_playlists") }));
}

function editDialog(track) {
  const field = (key, name, value) => {
    const input = el("input", { id: `tr-${name}`, name, type: "text", maxlength: "200", value: value || "" });
    return el("div", { class: "field" }, el("label", { for: `tr-${name}`, text: t(key) }), input);
  };
  const error = el("div", { class: "error", role: "alert" });
  const form = el("form", { class: "stack" },
    field("music.field_title", "title", track.title), field("music.field_artist", "artist", track.artist),
    field("music.field_album", "album", track.album), el("button", { type: "submit", text: t("music.save") }), error);
  const dialog = modal(t("music.edit_title"), form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await store.editTrack(track.id, Object.fromEntries(new FormData(form).entries()));
      dialog.close();
      toast(t("music.saved"), "ok");
    } catch (err) { error.textContent = errorText(err); }
  });
}

/** The actions of a track row: send to a chat, add to a playlist; correct and delete for its uploader. */
export function rowActions(track) {
  const actions = [
    iconButton("share", t("music.share"), () => shareDialog(track), "tr-share"),
    iconButton("note", t("music.post_to_wall"), async () => {
      try { await createPost("", [], null, track.id); toast(t("music.posted"), "ok"); } catch (err) { toast(errorText(err), "error"); }
    }, "tr-post"),
    iconButton("playlist_add", t("music.to_playlist"), () => playlistDialog(track), "tr-to-playlist"),
  ];
  if (isMe(track.uploader.id)) {
    actions.push(iconButton("edit", t("music.edit"), () => editDialog(track), "tr-edit"));
    actions.push(iconButton("trash", t("music.delete"), async () => {
      if (!(await confirmBox(t("music.delete_confirm", { title: track.title }), t("music.delete")))) return;
      try { await store.deleteTrack(track.id); toast(t("music.deleted")); } catch (err) { toast(errorText(err), "error"); }
    }, "tr-delete"));
  }
  return actions;
}

/** A list of track rows that play as one list; `empty` when there are none; a "Show more" button when `more`. */
export function trackList(tracks, { empty, more, extra } = {}) {
  if (!tracks.length) return emptyState(empty);
  const ul = el("ul", { class: "track-list" },
    tracks.map((track, index) => trackRow(track, { list: tracks, index, actions: [...rowActions(track), ...(extra ? extra(track, index) : [])] })));
  markRows(ul);
  const wrap = el("div", {}, ul);
  if (more) wrap.append(el("div", { class: "more-row" }, el("button", { type: "button", class: "ghost", text: t("music.show_more"), onclick: more })));
  return wrap;
}
