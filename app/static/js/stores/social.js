// The social network's state: posts by id (whatever screen loaded them), the home feed's order and its
// "new posts" waiting room, comments of the open posts, friendships as last announced, friend requests.
// Live changes come from the server events below (dispatched by events.js); views only draw this store.
import { api, qs } from "../api.js";
import { call } from "../net.js";
import { createStore, withKey } from "./store.js";
import { session } from "./session.js";

/**
 * posts: Map id -> post; feed: {ids, next, status}; fresh: ids of post:new arrivals not shown yet (newest first);
 * comments: Map post id -> {items, next, status}; friendships: Map user id -> state; requests: {incoming, outgoing, status};
 * gone: Map post id -> true for posts deleted while on screen.
 */
export const social = createStore({
  posts: new Map(),
  feed: { ids: [], next: null, status: "idle" },
  fresh: [],
  comments: new Map(),
  friendships: new Map(),
  requests: { incoming: [], outgoing: [], status: "idle" },
  gone: new Map(),
});

const S = () => social.get();
const myId = () => session.get().me && session.get().me.id;

/** Put posts into the map (keeping my own `liked` when an event carries none). */
export function putPosts(items) {
  if (!items.length) return;
  const posts = new Map(S().posts);
  for (const p of items) {
    const old = posts.get(p.id);
    posts.set(p.id, p.liked === null || p.liked === undefined ? { ...p, liked: old ? old.liked : false } : p);
  }
  social.set({ posts });
}

// ---- the home feed ---------------------------------------------------------------------------

/** GET /api/feed: the first page (again with force, e.g. after a reconnect). */
export async function loadFeed() {
  social.set({ feed: { ...S().feed, status: "loading" } });
  try {
    const data = await api("GET", "/feed?limit=20");
    putPosts(data.items);
    social.set({ feed: { ids: data.items.map((p) => p.id), next: data.next, status: "ready" }, fresh: [] });
  } catch (err) {
    social.set({ feed: { ...S().feed, status: "error" } });
    throw err;
  }
}

/** The next page of the feed, appended. */
export async function loadMoreFeed() {
  const { next, ids } = S().feed;
  if (!next) return;
  const data = await api("GET", `/feed${qs({ limit: 20, before: next })}`);
  putPosts(data.items);
  const seen = new Set(ids);
  social.set({ feed: { ids: [...ids, ...data.items.map((p) => p.id).filter((id) => !seen.has(id))], next: data.next, status: "ready" } });
}

/** After a (re)connect: posts that arrived while the socket was away wait behind the bar like live ones. */
export async function catchUpFeed() {
  const { feed, fresh } = S();
  if (feed.status !== "ready") return;
  const data = await api("GET", "/feed?limit=20");
  const known = new Set([...feed.ids, ...fresh]);
  const newer = data.items.filter((p) => !known.has(p.id) && (!feed.ids.length || p.id > feed.ids[0]));
  putPosts(data.items);
  if (newer.length) social.set({ fresh: [...newer.map((p) => p.id), ...S().fresh] });
}

/** Show the posts waiting behind the "N new posts" bar on top of the feed (the reader's place below stays). */
export function showFresh() {
  const { fresh, feed } = S();
  if (!fresh.length) return;
  const seen = new Set(feed.ids);
  social.set({ feed: { ...feed, ids: [...fresh.filter((id) => !seen.has(id)), ...feed.ids] }, fresh: [] });
}

// ---- posts ---------------------------------------------------------------------------------------

/** Upload one image for the post being written: {id, url, width, height}. Raises ApiError. */
export function uploadImage(file) {
  const form = new FormData();
  form.append("file", file);
  return api("POST", "/posts/images", form);
}

/** Write a post (on my wall, or a community's; a track plays inline); my own post goes on top of the feed at once. */
export async function createPost(body, imageIds, communityId = null, trackId = null) {
  const post = await api("POST", "/posts", { body, image_ids: imageIds, community_id: communityId || undefined, track_id: trackId || undefined });
  putPosts([post]);
  const { feed } = S();
  if (feed.status === "ready" && !feed.ids.includes(post.id)) social.set({ feed: { ...feed, ids: [post.id, ...feed.ids] } });
  return post;
}

export async function editPost(id, body) {
  putPosts([await api("PATCH", `/posts/${id}`, { body })]);
}

export async function deletePost(id) {
  await api("DELETE", `/posts/${id}`);
  dropPost(id);
}

function dropPost(id) {
  const { feed, fresh } = S();
  social.set({
    posts: withKey(S().posts, id, undefined),
    feed: { ...feed, ids: feed.ids.filter((x) => x !== id) },
    fresh: fresh.filter((x) => x !== id),
    gone: withKey(S().gone, id, true),
  });
}

/** Like or unlike: optimistic, then the server's count. Over the socket (post:like), or over REST while
 * the socket is down (a like is idempotent: sent twice, it is still one like). */
export async function setLike(id, like) {
  const post = S().posts.get(id);
  if (post && post.liked !== like) putPosts([{ ...post, liked: like, likes: Math.max(0, post.likes + (like ? 1 : -1)) }]);
  try {
    const res = await call("post:like", { post_id: id, like }, () => api(like ? "POST" : "DELETE", `/posts/${id}/like`));
    const now = S().posts.get(id);
    if (now) putPosts([{ ...now, likes: res.likes, liked: res.liked }]);
  } catch (err) {
    if (post) putPosts([post]);
    throw err;
  }
}

