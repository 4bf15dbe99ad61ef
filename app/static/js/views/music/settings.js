// The music card of Settings: may my chat partners see what I am listening to (profile share_listening)?
import "../../i18n/music.js";
import { api } from "../../api.js";
import { el, errorText, toast } from "../../dom.js";
import { t } from "../../i18n.js";

/** A card with the share_listening switch, saved at once. */
export function musicSettings(me) {
  const box = el("input", { type: "checkbox", id: "share-listening", checked: Boolean(me.share_listening) });
  box.addEventListener("change", async () => {
    try {
      await api("PATCH", "/users/me", { share_listening: box.checked });
      toast(t("settings.share_listening_saved"), "ok");
    } catch (err) {
      box.checked = !box.checked;
      toast(errorText(err), "error");
    }
  });
  return el("section", { class: "card", id: "music-settings" }, el("h2", { text: t("settings.music") }),
    el("label", { class: "row", for: "share-listening" }, box, el("span", { text: t("settings.share_listening") })));
}
