// Account settings: profile fields, avatar, password, log out.
import { api } from "../api.js";
import { avatar, clear, el, errorText, toast } from "../dom.js";
import * as store from "../store.js";
import { logout } from "./auth.js";
import { cityList } from "./market/common.js";

function input(label, name, value, attrs = {}) {
  const id = `set-${name}`;
  const node = attrs.multiline
    ? el("textarea", { id, name, rows: "3", maxlength: attrs.maxlength })
    : el("input", { id, name, type: attrs.type || "text", maxlength: attrs.maxlength, placeholder: attrs.placeholder, list: attrs.list, autocomplete: attrs.list ? "off" : undefined });
  node.value = value || "";
  return el("div", { class: "field" }, el("label", { for: id, text: label }), node);
}

async function settings({ view, refreshMe }) {
  const me = await api("GET", "/users/me");
  const profileError = el("div", { class: "error", role: "alert" });
  const profile = el("form", { class: "stack", id: "profile-form" },
    input("Display name", "display_name", me.display_name, { maxlength: "64" }),
    input("Username", "username", me.username, { maxlength: "32" }),
    input("Email", "email", me.email, { type: "email" }),
    input("City", "city", me.city, { maxlength: "64", list: cityList() }),
    input("Telegram", "telegram", me.telegram, { placeholder: "@name" }),
    input("Phone", "phone", me.phone, { type: "tel" }),
    input("Birth date", "birth_date", me.birth_date, { type: "date" }),
    input("About me", "bio", me.bio, { multiline: true, maxlength: "2000" }),
    el("button", { type: "submit", text: "Save profile" }), profileError);
  profile.addEventListener("submit", async (e) => {
    e.preventDefault();
    profileError.textContent = "";
    const data = Object.fromEntries(new FormData(profile).entries());
    const changes = {};
    for (const [k, v] of Object.entries(data)) if ((me[k] || "") !== v) changes[k] = k === "birth_date" && !v ? null : v;
    if (!Object.keys(changes).length) { toast("Nothing to save."); return; }
    try {
      Object.assign(me, await api("PATCH", "/users/me", changes));
      await refreshMe();
      toast("Profile saved.", "ok");
    } catch (err) { profileError.textContent = errorText(err); }
  });

  const avatarBox = el("div", { class: "avatar-edit" }, avatar(me, "lg"));
  const file = el("input", { type: "file", accept: "image/*", id: "avatar-file", class: "visually-hidden" });
  file.addEventListener("change", async () => {
    if (!file.files[0]) return;
    const form = new FormData();
    form.append("file", file.files[0]);
    try {
      const updated = await api("PUT", "/users/me/avatar", form);
      clear(avatarBox, avatar(updated, "lg"));
      await refreshMe();
      toast("Avatar updated.", "ok");
    } catch (err) { toast(errorText(err), "error"); }
    file.value = "";
  });

  const pwError = el("div", { class: "error", role: "alert" });
  const pw = el("form", { class: "stack", id: "password-form" },
    el("div", { class: "field" }, el("label", { for: "old_password", text: "Current password" }),
      el("input", { id: "old_password", name: "old_password", type: "password", autocomplete: "current-password", required: true })),
    el("div", { class: "field" }, el("label", { for: "new_password", text: "New password" }),
      el("input", { id: "new_password", name: "password", type: "password", autocomplete: "new-password", minlength: "8", required: true })),
    el("button", { type: "submit", text: "Change password" }), pwError);
  pw.addEventListener("submit", async (e) => {
    e.preventDefault();
    pwError.textContent = "";
    try {
      await api("POST", "/auth/change-password", Object.fromEntries(new FormData(pw).entries()));
      pw.reset();
      toast("Password changed.", "ok");
    } catch (err) { pwError.textContent = errorText(err); }
  });

  clear(view, el("div", { class: "settings" },
    el("h1", { text: "Account settings" }),
    el("section", { class: "card" }, el("h2", { text: "Photo" }), el("div", { class: "row" }, avatarBox,
      el("label", { class: "button ghost", for: "avatar-file", text: "Upload a photo" }), file)),
    el("section", { class: "card" }, el("h2", { text: "Profile" }), profile),
    el("section", { class: "card" }, el("h2", { text: "Password" }), pw),
    el("section", { class: "card" }, el("h2", { text: "Session" }),
      el("p", { class: "muted", text: `Signed in as @${store.state.me.username}.` }),
      el("button", { type: "button", class: "secondary", id: "logout", text: "Log out", onclick: logout }))));
}

export const settingsRoutes = [{ path: "/settings", name: "settings", auth: true, render: settings }];
