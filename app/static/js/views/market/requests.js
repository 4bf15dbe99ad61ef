// My requests and orders, one request with its offers and actions, the review form.
import { api, qs } from "../../api.js";
import { clear, confirmBox, el, errorText, toast } from "../../dom.js";
import { avatar, displayName } from "../../components/avatar.js";
import { emptyState } from "../../components/states.js";
import { t } from "../../i18n.js";
import { market } from "../../stores/market.js";
import { me as currentUser } from "../../stores/session.js";
import { categories, money, offerForm, requestSummary, reviewForm, statusBadge } from "./common.js";

// ---- my requests and orders --------------------------------------------------------------------

export async function myRequests({ view, params, go }) {
  const cats = await categories();
  const tab = params.get("tab") === "orders" ? "orders" : "mine";
  const data = await api("GET", `/requests${qs({ mine: tab === "orders" ? 0 : 1 })}`);
  const row = (req) => el("article", { class: "card req-row", dataset: { requestId: req.id } },
    requestSummary(req, cats),
    el("div", { class: "row" },
      tab === "mine" && req.status === "open" ? el("span", { class: "muted small", text: t("request.offers_n", { count: req.offers_count }) }) : null,
      req.chat_id ? el("a", { class: "button small ghost", href: `#/chats/${req.chat_id}`, text: t("request.order_chat") }) : null,
      el("a", { class: "button small", href: `#/requests/${req.id}`, text: t("request.open") })));
  const rows = (data.items || []).map(row);
  clear(view, el("div", {},
    el("div", { class: "page-head" }, el("h1", { text: t("request.list_title") }), el("a", { class: "button", href: "#/requests/new", text: t("request.new") })),
    el("div", { class: "tabs" },
      el("a", { href: "#/requests", class: tab === "mine" ? "active" : "", text: t("nav.requests") }),
      currentUser().is_master ? el("a", { href: "#/requests?tab=orders", class: tab === "orders" ? "active" : "", text: t("request.orders_i_do") }) : null),
    rows.length ? el("div", { class: "req-list" }, rows) : el("div", { class: "card" }, emptyState(t("request.none"),
      el("a", { class: "button", href: tab === "mine" ? "#/requests/new" : "#/feed", text: tab === "mine" ? t("request.post") : t("master.open_feed") })))));
  // A request that changed is redrawn in its row; the rest of the page stays as it is.
  return market.subscribe((s) => s.requests, (requests, before) => {
    for (const [id, req] of requests) {
      if (before.get(id) === req) continue;
      const old = view.querySelector(`.req-row[data-request-id="${id}"]`);
      if (old) old.replaceWith(row(req));
    }
  });
}

export async function requestDetail({ view, args, go }) {
  const id = Number(args.id);
  const cats = await categories();
  // force=false (a live change) never wipes a form the user is filling in on this page: checked before
  // fetching and again just before drawing (the user may have started typing while it loaded), and only
  // the latest of overlapping reloads draws.
  const typingHere = () => {
    const active = document.activeElement;
    return Boolean(active && view.contains(active) && active.matches("input, textarea, select"));
  };
  let latest = 0;
  const reload = async (force = true) => {
    if (!force && typingHere()) return;
    const mine = ++latest;
    const req = await api("GET", `/requests/${id}`);
    await renderRequest(view, req, cats, go, reload, () => mine === latest && (force || !typingHere()));
  };
  await reload();
  const offs = [
    market.subscribe((s) => s.requests.get(id), () => reload(false).catch((err) => console.warn("request reload", err))),
    market.subscribe((s) => s.offerRevs.get(id), () => reload(false).catch((err) => console.warn("request reload", err))),
  ];
  return () => offs.forEach((f) => f());
}

