// Text with its web addresses made links, built from text nodes only (never innerHTML): only http(s)
// addresses become links, opened in a new tab without a referrer or an opener; anything else stays text.
import { el } from "../dom.js";

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}»"']+$/;

/** A safe href for `text`, or null: http(s) only, parsed by URL (so "javascript:" never gets through). */
export function safeHref(text) {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Nodes for `text`: text nodes, and <a target=_blank rel="noopener noreferrer nofollow"> for each web address. */
export function linkify(text) {
  const nodes = [];
  let last = 0;
  for (const match of String(text).matchAll(URL_RE)) {
    let raw = match[0];
    // A sentence's closing punctuation is not part of the address (unless a bracket opened inside it).
    const tail = raw.match(TRAILING);
    if (tail && !(tail[0].startsWith(")") && raw.includes("("))) raw = raw.slice(0, raw.length - tail[0].length);
    const href = safeHref(raw);
    if (!href) continue;
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(el("a", { href, text: raw, target: "_blank", rel: "noopener noreferrer nofollow", class: "msg-link" }));
    last = match.index + raw.length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}
