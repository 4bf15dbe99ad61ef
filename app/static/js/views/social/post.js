// A post as walls and the feed show it: author, text with safe links, an image grid that opens full size,
// likes and comments live (the store is fed by post:updated / comment:new for the posts on screen), and
// the list that keeps the cards of a page in step with the store and tells the server what is watched.
import "../../i18n/social.js";
import { clear, confirmBox, el, errorText, modal, toast } from "../../dom.js";
import { avatar, displayName } from "../../components/avatar.js";
import { fmt, t } from "../../i18n.js";
import { icon } from "../../icons.js";
import { session } from "../../stores/session.js";
import { trackRow } from "../../components/track.js";
import {
  addComment, closeComments, deleteComment, deletePost, editPost, loadComments, report, setLike, social, watchPosts,
} from "../../stores/social.js";

const URL_RE = /\bhttps?:\/\/[^\s<>"'«»]+/gi;

/** Text with its http(s) links turned into safe links (new tab, no referrer, no opener); the rest stays text. */
export function linkify(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let href = m[0].replace(/[.,;:!?)\]]+$/, "");
    let ok = false;
    try { ok = ["http:", "https:"].includes(new URL(href).protocol); } catch { ok = false; }
    if (!ok) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(el("a", { href, text: href, target: "_blank", rel: "noopener noreferrer nofollow ugc", class: "safe-link" }));
    last = m.index + href.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const me = () => session.get().me;

/** Open an image of a post full size, with previous/next. */
function viewer(images, start) {
  let i = start;
  const img = el("img", { class: "lightbox-img", alt: "" });
  const label = el("span", { class: "muted" });
  const show = () => {
    img.src = images[i].url;
    label.textContent = t("post.image", { n: i + 1, total: images.length });
  };
  const nav = (d) => { i = (i + d + images.length) % images.length; show(); };
  const box = modal("", el("div", { class: "lightbox" }, img,
    images.length > 1 ? el("div", { class: "row center" },
      el("button", { type: "button", class: "icon", text: "‹", "aria-label": "previous", onclick: () => nav(-1) }), label,
      el("button", { type: "button", class: "icon", text: "›", "aria-label": "next", onclick: () => nav(1) })) : null));
  box.node.classList.add("lightbox-backdrop");
  show();
}

function imageGrid(images) {
  if (!images.length) return null;
  return el("div", { class: `post-images n${Math.min(images.length, 5)}` },
    images.map((im, i) => el("button", { type: "button", class: "post-image", "aria-label": t("post.image", { n: i + 1, total: images.length }), onclick: () => viewer(images, i) },
      el("img", { src: im.url, alt: "", loading: "lazy", width: im.width, height: im.height }))));
}

function reportDialog(targetType, targetId) {
  const reasons = ["spam", "abuse", "violence", "nudity", "fraud", "other"];
  const select = el("select", { name: "reason" }, reasons.map((r) => el("option", { value: r, text: t(`report.${r}`) })));
  const details = el("textarea", { name: "details", rows: 3, maxlength: 2000 });
  const dialog = modal(t("report.title"), el("form", { class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    try {
      await report(targetType, targetId, select.value, details.value.trim());
      dialog.close();
      toast(t("report.sent"), "ok");
    } catch (err) { toast(errorText(err), "error"); }
  } }, el("label", { text: t("report.reason") }, select), el("label", { text: t("report.details") }, details),
  el("button", { type: "submit", text: t("report.send") })));
}

export { reportDialog };

function commentsBox(post, canModerate) {
  const box = el("div", { class: "comments" });
  let replyTo = null;
  const list = el("div", { class: "comment-list" });
  const input = el("input", { type: "text", name: "comment", maxlength: 4000, placeholder: t("post.comment_placeholder"), autocomplete: "off" });
  const replying = el("div", { class: "muted small", hidden: true });
  const form = el("form", { class: "comment-form row", onsubmit: async (e) => {
    e.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    input.disabled = true;
    try {
      await addComment(post.id, body, replyTo);
      input.value = "";
      replyTo = null;
      replying.hidden = true;
    } catch (err) { toast(errorText(err), "error"); }
    input.disabled = false;
    input.focus();
  } }, input, el("button", { type: "submit", class: "small", text: t("post.send") }));

  const draw = (state) => {
    if (!state) return;
    const items = state.items || [];
    const top = items.filter((c) => !c.reply_to);
    const replies = (id) => items.filter((c) => c.reply_to === id);
    const one = (c) => el("div", { class: `comment${c.reply_to ? " reply" : ""}`, dataset: { commentId: c.id } },
      avatar(c.author, "sm"),
      el("div", { class: "comment-main" },
        el("div", {}, el("a", { href: `#/people/${c.author.id}`, class: "strong", text: displayName(c.author) }), " ",
          el("span", { class: "comment-body" }, linkify(c.body))),
        el("div", { class: "comment-meta muted small" }, el("span", { text: fmt.short(c.created_at) }),
          el("button", { type: "button", class: "link", text: t("post.reply"), onclick: () => {
            replyTo = c.id;
            replying.textContent = t("post.replying_to", { name: displayName(c.author) });
            replying.hidden = false;
            input.focus();
          } }),
          c.author.id === me()?.id || post.author.id === me()?.id || canModerate
            ? el("button", { type: "button", class: "link danger", text: t("post.delete"), onclick: async () => {
              try { await deleteComment(post.id, c.id); } catch (err) { toast(errorText(err), "error"); }
            } }) : null,
          c.author.id !== me()?.id ? el("button", { type: "button", class: "link", text: t("post.report"), onclick: () => reportDialog("comment", c.id) }) : null)));
    clear(list, items.length ? top.flatMap((c) => [one(c), ...replies(c.id).map(one)]) : el("p", { class: "muted small", text: state.status === "loading" ? "…" : t("post.no_comments") }));
  };
  const unsub = social.subscribe((s) => s.comments.get(post.id), draw);
  box.append(list, replying, form);
  loadComments(post.id).catch((err) => toast(errorText(err), "error"));
  return { node: box, destroy: () => { unsub(); closeComments(post.id); } };
}

