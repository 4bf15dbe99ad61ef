// Landing, sign-up, log-in, forgot and reset password, log-out.
import { api, ApiError, clearTokens, saveTokens } from "../api.js";
import { clear, displayName, el, errorText, toast } from "../dom.js";
import * as sock from "../socket.js";
import { icon } from "../icons.js";

function field(label, name, type = "text", extra = {}) {
  return el("div", { class: "field" }, el("label", { for: name, text: label }),
    el("input", { id: name, name, type, required: true, ...extra }));
}

/** A card with a form whose errors show under it; onsubmit(data) may throw ApiError. */
export function formCard(title, fields, submitText, onsubmit, links = [], intro = null) {
  const error = el("div", { class: "error", role: "alert" });
  const button = el("button", { type: "submit", text: submitText });
  const f = el("form", { novalidate: true }, ...fields, button, error);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    const data = Object.fromEntries(new FormData(f).entries());
    try {
      await onsubmit(data);
    } catch (err) {
      error.textContent = err instanceof ApiError ? errorText(err) : "Network error; try again.";
    } finally {
      button.disabled = false;
    }
  });
  return el("section", { class: "card narrow" }, el("h2", { text: title }), intro, f,
    links.length ? el("div", { class: "links" }, ...links) : null);
}

function nextHash(params) {
  const next = params.get("next");
  return next && next.startsWith("/") ? `#${next}` : "#/chats";
}

function landing({ view, me }) {
  const feature = (iconName, title, text) => el("div", { class: "feature" },
    el("div", { class: "feature-icon" }, icon(iconName)), el("h3", { text: title }), el("p", { text }));
  const stats = el("p", { class: "stats muted", id: "stats" });
  api("GET", "/stats", undefined, { auth: false }).then((s) => {
    stats.textContent = `${s.masters} masters · ${s.open_requests} open requests · ${s.completed_orders} orders completed`;
  }).catch(() => {});
  clear(view,
    el("section", { class: "hero" },
      el("h1", { text: "Find a master. Talk in real time." }),
      el("p", { class: "lead", text: "Masterchat connects customers with masters — repairs, lessons, lectures and more — and gives everyone a fast messenger with direct chats and groups." }),
      me
        ? el("div", { class: "hero-actions" },
          el("p", { class: "welcome", text: `Welcome back, ${displayName(me)}.` }),
          el("a", { class: "button", href: "#/chats", text: "Open chats" }),
          el("a", { class: "button ghost", href: "#/masters", text: "Find a master" }))
        : el("div", { class: "hero-actions" },
          el("a", { class: "button", href: "#/signup", text: "Get started" }),
          el("a", { class: "button ghost", href: "#/masters", text: "Browse masters" }))),
    stats,
    el("section", { class: "features" },
      feature("search", "Find the right master", "Filter by category, city, rating and price; read reviews before you ask."),
      feature("list", "Ask once, get offers", "Post a request to a category and masters answer with offers. Accept the best one."),
      feature("chat", "Chat live", "Every order gets its own chat. Direct chats and groups for everything else."),
      feature("star", "Honest ratings", "Customers review completed orders; the rating is what they say.")));
}

function signup({ view, params }) {
  clear(view, formCard("Create your account",
    [field("Email", "email", "email", { autocomplete: "email" }), field("Username", "username", "text", { autocomplete: "username" }),
      field("Password", "password", "password", { minlength: "8", autocomplete: "new-password" })],
    "Sign up", async (data) => {
      const res = await api("POST", "/auth/signup", data, { auth: false });
      saveTokens(res.access_token, res.refresh_token);
      toast("Welcome to Masterchat!", "ok");
      location.hash = nextHash(params);
    }, [el("a", { href: `#/login${params.toString() ? `?${params}` : ""}`, text: "I have an account" })]));
}

function login({ view, params }) {
  clear(view, formCard("Log in",
    [field("Email or username", "login", "text", { autocomplete: "username" }),
      field("Password", "password", "password", { autocomplete: "current-password" })],
    "Log in", async (data) => {
      const res = await api("POST", "/auth/login", data, { auth: false });
      saveTokens(res.access_token, res.refresh_token);
      location.hash = nextHash(params);
    }, [el("a", { href: "#/forgot-password", text: "Forgot password?" }),
      el("a", { href: `#/signup${params.toString() ? `?${params}` : ""}`, text: "Create an account" })],
    params.get("next") ? el("p", { class: "muted", text: "Log in to continue." }) : null));
}

function forgot({ view }) {
  clear(view, formCard("Reset your password",
    [field("Email", "email", "email")], "Send reset link", async (data) => {
      await api("POST", "/auth/reset-password", data, { auth: false });
      toast("If that address has an account, a reset link is on its way.", "ok");
      location.hash = "#/login";
    }, [el("a", { href: "#/login", text: "Back to log in" })]));
}

function reset({ view, params }) {
  clear(view, formCard("Choose a new password",
    [field("New password", "password", "password", { minlength: "8", autocomplete: "new-password" })], "Set password", async (data) => {
      await api("POST", "/auth/reset-password/confirm", { token: params.get("token") || "", password: data.password }, { auth: false });
      toast("Password changed. Log in with the new one.", "ok");
      location.hash = "#/login";
    }));
}

/** End this session on the server, forget the tokens, close the socket. */
export async function logout() {
  try { await api("POST", "/auth/logout"); } catch { /* the session is gone either way */ }
  sock.disconnect();
  clearTokens();
  location.hash = "#/";
}

export const authRoutes = [
  { path: "/", name: "landing", render: landing },
  { path: "/signup", name: "signup", render: signup },
  { path: "/login", name: "login", render: login },
  { path: "/forgot-password", name: "forgot", render: forgot },
  { path: "/reset-password", name: "reset", render: reset },
];
