// A person's name and round avatar: the picture, or an initial on a colour picked from the id.
import { el } from "../dom.js";
import { t } from "../i18n.js";

/** The name to show for a user: display name, else username. */
export function displayName(user) {
  if (!user) return t("common.unknown_user");
  return user.display_name || user.username || t("common.user_n", { id: user.id });
}

/** avatar(user, "sm" | "md" | "lg"): a span with the picture or the initial. */
export function avatar(user, size = "md") {
  const box = el("span", { class: `avatar avatar-${size}` });
  if (user && user.avatar_url) {
    box.append(el("img", { src: user.avatar_url, alt: "" }));
  } else {
    const name = displayName(user);
    box.textContent = name.trim().slice(0, 1).toUpperCase() || "?";
    box.style.background = `hsl(${((user && user.id) || 0) * 67 % 360} 55% 55%)`;
  }
  return box;
}
