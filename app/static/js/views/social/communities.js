// Communities: search and mine, creating one, and a community's page: join / ask / leave, its wall and
// composer (for those who may post), members with the admins' tools, join requests, its group chat.
import "../../i18n/social.js";
import { api, qs } from "../../api.js";
import { clear, el, errorText, modal, toast } from "../../dom.js";
import { avatar, displayName } from "../../components/avatar.js";
import { emptyState, errorState, loadInto } from "../../components/states.js";
import { t } from "../../i18n.js";
import { loadWall } from "../../stores/social.js";
import { composer } from "./composer.js";
import { personRow } from "./people.js";
import { postList } from "./post.js";

const ADMIN = ["owner", "admin"];
const MEMBER = ["owner", "admin", "member"];

function communityRow(c) {
  return el("a", { href: `#/communities/${c.id}`, class: "person-row row community-row", dataset: { communityId: c.id } },
    avatar({ id: c.id, display_name: c.name, avatar_url: c.avatar_url }, "md"),
    el("span", { class: "stack tight grow" }, el("span", { class: "strong", text: c.name }),
      el("span", { class: "muted small", text: `${t(c.visibility === "closed" ? "community.closed_badge" : "community.open_badge")} · ${t("community.members", { count: c.members_count })}` })),
    c.role ? el("span", { class: "badge", text: t(`community.role.${c.role}`) }) : null);
}

function createDialog(go) {
  const name = el("input", { name: "name", required: true, maxlength: 100 });
  const description = el("textarea", { name: "description", rows: 3, maxlength: 4000 });
  const visibility = el("select", { name: "visibility" },
    el("option", { value: "open", text: t("community.open") }), el("option", { value: "closed", text: t("community.closed") }));
  const canPost = el("input", { type: "checkbox", name: "members_can_post", checked: true });
  const dialog = modal(t("community.create"), el("form", { class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const c = await api("POST", "/communities", {
        name: name.value.trim(), description: description.value.trim(), visibility: visibility.value, members_can_post: canPost.checked,
      });
      dialog.close();
      go(`#/communities/${c.id}`);
    } catch (err) { toast(errorText(err), "error"); }
  } }, el("label", { text: t("community.name") }, name), el("label", { text: t("community.description") }, description),
  visibility, el("label", { class: "row" }, canPost, t("community.members_can_post")),
  el("button", { type: "submit", text: t("community.create") })));
  name.focus();
}

export async function communitiesPage({ view, params, go }) {
  const q = params.get("q") || "";
  const search = el("input", { type: "search", name: "q", value: q, placeholder: t("community.search"), maxlength: 100 });
  const mine = el("div", { class: "person-list" });
  const found = el("div", { class: "person-list" });
  clear(view, el("div", { class: "communities-page stack" },
    el("div", { class: "row between" }, el("h1", { class: "page-title", text: t("community.title") }),
      el("button", { type: "button", text: t("community.create"), onclick: () => createDialog(go) })),
    el("form", { class: "row", onsubmit: (e) => { e.preventDefault(); go(`#/communities${qs({ q: search.value.trim() })}`); } },
      search, el("button", { type: "submit", class: "secondary", text: t("people.find") })),
    q ? null : el("section", { class: "card stack" }, el("h2", { text: t("community.mine") }), mine),
    el("section", { class: "card stack" }, found)));
  const list = (data, empty) => (data.items.length ? el("div", {}, data.items.map(communityRow)) : emptyState(empty));
  await Promise.all([
    q ? null : loadInto(mine, () => api("GET", "/communities?mine=1&limit=100"), (d) => list(d, t("community.none_mine"))),
    loadInto(found, () => api("GET", `/communities${qs({ q, limit: 50 })}`), (d) => list(d, t("community.empty"))),
  ]);
}

