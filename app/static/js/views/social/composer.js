// The post composer: text and up to 10 images, each uploaded (checked and re-encoded by the server) as
// soon as it is picked, shown as thumbnails that can be removed; posting waits for the uploads.
import "../../i18n/social.js";
import { clear, el, errorText, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { icon } from "../../icons.js";
import { createPost, uploadImage } from "../../stores/social.js";

const MAX_IMAGES = 10;

/** composer({communityId, placeholder, onPosted}) -> node */
export function composer({ communityId = null, placeholder = t("composer.placeholder"), onPosted = null } = {}) {
  const images = []; // {id?, url?, pending: Promise, file}
  const text = el("textarea", { name: "body", rows: 2, maxlength: 10000, placeholder, "aria-label": placeholder });
  const thumbs = el("div", { class: "composer-thumbs" });
  const file = el("input", { type: "file", accept: "image/*", multiple: true, hidden: true, name: "images" });
  const submit = el("button", { type: "submit", text: t("composer.post") });

  const drawThumbs = () => {
    clear(thumbs, images.map((im) => el("div", { class: `thumb${im.id ? "" : " uploading"}` },
      im.preview ? el("img", { src: im.preview, alt: "" }) : null,
      el("button", { type: "button", class: "icon remove", "aria-label": t("composer.remove_image"), text: "✕", onclick: () => {
        images.splice(images.indexOf(im), 1);
        drawThumbs();
      } }))));
    submit.disabled = images.some((im) => !im.id);
  };

  file.addEventListener("change", () => {
    const picked = [...file.files];
    file.value = "";
    if (images.length + picked.length > MAX_IMAGES) toast(t("composer.too_many"), "error");
    for (const f of picked.slice(0, MAX_IMAGES - images.length)) {
      const im = { preview: URL.createObjectURL(f) };
      images.push(im);
      im.pending = uploadImage(f).then((res) => { im.id = res.id; drawThumbs(); }).catch((err) => {
        images.splice(images.indexOf(im), 1);
        toast(errorText(err), "error");
        drawThumbs();
      });
    }
    drawThumbs();
  });

  const form = el("form", { class: "card post-composer stack", onsubmit: async (e) => {
    e.preventDefault();
    await Promise.all(images.map((im) => im.pending));
    const body = text.value.trim();
    const ids = images.filter((im) => im.id).map((im) => im.id);
    if (!body && !ids.length) { text.focus(); return; }
    submit.disabled = true;
    try {
      const post = await createPost(body, ids, communityId);
      text.value = "";
      images.length = 0;
      drawThumbs();
      if (onPosted) onPosted(post);
    } catch (err) {
      toast(errorText(err), "error");
    }
    submit.disabled = false;
  } }, text, thumbs, el("div", { class: "row between" },
    el("button", { type: "button", class: "ghost small", dataset: { action: "photos" }, onclick: () => file.click() }, icon("image"), t("composer.photos")), file, submit));
  return form;
}
