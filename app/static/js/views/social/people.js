// People: the directory of everyone (search by first and last name in any order, and by city) and a
// person's page: profile, friendship buttons (live), message, block, report; their wall, friends, photos.
import "../../i18n/social.js";
import { api, qs } from "../../api.js";
import { clear, confirmBox, el, errorText, toast } from "../../dom.js";
import { avatar, displayName } from "../../components/avatar.js";
import { presenceDot } from "../../components/presence.js";
import { emptyState, errorState, loadInto } from "../../components/states.js";
import { t } from "../../i18n.js";
import { session } from "../../stores/session.js";
import { askFriend, block, loadWall, noteFriendship, removeFriend, social, unblock } from "../../stores/social.js";
import { composer } from "./composer.js";
import { postList, reportDialog } from "./post.js";

/** A person in a list: avatar, name (to their page), city and what the row offers. */
export function personRow(user, ...actions) {
  return el("div", { class: "person-row row", dataset: { userId: user.id } },
    el("a", { href: `#/people/${user.id}`, class: "row grow person-link" }, el("span", { class: "avatar-wrap" }, avatar(user, "md")),
      el("span", { class: "stack tight" }, el("span", { class: "strong", text: displayName(user) }),
        el("span", { class: "muted small", text: [user.username ? `@${user.username}` : "", user.city || ""].filter(Boolean).join(" · ") }))),
    ...actions);
}

/** The same row with a live presence dot on the avatar (friends: their presence events reach me). */
export function personRowWithDot(user, ...actions) {
  const row = personRow(user, ...actions);
  row.querySelector(".avatar-wrap").append(presenceDot(user.id));
  return row;
}

/** The friendship buttons for a user, redrawn whenever the friendship changes (the `friendship` event). */
export function friendButtons(userId, initial) {
  const box = el("span", { class: "friend-buttons row" });
  const act = (text, fn, cls = "small") => el("button", { type: "button", class: cls, text, onclick: async () => {
    try { await fn(); } catch (err) { toast(errorText(err), "error"); }
  } });
  const draw = (state) => {
    const s = state || initial || "none";
    if (s === "none") clear(box, act(t("friend.add"), () => askFriend(userId)));
    else if (s === "outgoing") clear(box, el("span", { class: "muted small", text: t("friend.requested") }), act(t("friend.cancel"), () => removeFriend(userId), "small ghost"));
    else if (s === "incoming") clear(box, act(t("friend.accept"), () => askFriend(userId)), act(t("friend.decline"), () => removeFriend(userId), "small ghost"));
    else if (s === "friends") clear(box, el("span", { class: "badge", text: t("friend.are_friends") }), act(t("friend.remove"), () => removeFriend(userId), "small ghost"));
    else clear(box, el("span", { class: "badge danger", text: t("friend.blocked") }));
  };
  if (initial && social.get().friendships.get(userId) === undefined) noteFriendship(userId, initial);
  const unsub = social.subscribe((s) => s.friendships.get(userId), draw);
  draw(social.get().friendships.get(userId));
  // Unsubscribes itself once the row has left the page.
  const check = setInterval(() => { if (!box.isConnected) { unsub(); clearInterval(check); } }, 5000);
  return box;
}

export async function directory({ view, params, go }) {
  const q = params.get("q") || "";
  const city = params.get("city") || "";
  const qInput = el("input", { type: "search", name: "q", value: q, placeholder: t("people.search"), maxlength: 100 });
  const cityInput = el("input", { type: "text", name: "city", value: city, placeholder: t("people.city"), maxlength: 64 });
  const results = el("div", { class: "person-list" });
  const more = el("button", { type: "button", class: "secondary", hidden: true, text: t("people.more") });
  clear(view, el("section", { class: "people-page" }, el("h1", { class: "page-title", text: t("people.title") }),
    el("form", { class: "row search-row", onsubmit: (e) => {
      e.preventDefault();
      go(`#/people${qs({ q: qInput.value.trim(), city: cityInput.value.trim() })}`);
    } }, qInput, cityInput, el("button", { type: "submit", text: t("people.find") })), results, el("div", { class: "row center" }, more)));

  let cursor = null;
  const page = async () => {
    const cursorKey = q ? "after" : "before";
    const data = await api("GET", `/users${qs({ q, city, limit: 30, [cursorKey]: cursor })}`);
    const myId = session.get().me?.id;
    results.append(...data.items.map((u) => personRow(u, u.id === myId ? null : friendButtons(u.id))));
    cursor = data.next;
    more.hidden = !cursor;
    if (!results.children.length) clear(results, emptyState(t("people.empty")));
  };
  more.addEventListener("click", () => page().catch((err) => toast(errorText(err), "error")));
  await loadInto(results, page, () => null);
}

function tabs(names, current, onPick) {
  return el("nav", { class: "tabs", role: "tablist" }, names.map(([key, label]) => el("button", {
    type: "button", role: "tab", class: key === current ? "active" : "", "aria-selected": key === current ? "true" : "false",
    dataset: { tab: key }, text: label, onclick: () => onPick(key),
  })));
}

async function openChat(userId, go) {
  const chat = await api("POST", "/chats", { type: "direct", user_id: userId });
  go(`#/chats/${chat.id}`);
}

