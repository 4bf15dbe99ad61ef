// The states every screen that fetches goes through: loading (shown only after ~150 ms, so fast
// answers never flash), empty, and error with a retry button.
import { clear, el } from "../dom.js";
import { t } from "../i18n.js";
import { errorText } from "../dom.js";

export const LOADING_DELAY = 150;

/** A spinning ring (decorative; the text beside it says what is happening). */
export function spinner() {
  return el("span", { class: "spinner", "aria-hidden": "true" });
}

/** "Loading…" with a spinner. */
export function loadingState(text = t("state.loading")) {
  return el("div", { class: "state state-loading", role: "status" }, spinner(), el("span", { text }));
}

/** An empty state: a sentence and optional actions (links or buttons). */
export function emptyState(text, ...actions) {
  return el("div", { class: "state state-empty empty" }, el("p", { text }),
    actions.flat().filter(Boolean).length ? el("div", { class: "row" }, ...actions) : null);
}

/** An error state: what went wrong and a Retry button calling retry(). */
export function errorState(err, retry) {
  return el("div", { class: "state state-error", role: "alert" },
    el("p", { class: "error", text: errorText(err) }),
    retry ? el("button", { type: "button", class: "small", dataset: { action: "retry" }, text: t("state.retry"), onclick: retry }) : null);
}

/**
 * Show loadingState() in `node` if nothing else happened there after LOADING_DELAY ms; returns
 * cancel(). Anything the caller draws into the node meanwhile wins: the timer checks the node is unchanged.
 */
export function delayedLoading(node, text) {
  const before = node.firstChild;
  const timer = setTimeout(() => { if (node.firstChild === before) clear(node, loadingState(text)); }, LOADING_DELAY);
  return () => clearTimeout(timer);
}

/**
 * load() into `node`: loading after the delay, then render(data) (its result, if a node, replaces the
 * content), or an error state whose Retry runs it all again. Resolves render's result or null.
 */
export async function loadInto(node, load, render) {
  const cancel = delayedLoading(node);
  let data;
  try {
    data = await load();
  } catch (err) {
    cancel();
    clear(node, errorState(err, () => loadInto(node, load, render)));
    return null;
  }
  cancel();
  const out = render(data);
  if (out instanceof Node) clear(node, out);
  return out;
}
