// The home feed (the page after login): my posts, my friends' and my communities', newest first; new
// posts from any of them wait behind a "N new posts" bar, which shows them above without moving the
// reader's place (the browser's scroll anchoring keeps what is on screen where it is).
import "../../i18n/social.js";
import { clear, el, errorText, toast } from "../../dom.js";
import { emptyState, errorState, loadingState } from "../../components/states.js";
import { t } from "../../i18n.js";
import { session } from "../../stores/session.js";
import { catchUpFeed, loadFeed, loadMoreFeed, showFresh, social } from "../../stores/social.js";
import { composer } from "./composer.js";
import { postList } from "./post.js";

export async function feedPage({ view }) {
  const bar = el("button", { type: "button", class: "new-posts-bar", hidden: true, dataset: { action: "show-new" } });
  const status = el("div", {});
  const more = el("button", { type: "button", class: "secondary", hidden: true, text: t("news.more") });
  const list = postList(() => social.get().feed.ids);
  clear(view, el("section", { class: "news-page" },
    el("h1", { class: "page-title", text: t("news.title") }),
    composer({ onPosted: () => window.scrollTo({ top: 0 }) }),
    bar, status, list.node, el("div", { class: "row center" }, more)));

  bar.addEventListener("click", () => {
    const nearTop = window.scrollY < 200;
    showFresh();
    if (nearTop) window.scrollTo({ top: 0, behavior: "smooth" });
  });
  more.addEventListener("click", async () => {
    more.disabled = true;
    try { await loadMoreFeed(); } catch (err) { toast(errorText(err), "error"); }
    more.disabled = false;
  });

  let lastError = null;
  const drawStatus = (feed) => {
    more.hidden = !feed.next;
    if (feed.status === "loading" && !feed.ids.length) clear(status, loadingState());
    else if (feed.status === "error") clear(status, errorState(lastError, () => loadFeed().catch((err) => { lastError = err; })));
    else if (feed.status === "ready" && !feed.ids.length) {
      clear(status, emptyState(t("news.empty"),
        el("a", { href: "#/people", class: "button", text: t("news.find_people") }),
        el("a", { href: "#/communities", class: "button ghost", text: t("news.find_communities") })));
    } else clear(status);
    list.sync();
  };
  const drawBar = (fresh) => {
    bar.hidden = !fresh.length;
    bar.textContent = t("news.new_posts", { count: fresh.length });
  };
  const unsubs = [
    social.subscribe((s) => s.feed, drawStatus),
    social.subscribe((s) => s.fresh, drawBar),
    session.subscribe((s) => s.connects, () => catchUpFeed().catch(() => {})),
  ];
  await loadFeed().catch((err) => { lastError = err; drawStatus(social.get().feed); });
  drawStatus(social.get().feed);
  drawBar(social.get().fresh);
  return () => { for (const u of unsubs) u(); list.destroy(); };
}