export async function personPage({ view, args, params, go }) {
  const id = Number(args.id);
  const profile = await api("GET", `/users/${id}`);
  const myId = session.get().me?.id;
  const isMine = id === myId;
  noteFriendship(id, profile.friendship);
  const tab = params.get("tab") || "posts";
  const body = el("div", {});
  let cleanupTab = null;

  const menu = isMine ? null : el("details", { class: "post-menu" }, el("summary", { "aria-label": "⋯", text: "⋯" }),
    el("div", { class: "menu" },
      el("button", { type: "button", dataset: { action: "block" }, text: profile.blocked_by_me ? t("friend.unblock") : t("friend.block"), onclick: async () => {
        try {
          if (profile.blocked_by_me) await unblock(id);
          else if (await confirmBox(t("friend.confirm_block", { name: displayName(profile) }), t("friend.block"))) await block(id);
          else return;
          go(`#/people/${id}`);
        } catch (err) { toast(errorText(err), "error"); }
      } }),
      el("button", { type: "button", text: t("post.report"), onclick: () => reportDialog("user", id) })));

  const header = el("section", { class: "card profile-head row" }, el("span", { class: "avatar-wrap" }, avatar(profile, "lg"), presenceDot(profile.id)),
    el("div", { class: "grow stack tight" },
      el("h1", { text: displayName(profile) }),
      el("div", { class: "muted", text: `@${profile.username}` }),
      profile.city ? el("div", { class: "muted", text: t("wall.city", { city: profile.city }) }) : null,
      profile.bio ? el("p", { text: profile.bio }) : null,
      el("div", { class: "muted small" }, t("friend.count", { count: profile.friends_count }),
        !isMine && profile.mutual_friends ? ` · ${t("friend.mutual", { count: profile.mutual_friends })}` : ""),
      profile.is_master ? el("a", { href: `#/masters/${profile.id}`, class: "small", text: t("wall.master_card") }) : null),
    isMine ? null : el("div", { class: "stack tight end" }, friendButtons(id, profile.friendship),
      el("button", { type: "button", class: "small secondary", dataset: { action: "message" }, text: t("friend.message"), onclick: () => openChat(id, go).catch((err) => toast(errorText(err), "error")) }),
      menu));

  const showTab = async (key) => {
    if (cleanupTab) { cleanupTab(); cleanupTab = null; }
    header.parentNode.querySelectorAll(".tabs button").forEach((b) => {
      b.classList.toggle("active", b.dataset.tab === key);
      b.setAttribute("aria-selected", b.dataset.tab === key ? "true" : "false");
    });
    if (key === "posts") cleanupTab = await wallTab(body, id, isMine);
    else if (key === "friends") await friendsTab(body, id);
    else if (key === "communities") await communitiesTab(body, id);
    else await photosTab(body, id);
  };
  clear(view, el("div", { class: "person-page" }, header,
    tabs([["posts", t("wall.posts")], ["friends", t("wall.friends")], ["communities", t("nav.communities")], ["photos", t("wall.photos")]], tab, showTab), body));
  await showTab(tab);
  return () => { if (cleanupTab) cleanupTab(); };
}

async function wallTab(body, userId, isMine) {
  let ids = [];
  let next = null;
  const list = postList(() => ids);
  const more = el("button", { type: "button", class: "secondary", hidden: true, text: t("news.more") });
  const add = (post) => { ids = [post.id, ...ids]; list.sync(); };
  clear(body, isMine ? composer({ onPosted: add }) : null, list.node, el("div", { class: "row center" }, more));
  try {
    ({ ids, next } = await loadWall("users", userId));
  } catch (err) {
    clear(body, err.status === 403 ? emptyState(t("wall.closed")) : errorState(err, () => wallTab(body, userId, isMine)));
    return () => list.destroy();
  }
  list.sync();
  if (!ids.length) list.node.append(emptyState(t("wall.empty")));
  more.hidden = !next;
  more.addEventListener("click", async () => {
    const page = await loadWall("users", userId, next);
    ids = [...ids, ...page.ids];
    next = page.next;
    more.hidden = !next;
    list.sync();
  });
  return () => list.destroy();
}

async function friendsTab(body, userId) {
  await loadInto(body, () => api("GET", `/friends${qs({ user_id: userId, limit: 200 })}`), (data) =>
    data.items.length ? el("div", { class: "person-list" }, data.items.map((u) => personRow(u))) : emptyState(t("friend.none")));
}

async function photosTab(body, userId) {
  await loadInto(body, () => api("GET", `/users/${userId}/photos`), (data) =>
    data.items.length ? el("div", { class: "photo-grid" }, data.items.map((p) => el("a", { href: p.url, target: "_blank", rel: "noopener" }, el("img", { src: p.url, alt: "", loading: "lazy" }))))
      : emptyState(t("wall.empty")));
}

async function communitiesTab(body, userId) {
  await loadInto(body, () => api("GET", `/communities${qs({ user_id: userId, limit: 100 })}`), (data) =>
    data.items.length ? el("div", { class: "person-list" }, data.items.map((c) => el("a", { href: `#/communities/${c.id}`, class: "person-row row community-row" },
      avatar({ id: c.id, display_name: c.name, avatar_url: c.avatar_url }, "md"),
      el("span", { class: "stack tight grow" }, el("span", { class: "strong", text: c.name }),
        el("span", { class: "muted small", text: t("community.members", { count: c.members_count }) })))))
      : emptyState(t("community.empty")));
}