async function renderRequest(view, req, cats, go, reload, mayDraw = () => true) {
  const me = currentUser();
  const id = req.id;
  const isCustomer = req.customer.id === me.id;
  const isTarget = req.master_id === me.id;
  const offers = isCustomer || me.is_master ? await api("GET", `/requests/${id}/offers`).then((d) => d.items || []).catch(() => []) : [];
  const move = (path, okText, confirmText) => async () => {
    if (confirmText && !(await confirmBox(confirmText, t("common.yes")))) return;
    try {
      const res = await api("POST", `/requests/${id}/${path}`);
      toast(okText, "ok");
      if (res && res.chat) go(`#/chats/${res.chat.id}`); else reload(false);
    } catch (err) { toast(errorText(err), "error"); }
  };
  const actions = el("div", { class: "row wrap", id: "request-actions" });
  if (req.chat_id && (isCustomer || req.executor_id === me.id)) actions.append(el("a", { class: "button", href: `#/chats/${req.chat_id}`, text: t("request.open_order_chat") }));
  if (isCustomer) {
    if (req.status === "active") {
      actions.append(el("button", { type: "button", id: "complete", text: t("request.complete"), onclick: move("complete", t("request.completed_toast")) }));
      actions.append(el("button", { type: "button", class: "secondary", text: t("request.refuse"), onclick: move("refuse-executor", t("request.refused_toast"), t("request.refuse_confirm")) }));
    }
    if (req.status === "open" || req.status === "active") {
      actions.append(el("button", { type: "button", class: "danger-ghost", text: t("request.cancel"), onclick: move("cancel", t("request.cancelled_toast"), t("request.cancel_confirm")) }));
    }
    if (req.status === "open") {
      actions.append(el("button", { type: "button", class: "danger-ghost", text: t("common.delete"), onclick: async () => {
        if (!(await confirmBox(t("request.delete_confirm"), t("common.delete")))) return;
        try { await api("DELETE", `/requests/${id}`); toast(t("common.deleted"), "ok"); go("#/requests"); } catch (err) { toast(errorText(err), "error"); }
      } }));
    }
  }
  if (isTarget && req.status === "open") {
    actions.append(el("button", { type: "button", text: t("bell.take"), onclick: move("accept", t("bell.taken_toast")) }));
    actions.append(el("button", { type: "button", class: "secondary", text: t("bell.turn_down"), onclick: move("decline", t("bell.declined_toast")) }));
  }

  const offerNodes = offers.map((o) => el("div", { class: `offer offer-${o.status}`, dataset: { offerId: o.id } },
    el("div", { class: "row" }, avatar(o.master, "sm"), el("a", { href: `#/masters/${o.master.id}`, text: displayName(o.master) }),
      o.price != null ? el("span", { class: "price", text: money(o.price) }) : null, statusBadge(o.status)),
    el("p", { class: "pre", text: o.message }),
    el("div", { class: "row" },
      isCustomer && o.status === "live" && req.status === "open" ? [
        el("button", { type: "button", class: "small", dataset: { action: "accept" }, text: t("bell.accept"), onclick: async () => {
          try { const res = await api("POST", `/offers/${o.id}/accept`); toast(t("bell.accepted_toast"), "ok"); go(res.chat ? `#/chats/${res.chat.id}` : `#/requests/${id}`); } catch (err) { toast(errorText(err), "error"); }
        } }),
        el("button", { type: "button", class: "small ghost", dataset: { action: "reject" }, text: t("bell.reject"), onclick: async () => {
          try { await api("POST", `/offers/${o.id}/reject`); toast(t("bell.rejected_toast"), "ok"); reload(); } catch (err) { toast(errorText(err), "error"); }
        } })] : null,
      o.master.id === me.id && o.status === "live" ? el("button", { type: "button", class: "small ghost", text: t("offer.withdraw"), onclick: async () => {
        try { await api("DELETE", `/offers/${o.id}`); toast(t("offer.withdrawn"), "ok"); reload(); } catch (err) { toast(errorText(err), "error"); }
      } }) : null)));

  const canOffer = !isCustomer && me.is_master && req.status === "open" && !req.master_id && !offers.some((o) => o.master.id === me.id && o.status === "live");
  let review = null;
  if (isCustomer && req.status === "completed" && !req.reviewed) review = reviewForm(req.id, reload);
  else if (req.reviewed) review = el("p", { class: "muted", text: t("review.done") });

  if (!mayDraw()) return;
  clear(view, el("div", { class: "request-detail" },
    el("section", { class: "card" },
      el("div", { class: "row" }, avatar(req.customer, "sm"), el("span", { text: displayName(req.customer) })),
      el("h1", { text: req.title }),
      req.executor_id === me.id && !isCustomer ? el("p", { class: "row" }, el("span", { class: "tag tag-yours", text: t("order.yours") })) : null,
      requestSummary({ ...req, title: t("request.number", { id: req.id }) }, cats),
      actions),
    review ? el("section", { class: "card" }, el("h2", { text: t("review.title") }), review) : null,
    canOffer ? el("section", { class: "card" }, el("h2", { text: t("bell.make_offer") }), offerForm(req, reload)) : null,
    isCustomer || offers.length ? el("section", { class: "card" }, el("h2", { text: t("request.offers_title", { count: offers.length }) }),
      offers.length ? el("div", { class: "offers", id: "offers" }, offerNodes) : emptyState(t("request.no_offers"))) : null));

}