/** A wall page (a person's or a community's): the posts go into the map; returns {ids, next}. */
export async function loadWall(kind, id, before = null) {
  const data = await api("GET", `/${kind}/${id}/posts${qs({ limit: 20, before })}`);
  putPosts(data.items);
  return { ids: data.items.map((p) => p.id), next: data.next };
}

let watching = "";
let watchList = [];
/** Tell the server which posts are on screen (at most 100): their likes and comments then arrive live.
 * Sent again after every (re)connect: the rooms belong to the socket. */
export function watchPosts(ids) {
  watchList = [...new Set(ids)].slice(0, 100);
  const key = watchList.join(",");
  if (key === watching) return;
  watching = key;
  call("posts:watch", { post_ids: watchList }).catch(() => { watching = ""; });
}

session.subscribe((s) => s.connects, () => {
  watching = "";
  if (watchList.length) watchPosts(watchList);
});

// ---- comments ------------------------------------------------------------------------------------

function setComments(postId, value) {
  social.set({ comments: withKey(S().comments, postId, value) });
}

/** Load a post's comments (oldest first, every page). */
export async function loadComments(postId) {
  setComments(postId, { items: (S().comments.get(postId) || {}).items || [], status: "loading" });
  let items = [];
  let after = null;
  do {
    const data = await api("GET", `/posts/${postId}/comments${qs({ limit: 200, after })}`);
    items = items.concat(data.items);
    after = data.next;
  } while (after);
  setComments(postId, { items, status: "ready" });
}

export function closeComments(postId) {
  setComments(postId, undefined);
}

export async function addComment(postId, body, replyTo = null) {
  const comment = await api("POST", `/posts/${postId}/comments`, { body, reply_to: replyTo || undefined });
  applyComment(comment);
  return comment;
}

export async function deleteComment(postId, commentId) {
  await api("DELETE", `/comments/${commentId}`);
  removeComments(postId, [commentId]);
}

function applyComment(c) {
  const open = S().comments.get(c.post_id);
  if (!open || open.items.some((x) => x.id === c.id)) return;
  setComments(c.post_id, { ...open, items: [...open.items, c].sort((a, b) => a.id - b.id) });
}

function removeComments(postId, ids) {
  const open = S().comments.get(postId);
  if (!open) return;
  const drop = new Set(ids);
  setComments(postId, { ...open, items: open.items.filter((c) => !drop.has(c.id) && !drop.has(c.reply_to)) });
}

// ---- friends and blocks -----------------------------------------------------------------------

function setFriendship(userId, state) {
  social.set({ friendships: withKey(S().friendships, userId, state) });
}

/** The friendship with a user as last heard (profile load or the `friendship` event), or undefined. */
export function friendshipWith(userId) {
  return S().friendships.get(userId);
}

export function noteFriendship(userId, state) {
  setFriendship(userId, state);
}

export async function askFriend(userId) {
  const res = await api("POST", `/friends/${userId}`);
  setFriendship(userId, res.friendship);
  loadRequests();
}

export async function removeFriend(userId) {
  await api("DELETE", `/friends/${userId}`);
  setFriendship(userId, "none");
  loadRequests();
}

export async function block(userId) {
  await api("POST", `/users/${userId}/block`);
  setFriendship(userId, "blocked");
}

export async function unblock(userId) {
  await api("DELETE", `/users/${userId}/block`);
  setFriendship(userId, "none");
}

/** Incoming and outgoing friend requests. */
export async function loadRequests() {
  try {
    const [incoming, outgoing] = await Promise.all([
      api("GET", "/friends/requests?direction=incoming"),
      api("GET", "/friends/requests?direction=outgoing"),
    ]);
    social.set({ requests: { incoming: incoming.items, outgoing: outgoing.items, status: "ready" } });
  } catch {
    social.set({ requests: { ...S().requests, status: "error" } });
  }
}

/** Report a post, a comment or a user. Raises ApiError. */
export function report(targetType, targetId, reason, details = "") {
  return api("POST", "/reports", { target_type: targetType, target_id: targetId, reason, details });
}

/** Forget everything (logged out). */
export function reset() {
  watching = "";
  watchList = [];
  social.set({
    posts: new Map(), feed: { ids: [], next: null, status: "idle" }, fresh: [], comments: new Map(),
    friendships: new Map(), requests: { incoming: [], outgoing: [], status: "idle" }, gone: new Map(),
  });
}

/** Server events (dispatched by events.js). */
export const handlers = {
  "post:new": (post) => {
    putPosts([post]);
    const { feed, fresh } = S();
    if (feed.ids.includes(post.id) || fresh.includes(post.id)) return;
    if (post.author.id === myId() && feed.status === "ready") social.set({ feed: { ...feed, ids: [post.id, ...feed.ids] } });
    else social.set({ fresh: [post.id, ...fresh] });
  },
  "post:updated": (post) => { if (S().posts.has(post.id)) putPosts([post]); },
  "post:deleted": ({ id }) => dropPost(id),
  "comment:new": (comment) => applyComment(comment),
  "comment:deleted": ({ id, post_id }) => removeComments(post_id, [id]),
  friendship: ({ user_id, friendship }) => {
    setFriendship(user_id, friendship);
    loadRequests();
  },
};
