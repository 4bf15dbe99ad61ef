// The page at /: landing, sign-up, log-in and password reset. Routes live in the URL hash.
import { api, ApiError, clearTokens, saveTokens, tokens } from "./api.js";

const view = document.getElementById("view");
const nav = document.getElementById("nav");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

function field(label, name, type = "text", extra = {}) {
  return [el("label", { for: name, text: label }), el("input", { id: name, name, type, required: "", ...extra })];
}

function form(title, fields, submitText, onsubmit, links = []) {
  const error = el("div", { class: "error", role: "alert" });
  const f = el("form", { novalidate: "" }, ...fields.flat(), el("button", { type: "submit", text: submitText }), error);
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const data = Object.fromEntries(new FormData(f).entries());
    try {
      await onsubmit(data);
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : "Network error; try again.";
    }
  });
  return el("section", { class: "card" }, el("h2", { text: title }), f, el("div", { class: "links" }, ...links));
}

async function renderNav() {
  nav.replaceChildren();
  if (tokens().access) {
    try {
      const me = await api("GET", "/users/me");
      nav.append(el("span", { text: `@${me.username}` }),
        el("button", { class: "secondary", text: "Log out", onclick: logout }));
      return me;
    } catch { clearTokens(); }
  }
  nav.append(el("a", { href: "#/login", text: "Log in" }), el("a", { href: "#/signup", class: "button", text: "Sign up" }));
  return null;
}

async function logout() {
  try { await api("POST", "/auth/logout"); } catch { /* the session is gone either way */ }
  clearTokens();
  location.hash = "#/";
  route();
}

const routes = {
  "/": async (me) => {
    view.replaceChildren(el("section", { class: "hero" },
      el("h1", { text: "Find a master. Talk in real time." }),
      el("p", { text: "Masterchat connects customers with masters — repairs, lessons, lectures and more — and gives everyone a fast messenger with direct chats and groups." }),
      me ? el("p", { text: `Welcome, ${me.display_name || me.username}.` })
         : el("a", { class: "button", href: "#/signup", text: "Get started" })));
  },
  "/signup": () => view.replaceChildren(form("Create your account",
    [field("Email", "email", "email"), field("Username", "username"), field("Password", "password", "password", { minlength: "8" })],
    "Sign up", async (data) => {
      const res = await api("POST", "/auth/signup", data, { auth: false });
      saveTokens(res.access_token, res.refresh_token);
      toast("Welcome to Masterchat!");
      location.hash = "#/";
    }, [el("a", { href: "#/login", text: "I have an account" })])),
  "/login": () => view.replaceChildren(form("Log in",
    [field("Email or username", "login"), field("Password", "password", "password")],
    "Log in", async (data) => {
      const res = await api("POST", "/auth/login", data, { auth: false });
      saveTokens(res.access_token, res.refresh_token);
      location.hash = "#/";
    }, [el("a", { href: "#/forgot-password", text: "Forgot password?" }), el("a", { href: "#/signup", text: "Sign up" })])),
  "/forgot-password": () => view.replaceChildren(form("Reset your password",
    [field("Email", "email", "email")], "Send reset link", async (data) => {
      await api("POST", "/auth/reset-password", data, { auth: false });
      toast("If that address has an account, a reset link is on its way.");
      location.hash = "#/login";
    })),
  "/reset-password": (_me, params) => view.replaceChildren(form("Choose a new password",
    [field("New password", "password", "password", { minlength: "8" })], "Set password", async (data) => {
      await api("POST", "/auth/reset-password/confirm", { token: params.get("token") || "", password: data.password }, { auth: false });
      toast("Password changed. Log in with the new one.");
      location.hash = "#/login";
    })),
};

async function route() {
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const me = await renderNav();
  const handler = routes[path] || routes["/"];
  await handler(me, new URLSearchParams(query || ""));
}

window.addEventListener("hashchange", route);
route();
