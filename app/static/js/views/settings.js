// Account settings: profile fields, avatar, password, log out.
import { api } from "../api.js";
import { clear, el, errorText, toast } from "../dom.js";
import { showErrors } from "../errors.js";
import { avatar } from "../components/avatar.js";
import "../i18n/settings.js";
import { getLocale, LOCALES, setLocale, t } from "../i18n.js";
import { me as currentUser, session } from "../stores/session.js";
import { logout } from "./auth.js";
import { cities, cityInput } from "./market/common.js";
import { musicSettings } from "./music/settings.js";

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
    // Changing the email needs the current password (the server then mails a link to the new address).
    el("div", { class: "field", id: "email-password", hidden: true }, el("label", { for: "set-current_password", text: t("settings.current_password") }),
      el("input", { id: "set-current_password", name: "current_password", type: "password", autocomplete: "current-password", disabled: true })),
    el("div", { class: "field" }, el("label", { for: "set-city", text: t("settings.city") }), cityInput({ id: "set-city", name: "city", value: me.city || "" })),
    input(t("settings.telegram"), "telegram", me.telegram, { placeholder: t("settings.telegram_placeholder") }),
    input(t("settings.phone"), "phone", me.phone, { type: "tel" }),
    input(t("settings.birth_date"), "birth_date", me.birth_date, { type: "date" }),
    input(t("settings.bio"), "bio", me.bio, { multiline: true, maxlength: "2000" }),
    el("button", { type: "submit", text: t("settings.save_profile") }), profileError);
  const emailInput = profile.elements.namedItem("email");
  const emailPassword = profile.querySelector("#email-password");
  emailInput.addEventListener("input", () => {
    const changing = emailInput.value.trim() !== (me.email || "");
    emailPassword.hidden = !changing;
    profile.elements.namedItem("current_password").disabled = !changing;
  });
  profile.addEventListener("submit", async (e) => {
    e.preventDefault();
    showErrors(profile, profileError, null);
    const data = Object.fromEntries(new FormData(profile).entries());
    const changes = {};
    for (const [k, v] of Object.entries(data)) if (k !== "current_password" && (me[k] || "") !== v) changes[k] = k === "birth_date" && !v ? null : v;
    if (changes.email) changes.current_password = data.current_password || "";
    if (!Object.keys(changes).length) { toast(t("settings.nothing_to_save")); return; }
    try {
      Object.assign(me, await api("PATCH", "/users/me", changes));
      await refreshMe();
      if (changes.email) {
        // The address changes only once the link mailed to it is opened.
        emailInput.value = me.email || "";
        profile.elements.namedItem("current_password").value = "";
        emailInput.dispatchEvent(new Event("input"));
        toast(t("settings.email_link_sent", { email: changes.email }), "ok");
      } else toast(t("settings.profile_saved"), "ok");
    } catch (err) {
      // A wrong current password belongs beside its field.
      const wrong = err.code === "invalid_credentials" ? { code: "validation_error", details: { fields: { current_password: { code: "wrong_password" } } } } : null;
      showErrors(profile, profileError, wrong || err);
    }
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
    showErrors(pw, pwError, null);
    try {
      await api("POST", "/auth/change-password", Object.fromEntries(new FormData(pw).entries()));
      pw.reset();
      toast(t("settings.password_changed"), "ok");
    } catch (err) {
      const wrong = err.code === "invalid_credentials" ? { code: "validation_error", details: { fields: { old_password: { code: "wrong_password" } } } } : null;
      showErrors(pw, pwError, wrong || err);
    }
  });

  clear(view, el("div", { class: "settings" },
    el("h1", { text: t("settings.title") }),
    el("section", { class: "card" }, el("h2", { text: t("settings.photo") }), el("div", { class: "row" }, avatarBox,
      el("label", { class: "button ghost", for: "avatar-file", text: t("settings.upload_photo") }), file)),
    el("section", { class: "card", id: "language" }, el("h2", { text: t("settings.language") }), languageSwitch(me)),
    el("section", { class: "card" }, el("h2", { text: t("settings.profile") }), profile),
    musicSettings(me),
    el("section", { class: "card" }, el("h2", { text: t("settings.password") }), pw),
    el("section", { class: "card" }, el("h2", { text: t("settings.session") }),
      el("p", { class: "muted", text: t("settings.signed_in_as", { username: currentUser().username }) }),
      el("button", { type: "button", class: "secondary", id: "logout", text: t("settings.logout"), onclick: logout }))));
}

// The interface language: chosen from the browser until the user picks one here; then kept in the
// profile (`locale`, so every device follows it) and in this browser. The page redraws in it at once.
function languageSwitch(me) {
  const select = el("select", { id: "set-locale", name: "locale" },
    LOCALES.map((loc) => el("option", { value: loc, text: t(`settings.locale_${loc}`) })));
  select.value = getLocale();
  select.addEventListener("change", async () => {
    const locale = select.value;
    select.disabled = true;
    if ("locale" in me) {
      try { Object.assign(me, await api("PATCH", "/users/me", { locale })); } catch (err) { toast(errorText(err), "error"); }
    }
    session.set({ me: { ...session.get().me, locale } });
    setLocale(locale);
  });
  return el("div", { class: "field lang-switch" }, el("label", { for: "set-locale", text: t("settings.language_label") }), select);
}

export const settingsRoutes = [{ path: "/settings", name: "settings", auth: true, render: settings }];
