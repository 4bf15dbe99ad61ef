// An order chat's order, under the chat's head: the request, its price and status, and the actions the
// viewer may take now (the server lists them in `order.actions`), with the review form. Drawn from
// the chat the messenger store holds, which chat:updated keeps live.
import "../i18n/market.js";
import { api } from "../api.js";
import { clear, confirmBox, el, errorText, modal, toast } from "../dom.js";
import { fmt, t } from "../i18n.js";
import { loadChat } from "../stores/messenger.js";
import { reviewForm, statusBadge } from "./market/common.js";

/** The other person of an order, as the viewer sees it. */
export function orderPeer(order) {
  return order.my_side === "customer" ? order.executor : order.customer;
}

const STEPS = {
  complete: { path: "complete", label: "request.complete", done: "request.completed_toast", cls: "" },
  refuse_executor: { path: "refuse-executor", label: "request.refuse", done: "request.refused_toast", confirm: "request.refuse_confirm", cls: "secondary" },
  cancel: { path: "cancel", label: "request.cancel", done: "request.cancelled_toast", confirm: "request.cancel_confirm", cls: "danger-ghost" },
};

/** A box to put under the chat head; draw(chat) fills it (again on every change of the chat). */
export function orderBox(chatId) {
  const box = el("section", { class: "order-head", id: "order-head", "aria-label": t("order.label") });
  let busy = false;

  const act = (step, order) => async () => {
    if (busy) return;
    if (step.confirm && !(await confirmBox(t(step.confirm), t("common.yes")))) return;
    busy = true;
    try {
      await api("POST", `/requests/${order.request_id}/${step.path}`);
      toast(t(step.done), "ok");
      await loadChat(chatId).catch(() => {});
    } catch (err) { toast(errorText(err), "error"); } finally { busy = false; }
  };

  const review = (order) => () => {
    let dialog = null;
    const form = reviewForm(order.request_id, async () => { dialog.close(); await loadChat(chatId).catch(() => {}); });
    dialog = modal(t("order.review_title", { name: orderPeer(order).display_name || orderPeer(order).username }), form);
    form.querySelector("input[name=rating]:checked")?.focus();
  };

  function draw(chat) {
    const order = chat && chat.order;
    if (!order) { box.hidden = true; return; }
    box.hidden = false;
    const buttons = order.actions.map((name) => {
      if (name === "review") return el("button", { type: "button", class: "small", dataset: { action: name }, text: t("order.review"), onclick: review(order) });
      const step = STEPS[name];
      return step ? el("button", { type: "button", class: `small ${step.cls}`, dataset: { action: name }, text: t(step.label), onclick: act(step, order) }) : null;
    });
    const price = order.price != null ? order.price : order.budget;
    const facts = el("div", { class: "order-facts" },
      el("a", { class: "order-title", href: `#/requests/${order.request_id}`, text: order.title }),
      el("span", { class: "order-price", text: price != null ? (order.price != null ? fmt.money(price) : t("request.budget_value", { budget: fmt.money(price) })) : t("market.price_on_request") }),
      statusBadge(order.status),
      order.reviewed ? el("span", { class: "muted small", text: t("review.done") }) : null,
      !order.current ? el("span", { class: "muted small", text: t(order.my_side === "customer" ? "order.not_current" : "order.not_current_master") }) : null);
    clear(box, facts, buttons.length ? el("div", { class: "order-actions row wrap" }, buttons) : null);
  }

  return { node: box, draw };
}
