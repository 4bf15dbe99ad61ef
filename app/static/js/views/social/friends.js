// My friends: incoming and sent requests (live: the `friendship` event reloads them), my friends with
// who is online, and the people I blocked.
import "../../i18n/social.js";
import { api, qs } from "../../api.js";
import { clear, debounce, el, errorText, toast } from "../../dom.js";
import { emptyState, loadInto } from "../../components/states.js";
import { t } from "../../i18n.js";
import { handlers as messengerEvents } from "../../stores/messenger.js";
import { loadRequests, social, unblock } from "../../stores/social.js";
import { friendButtons, personRow, personRowWithDot } from "./people.js";

export async function friendsPage({ view }) {
  const requests = el("section", { class: "card stack", dataset: { part: "requests" } });
  const friends = el("div", { class: "person-list", dataset: { list: "friends" } });
  const blocks = el("div", { class: "person-list" });
  const search = el("input", { type: "search", name: "q", placeholder: t("friend.search"), maxlength: 100 });
  clear(view, el("div", { class: "friends-page stack" },
    el("h1", { class: "page-title", text: t("friend.title") }), requests,
    el("section", { class: "card stack" }, search, friends),
    el("details", { class: "card" }, el("summary", { text: t("friend.blocks") }), blocks)));

  const drawRequests = (state) => {
    const row = (r) => personRow(r.user, friendButtons(r.user.id, r.direction));
    clear(requests, el("h2", { text: t("friend.requests") }),
      el("h3", { class: "muted small", text: t("friend.incoming") }),
      state.incoming.length ? el("div", { class: "person-list", dataset: { list: "incoming" } }, state.incoming.map(row)) : el("p", { class: "muted", text: t("friend.no_requests") }),
      state.outgoing.length ? [el("h3", { class: "muted small", text: t("friend.outgoing") }),
        el("div", { class: "person-list", dataset: { list: "outgoing" } }, state.outgoing.map(row))] : null);
  };
  const loadFriends = () => loadInto(friends, () => api("GET", `/friends${qs({ q: search.value.trim(), limit: 200 })}`), (data) => {
    // The list says who is online now; the presence events (friends hear each other) keep the dots live.
    for (const u of data.items) messengerEvents.presence({ user_id: u.id, online: u.online });
    return data.items.length ? el("div", {}, data.items.map((u) => personRowWithDot(u, friendButtons(u.id, "friends")))) : emptyState(t("friend.none"));
  });
  const loadBlocks = () => loadInto(blocks, () => api("GET", "/blocks?limit=200"), (data) =>
    data.items.length ? el("div", {}, data.items.map((b) => personRow(b.user, el("button", { type: "button", class: "small ghost", text: t("friend.unblock"), onclick: async () => {
      try { await unblock(b.user.id); loadBlocks(); } catch (err) { toast(errorText(err), "error"); }
    } })))) : emptyState("—"));
  search.addEventListener("input", debounce(loadFriends, 250));
  // A request accepted or a friend removed anywhere (this tab, another one, the other person): redraw.
  const unsubs = [
    social.subscribe((s) => s.requests, drawRequests),
    social.subscribe((s) => s.friendships, debounce(loadFriends, 200)),
  ];
  drawRequests(social.get().requests);
  await Promise.all([loadRequests(), loadFriends(), loadBlocks()]);
  return () => { for (const u of unsubs) u(); };
}