/** One post card; update(post) redraws what changes live (text, counts, my like). */
export function mountPost(post, { canModerate = false } = {}) {
  let current = post;
  let comments = null;
  const body = el("div", { class: "post-body" });
  const edited = el("span", { class: "muted small" });
  const likeBtn = el("button", { type: "button", class: "like", dataset: { action: "like" } });
  const commentBtn = el("button", { type: "button", class: "comment-toggle", dataset: { action: "comments" } });
  const slot = el("div", {});
  const mine = () => current.author.id === me()?.id;

  const drawBody = () => {
    clear(body, linkify(current.body));
    edited.textContent = current.edited_at ? `· ${t("post.edited")}` : "";
  };
  const drawBar = () => {
    clear(likeBtn, icon(current.liked ? "heart" : "heart_outline"), el("span", { text: t("post.likes", { count: current.likes }) }));
    likeBtn.classList.toggle("liked", Boolean(current.liked));
    likeBtn.setAttribute("aria-pressed", current.liked ? "true" : "false");
    clear(commentBtn, icon("chat"), el("span", { text: t("post.comments", { count: current.comments_count }) }));
  };
  likeBtn.addEventListener("click", () => setLike(current.id, !current.liked).catch((err) => toast(errorText(err), "error")));
  commentBtn.addEventListener("click", () => {
    if (comments) { comments.destroy(); comments = null; clear(slot); return; }
    comments = commentsBox(current, canModerate);
    clear(slot, comments.node);
  });

  const startEdit = () => {
    const area = el("textarea", { rows: 3, maxlength: 10000 });
    area.value = current.body;
    clear(body, el("form", { class: "stack", onsubmit: async (e) => {
      e.preventDefault();
      try { await editPost(current.id, area.value.trim()); } catch (err) { toast(errorText(err), "error"); drawBody(); }
    } }, area, el("div", { class: "row end" },
      el("button", { type: "button", class: "secondary small", text: t("post.cancel"), onclick: drawBody }),
      el("button", { type: "submit", class: "small", text: t("post.save") }))));
    area.focus();
  };
  const menu = el("details", { class: "post-menu" }, el("summary", { "aria-label": t("post.menu"), text: "⋯" }),
    el("div", { class: "menu" },
      mine() ? el("button", { type: "button", text: t("post.edit"), onclick: (e) => { e.target.closest("details").open = false; startEdit(); } }) : null,
      mine() || canModerate ? el("button", { type: "button", class: "danger", text: t("post.delete"), onclick: async (e) => {
        e.target.closest("details").open = false;
        if (!(await confirmBox(t("post.confirm_delete"), t("post.delete")))) return;
        try { await deletePost(current.id); toast(t("post.deleted"), "ok"); } catch (err) { toast(errorText(err), "error"); }
      } }) : null,
      !mine() ? el("button", { type: "button", text: t("post.report"), onclick: (e) => { e.target.closest("details").open = false; reportDialog("post", current.id); } }) : null));

  const where = post.community
    ? el("a", { href: `#/communities/${post.community.id}`, class: "muted", text: t("post.in_community", { name: post.community.name }) }) : null;
  const node = el("article", { class: "card post", dataset: { postId: post.id } },
    el("header", { class: "post-head row" }, avatar(post.author, "md"),
      el("div", { class: "grow" },
        el("a", { href: `#/people/${post.author.id}`, class: "strong", text: displayName(post.author) }), " ", where,
        el("div", { class: "muted small" }, el("time", { datetime: post.created_at, text: fmt.dateTime(post.created_at) }), " ", edited)),
      menu),
    body, imageGrid(post.images),
    post.track ? trackRow(post.track, { compact: true }) : null, // plays inline, through the one player
    el("footer", { class: "post-bar row" }, likeBtn, commentBtn), slot);
  drawBody();
  drawBar();
  return {
    node,
    get post() { return current; },
    update(next) {
      const textChanged = next.body !== current.body || next.edited_at !== current.edited_at;
      current = next;
      if (textChanged) drawBody();
      drawBar();
    },
    destroy() { if (comments) comments.destroy(); },
  };
}

/**
 * A list of post cards kept in step with the store: getIds() says which posts, in order; cards are made,
 * updated and dropped as the store changes; the posts on screen are watched (posts:watch).
 */
export function postList(getIds, opts = {}) {
  const node = el("div", { class: "post-list" });
  const mounted = new Map();
  const sync = () => {
    const ids = getIds();
    const posts = social.get().posts;
    const wanted = new Set(ids.filter((id) => posts.has(id)));
    for (const [id, m] of mounted) {
      if (!wanted.has(id)) { m.destroy(); m.node.remove(); mounted.delete(id); }
    }
    let prev = null;
    for (const id of ids) {
      const post = posts.get(id);
      if (!post) continue;
      let m = mounted.get(id);
      if (!m) { m = mountPost(post, opts); mounted.set(id, m); } else if (m.post !== post) m.update(post);
      const at = prev ? prev.nextSibling : node.firstChild;
      if (at !== m.node) node.insertBefore(m.node, at);
      prev = m.node;
    }
    watchPosts([...wanted]);
  };
  const unsub = social.subscribe((s) => s.posts, sync);
  return { node, sync, destroy() { unsub(); for (const m of mounted.values()) m.destroy(); mounted.clear(); watchPosts([]); } };
}