export async function communityPage({ view, args, go }) {
  const id = Number(args.id);
  const c = await api("GET", `/communities/${id}`);
  const isAdmin = ADMIN.includes(c.role);
  const isMember = MEMBER.includes(c.role);
  const canSee = c.visibility === "open" || isMember;
  const canPost = isAdmin || (c.role === "member" && c.members_can_post);
  const body = el("div", { class: "stack" });
  let cleanupWall = null;

  const act = (text, fn, cls = "") => el("button", { type: "button", class: cls, text, onclick: async () => {
    try { await fn(); } catch (err) { toast(errorText(err), "error"); }
  } });
  const reload = () => go(`#/communities/${id}`);
  let main;
  if (!c.role) main = act(c.visibility === "closed" ? t("community.ask") : t("community.join"), async () => { await api("POST", `/communities/${id}/join`); reload(); });
  else if (c.role === "pending") main = el("span", { class: "row" }, el("span", { class: "badge", text: t("community.pending") }), act(t("post.cancel"), async () => { await api("POST", `/communities/${id}/leave`); reload(); }, "ghost small"));
  else main = act(t("community.leave"), async () => { await api("POST", `/communities/${id}/leave`); go("#/communities"); }, "ghost small");
  const chatButton = isMember && (c.chat_id || isAdmin) ? act(t("community.open_chat"), async () => {
    const res = c.chat_id ? { chat_id: c.chat_id } : await api("POST", `/communities/${id}/chat`);
    go(`#/chats/${res.chat_id}`);
  }, "secondary small") : null;
  const avatarInput = el("input", { type: "file", accept: "image/*", hidden: true });
  avatarInput.addEventListener("change", async () => {
    const form = new FormData();
    form.append("file", avatarInput.files[0]);
    try { await api("PUT", `/communities/${id}/avatar`, form); reload(); } catch (err) { toast(errorText(err), "error"); }
  });

  const header = el("section", { class: "card profile-head row" },
    avatar({ id: c.id, display_name: c.name, avatar_url: c.avatar_url }, "lg"),
    el("div", { class: "grow stack tight" }, el("h1", { text: c.name }),
      el("span", { class: "muted", text: `${t(c.visibility === "closed" ? "community.closed_badge" : "community.open_badge")} · ${t("community.members", { count: c.members_count })}` }),
      c.description ? el("p", { text: c.description }) : null,
      c.role ? el("span", { class: "badge", text: t(`community.role.${c.role}`) }) : null),
    el("div", { class: "stack tight end" }, main, chatButton,
      isAdmin ? el("button", { type: "button", class: "ghost small", text: t("community.avatar"), onclick: () => avatarInput.click() }) : null, avatarInput));

  const wall = async () => {
    let ids = [];
    let next = null;
    const list = postList(() => ids, { canModerate: isAdmin });
    const more = el("button", { type: "button", class: "secondary", hidden: true, text: t("news.more") });
    clear(body, canPost ? composer({ communityId: id, placeholder: t("composer.placeholder_community"), onPosted: (p) => { ids = [p.id, ...ids]; list.sync(); } }) : null,
      list.node, el("div", { class: "row center" }, more));
    try {
      ({ ids, next } = await loadWall("communities", id));
    } catch (err) { clear(body, errorState(err, wall)); return () => list.destroy(); }
    list.sync();
    if (!ids.length) list.node.append(emptyState(t("wall.empty")));
    more.hidden = !next;
    more.addEventListener("click", async () => {
      const page = await loadWall("communities", id, next);
      ids = [...ids, ...page.ids];
      next = page.next;
      more.hidden = !next;
      list.sync();
    });
    return () => list.destroy();
  };
  const members = async (role = null) => {
    const node = el("div", { class: "person-list", dataset: { list: role || "members" } });
    clear(body, el("h2", { text: role === "pending" ? t("community.requests_title") : t("community.members_title") }), node);
    const refresh = () => members(role);
    const tools = (m) => {
      if (!isAdmin || m.role === "owner") return [];
      const patch = (r) => act(r === "admin" ? t("community.make_admin") : role === "pending" ? t("community.approve") : t("community.make_member"), async () => {
        await api("PATCH", `/communities/${id}/members/${m.user.id}`, { role: r });
        refresh();
      }, "small");
      const remove = act(role === "pending" ? t("community.reject") : t("community.remove"), async () => {
        await api("DELETE", `/communities/${id}/members/${m.user.id}`);
        refresh();
      }, "small ghost");
      if (m.role === "pending") return [patch("member"), remove];
      if (m.role === "member") return [patch("admin"), remove];
      return c.role === "owner" ? [patch("member"), remove] : [];
    };
    await loadInto(node, () => api("GET", `/communities/${id}/members${qs({ role, limit: 200 })}`), (data) =>
      data.items.length ? el("div", {}, data.items.map((m) => personRow(m.user, el("span", { class: "badge", text: t(`community.role.${m.role}`) }), ...tools(m))))
        : emptyState(role === "pending" ? t("friend.no_requests") : "—"));
  };
  const show = async (key) => {
    if (cleanupWall) { cleanupWall(); cleanupWall = null; }
    if (!canSee) { clear(body, emptyState(t("community.closed_note"))); return; }
    if (key === "posts") cleanupWall = await wall();
    else if (key === "members") await members();
    else await members("pending");
  };
  const tabNames = [["posts", t("wall.posts")], ["members", t("community.members_title")]];
  if (isAdmin && c.visibility === "closed") tabNames.push(["pending", t("community.requests_title")]);
  const tabs = el("nav", { class: "tabs", role: "tablist" }, tabNames.map(([key, label]) => el("button", {
    type: "button", role: "tab", dataset: { tab: key }, text: label, class: key === "posts" ? "active" : "", onclick: (e) => {
      tabs.querySelectorAll("button").forEach((b) => b.classList.toggle("active", b === e.target));
      show(key);
    },
  })));
  clear(view, el("div", { class: "community-page" }, header, canSee ? tabs : null, body));
  await show("posts");
  return () => { if (cleanupWall) cleanupWall(); };
}

export { displayName };
