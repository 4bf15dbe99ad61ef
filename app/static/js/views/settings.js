// Account settings: profile fields, avatar, password, log out.
import { api } from "../api.js";
import { clear, el, errorText, toast } from "../dom.js";
import { avatar } from "../components/avatar.js";
import "../i18n/settings.js";
import { getLocale, LOCALES, setLocale, t } from "../i18n.js";
import { me as currentUser } from "../stores/session.js";
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
    input(t("settings.display_name"), "display_name", me.display_name, { maxlength: "64" }),
    input(t("settings.username"), "username", me.username, { maxlength: "32" }),
    input(t("settings.email"), "email", me.email, { type: "email" }),
    input(t("settings.city"), "city", me.city, { maxlength: "64", list: cityList() }),
    input(t("settings.telegram"), "telegram", me.telegram, { placeholder: t("settings.telegram_placeholder") }),
    input(t("settings.phone"), "phone", me.phone, { type: "tel" }),
    input(t("settings.birth_date"), "birth_date", me.birth_date, { type: "date" }),
    input(t("settings.bio"), "bio", me.bio, { multiline: true, maxlength: "2000" }),
    el("button", { type: "submit", text: t("settings.save_profile") }), profileError);
  profile.addEventListener("submit", async (e) => {
    e.preventDefault();
    profileError.textContent = "";
    const data = Object.fromEntries(new FormData(profile).entries());
    const changes = {};
    for (const [k, v] of Object.entries(data)) if ((me[k] || "") !== v) changes[k] = k === "birth_date" && !v ? null : v;
    if (!Object.keys(changes).length) { toast(t("settings.nothing_to_save")); return; }
    try {
      Object.assign(me, await api("PATCH", "/users/me", changes));
      await refreshMe();
      toast(t("settings.profile_saved"), "ok");
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
      toast(t("settings.avatar_updated"), "ok");
    } catch (err) { toast(errorText(err), "error"); }
    file.value = "";
  });

  const pwError = el("div", { class: "error", role: "alert" });
  const pw = el("form", { class: "stack", id: "password-form" },
    el("div", { class: "field" }, el("label", { for: "old_password", text: t("settings.current_password") }),
      el("input", { id: "old_password", name: "old_password", type: "password", autocomplete: "current-password", required: true })),
    el("div", { class: "field" }, el("label", { for: "new_password", text: t("settings.new_password") }),
      el("input", { id: "new_password", name: "password", type: "password", autocomplete: "new-password", minlength: "8", required: true })),
    el("button", { type: "submit", text: t("settings.change_password") }), pwError);
  pw.addEventListener("submit", async (e) => {
    e.preventDefault();
    pwError.textContent = "";
    try {
      await api("POST", "/auth/change-password", Object.fromEntries(new FormData(pw).entries()));
      pw.reset();
      toast(t("settings.password_changed"), "ok");
    } catch (err) { pwError.textContent = errorText(err); }
  });

  clear(view, el("div", { class: "settings" },
    el("h1", { text: t("settings.title") }),
    el("section", { class: "card" }, el("h2", { text: t("settings.photo") }), el("div", { class: "row" }, avatarBox,
      el("label", { class: "button ghost", for: "avatar-file", text: t("settings.upload_photo") }), file)),
    el("section", { class: "card" }, el("h2", { text: t("settings.profile") }), profile),
    el("section", { class: "card", id: "language" }, el("h2", { text: t("settings.language") }), languageSwitch()),
    el("section", { class: "card" }, el("h2", { text: t("settings.password") }), pw),
    el("section", { class: "card" }, el("h2", { text: t("settings.session") }),
      el("p", { class: "muted", text: t("settings.signed_in_as", { username: currentUser().username }) }),
      el("button", { type: "button", class: "secondary", id: "logout", text: t("settings.logout"), onclick: logout }))));
}

// The interface language: kept in this browser (localStorage) for now; the page redraws in it at once.
function languageSwitch() {
  const select = el("select", { id: "set-locale", name: "locale" },
    LOCALES.map((loc) => el("option", { value: loc, text: t(`settings.locale_${loc}`) })));
  select.value = getLocale();
  select.addEventListener("change", () => setLocale(select.value));
  return el("div", { class: "field lang-switch" }, el("label", { for: "set-locale", text: t("settings.language_label") }), select);
}

export const settingsRoutes = [{ path: "/settings", name: "settings", auth: true, render: settings }];
