// Landing, sign-up, log-in, forgot and reset password, log-out.
import { api, ApiError, clearTokens, saveTokens } from "../api.js";
import { clear, el, errorText, toast } from "../dom.js";
import { showErrors } from "../errors.js";
import { displayName } from "../components/avatar.js";
import * as sock from "../socket.js";
import { icon } from "../icons.js";
import "../i18n/auth.js";
import { t } from "../i18n.js";

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
    showErrors(f, error, null);
    button.disabled = true;
    const data = Object.fromEntries(new FormData(f).entries());
    try {
      await onsubmit(data);
    } catch (err) {
      if (err instanceof ApiError) showErrors(f, error, err); else error.textContent = t("common.network_error");
    } finally {
      button.disabled = false;
    }
  });
  return el("section", { class: "card narrow" }, el("h2", { text: title }), intro, f,
    links.length ? el("div", { class: "links" }, ...links) : null);
}

function nextHash(params) {
  const next = params.get("next");
  return next && next.startsWith("/") ? `#${next}` : "#/news";
}

function landing({ view, me }) {
  if (me) { location.replace("#/news"); return; } // signed in: the home feed is the front page
  const feature = (iconName, title, text) => el("div", { class: "feature" },
    el("div", { class: "feature-icon" }, icon(iconName)), el("h3", { text: title }), el("p", { text }));
  const stats = el("p", { class: "stats muted", id: "stats" });
  api("GET", "/stats", undefined, { auth: false }).then((s) => {
    stats.textContent = [t("landing.stat_masters", { count: s.masters }), t("landing.stat_open", { count: s.open_requests }), t("landing.stat_done", { count: s.completed_orders })].join(" · ");
  }).catch(() => {});
  clear(view,
    el("section", { class: "hero" },
      el("h1", { text: t("landing.title") }),
      el("p", { class: "lead", text: t("landing.lead") }),
      me
        ? el("div", { class: "hero-actions" },
          el("p", { class: "welcome", text: t("landing.welcome", { name: displayName(me) }) }),
          el("a", { class: "button", href: "#/chats", text: t("landing.open_chats") }),
          el("a", { class: "button ghost", href: "#/masters", text: t("landing.find_master") }))
        : el("div", { class: "hero-actions" },
          el("a", { class: "button", href: "#/signup", text: t("landing.get_started") }),
          el("a", { class: "button ghost", href: "#/masters", text: t("landing.browse") }))),
    stats,
    el("section", { class: "features" },
      feature("search", t("landing.f1_title"), t("landing.f1_text")),
      feature("list", t("landing.f2_title"), t("landing.f2_text")),
      feature("chat", t("landing.f3_title"), t("landing.f3_text")),
      feature("star", t("landing.f4_title"), t("landing.f4_text"))));
}

function signup({ view, params }) {
  clear(view, formCard(t("auth.signup_title"),
    [field(t("auth.email"), "email", "email", { autocomplete: "email" }), field(t("auth.username"), "username", "text", { autocomplete: "username" }),
      field(t("auth.password"), "password", "password", { minlength: "8", autocomplete: "new-password" })],
    t("auth.signup"), async (data) => {
      const res = await api("POST", "/auth/signup", data, { auth: false });
      saveTokens(res.access_token, res.refresh_token);
      toast(t("auth.welcome"), "ok");
      location.hash = nextHash(params);
    }, [el("a", { href: `#/login${params.toString() ? `?${params}` : ""}`, text: t("auth.have_account") })]));
}

function login({ view, params }) {
  clear(view, formCard(t("auth.login_title"),
    [field(t("auth.login_field"), "login", "text", { autocomplete: "username" }),
      field(t("auth.password"), "password", "password", { autocomplete: "current-password" })],
    t("auth.login"), async (data) => {
      const res = await api("POST", "/auth/login", data, { auth: false });
      saveTokens(res.access_token, res.refresh_token);
      location.hash = nextHash(params);
    }, [el("a", { href: "#/forgot-password", text: t("auth.forgot") }),
      el("a", { href: `#/signup${params.toString() ? `?${params}` : ""}`, text: t("auth.create_account") })],
    params.get("next") ? el("p", { class: "muted", text: t("auth.login_to_continue") }) : null));
}

function forgot({ view }) {
  clear(view, formCard(t("auth.reset_title"),
    [field(t("auth.email"), "email", "email")], t("auth.send_reset"), async (data) => {
      await api("POST", "/auth/reset-password", data, { auth: false });
      toast(t("auth.reset_sent"), "ok");
      location.hash = "#/login";
    }, [el("a", { href: "#/login", text: t("auth.back_to_login") })]));
}

function reset({ view, params }) {
  clear(view, formCard(t("auth.new_password_title"),
    [field(t("auth.new_password"), "password", "password", { minlength: "8", autocomplete: "new-password" })], t("auth.set_password"), async (data) => {
      await api("POST", "/auth/reset-password/confirm", { token: params.get("token") || "", password: data.password }, { auth: false });
      toast(t("auth.password_set"), "ok");
      location.hash = "#/login";
    }));
}

// The link mailed to a new address: confirming it makes it the account's email.
async function confirmEmail({ view, params }) {
  try {
    await api("POST", "/users/me/email/confirm", { token: params.get("token") || "" }, { auth: false });
    clear(view, el("section", { class: "card narrow" }, el("h2", { text: t("auth.email_confirmed") }),
      el("a", { class: "button", href: "#/settings", text: t("auth.to_settings") })));
  } catch (err) {
    clear(view, el("section", { class: "card narrow" }, el("h2", { text: t("auth.email_not_confirmed") }),
      el("p", { class: "error", role: "alert", text: errorText(err) }), el("a", { class: "button ghost", href: "#/settings", text: t("auth.to_settings") })));
  }
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
  { path: "/confirm-email", name: "confirm-email", render: confirmEmail },
];
