// The master catalogue, a master's card and the request form.
import "../../i18n/social.js";
import { api, qs } from "../../api.js";
import { clear, dateTime, el, errorText } from "../../dom.js";
import { errorText as sayError, showErrors } from "../../errors.js";
import { avatar, displayName } from "../../components/avatar.js";
import { emptyState, errorState, loadingState } from "../../components/states.js";
import { t } from "../../i18n.js";
import { me as currentUser } from "../../stores/session.js";
import { categories, categorySelect, cities, cityInput, cityLabel, money, price, stars } from "./common.js";

// ---- catalogue ---------------------------------------------------------------------------------

export async function catalogue({ view, params, go }) {
  const [cats] = await Promise.all([categories(), cities()]);
  const f = {
    q: el("input", { type: "search", name: "q", id: "f-q", placeholder: t("catalog.search"), "aria-label": t("catalog.search"), value: params.get("q") || "" }),
    category: categorySelect(cats, { value: params.get("category"), id: "f-category" }),
    city: cityInput({ name: "city", id: "f-city", placeholder: t("catalog.any_city"), value: params.get("city") || "" }),
    min_rating: el("select", { name: "min_rating", id: "f-rating", "aria-label": t("catalog.rating") }, [["", t("catalog.any_rating")], ["3", t("catalog.rating_up", { rating: 3 })], ["4", t("catalog.rating_up", { rating: 4 })], ["4.5", t("catalog.rating_up", { rating: 4.5 })]]
      .map(([v, t]) => el("option", { value: v, text: t }))),
    max_price: el("input", { name: "max_price", id: "f-price", type: "number", min: "0", placeholder: t("catalog.max_price"), "aria-label": t("catalog.max_price"), value: params.get("max_price") || "" }),
    sort: el("select", { name: "sort", id: "f-sort", "aria-label": t("catalog.sort") }, [["rating", t("catalog.sort_rating")], ["price", t("catalog.sort_price")], ["new", t("catalog.sort_new")]].map(([v, t]) => el("option", { value: v, text: t }))),
  };
  f.min_rating.value = params.get("min_rating") || "";
  f.sort.value = params.get("sort") || "rating";
  // Every filter has a visible label (placeholders vanish as one types).
  const labelled = (node, text, cls = "") => {
    const control = node.matches("input, select") ? node : node.querySelector("input, select");
    return el("div", { class: `filter ${cls}` }, el("label", { for: control.id, text }), node);
  };
  const filters = el("form", { class: "filters", id: "filters", role: "search", "aria-label": t("catalog.filters") },
    labelled(f.q, t("catalog.search_label"), "filter-q"), labelled(f.category, t("market.category")), labelled(f.city, t("market.city")),
    labelled(f.min_rating, t("catalog.rating")), labelled(f.max_price, t("catalog.max_price")), labelled(f.sort, t("catalog.sort")),
    el("button", { type: "submit", class: "small", text: t("catalog.apply") }));
  const control = (node) => (node.matches("input, select") ? node : node.querySelector("input"));
  const apply = () => {
    const p = {};
    for (const [k, node] of Object.entries(f)) if (control(node).value) p[k] = control(node).value.trim();
    go(`#/masters${qs(p)}`);
  };
  filters.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
  for (const node of [f.category, f.min_rating, f.sort]) node.addEventListener("change", apply);

  const results = el("div", { class: "master-grid", id: "masters" }, loadingState());
  const me = currentUser();
  clear(view, el("div", { class: "market" },
    el("div", { class: "page-head" }, el("h1", { text: t("catalog.title") }),
      el("div", { class: "row" },
        el("a", { class: "button ghost", href: "#/requests/new", text: t("request.post") }),
        me && !me.is_master ? el("a", { class: "button ghost", href: "#/master", text: t("nav.become_master") }) : null)),
    filters, results));

  const query = {};
  for (const k of ["q", "category", "city", "min_rating", "max_price", "sort"]) if (params.get(k)) query[k] = params.get(k);
  const load = async () => {
    clear(results, loadingState());
    try {
      const data = await api("GET", `/masters${qs(query)}`);
      clear(results, (data.items || []).length ? data.items.map((m) => masterTile(m, cats)) : emptyState(t("catalog.empty")));
      moreButton(results, data.next, async (cursor) => {
        const page = await api("GET", `/masters${qs({ ...query, cursor })}`);
        return { nodes: (page.items || []).map((m) => masterTile(m, cats)), next: page.next };
      });
    } catch (err) { clear(results, errorState(err, load)); }
  };
  await load();
}

// A "Show more" button after `list` while the server says there is a next page; load(next) gives the
// nodes to append and the following cursor.
function moreButton(list, next, load) {
  if (next === null || next === undefined) return;
  const button = el("button", { type: "button", class: "ghost more", id: `${list.id}-more`, text: t("catalog.show_more") });
  const holder = el("div", { class: "more-row" }, button);
  list.after(holder);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const page = await load(next);
      list.append(...page.nodes);
      holder.remove();
      moreButton(list, page.next, load);
    } catch (err) {
      button.disabled = false;
      button.textContent = t("catalog.show_more_failed", { error: errorText(err) });
    }
  });
}

function masterTile(m, cats) {
  return el("a", { class: "master-tile card", href: `#/masters/${m.user.id}`, dataset: { masterId: m.user.id } },
    el("div", { class: "tile-head" }, avatar(m.user, "md"),
      el("div", {}, el("div", { class: "tile-name", text: displayName(m.user) }),
        el("div", { class: "muted small", text: [cityLabel(m.city), ...m.category_ids.map((id) => cats.byId.get(id)?.name).filter(Boolean)].filter(Boolean).join(" · ") }))),
    el("p", { class: "tile-about", text: m.about }),
    el("div", { class: "tile-foot" }, stars(m.rating, m.rating_count), el("span", { class: "price", text: price(m.price_from, m.price_to) })));
}

// ---- master card -------------------------------------------------------------------------------

export async function masterCard({ view, args }) {
  const id = Number(args.id);
  const [m, cats] = await Promise.all([api("GET", `/masters/${id}`), categories(), cities()]);
  const mine = Boolean(currentUser()) && currentUser().id === id;
  const reviews = el("div", { class: "reviews", id: "reviews" }, (m.recent_reviews || []).map(reviewNode));
  if (!(m.recent_reviews || []).length) reviews.append(emptyState(t("master.no_reviews")));
  clear(view, el("div", { class: "master-card" },
    el("section", { class: "card master-head" },
      avatar(m.user, "lg"),
      el("div", { class: "grow" },
        el("h1", { text: displayName(m.user) }),
        el("p", { class: "muted", text: [cityLabel(m.city), ...m.category_ids.map((c) => cats.byId.get(c)?.name).filter(Boolean)].filter(Boolean).join(" · ") }),
        el("div", { class: "row" }, stars(m.rating, m.review_count),
          el("span", { class: "muted", text: t("master.completed_orders", { count: m.completed_orders }) }))),
      el("div", { class: "master-actions" },
        mine ? el("a", { class: "button", href: "#/master", text: t("master.edit_card") })
          : el("a", { class: "button", id: "send-request", href: `#/requests/new${qs({ master: id })}`, text: t("request.send") }),
        mine ? null : el("a", { class: "button ghost", href: `#/users/${id}`, text: t("master.profile") }))),
    m.about ? el("section", { class: "card" }, el("h2", { text: t("master.about") }), el("p", { class: "pre", text: m.about })) : null,
    el("section", { class: "card" }, el("h2", { text: t("master.services") }),
      (m.services || []).length
        ? el("ul", { class: "services" }, m.services.map((s) => el("li", { class: "service" },
          el("div", { class: "grow" }, el("strong", { text: s.title }), el("div", { class: "muted small", text: cats.byId.get(s.category_id)?.name || "" }),
            s.description ? el("p", { class: "small", text: s.description }) : null),
          el("div", { class: "service-side" }, el("span", { class: "price", text: money(s.price) }),
            mine ? null : el("a", { class: "button small ghost", href: `#/requests/new${qs({ master: id, service: s.id })}`, text: t("master.request_service") })))))
        : emptyState(t("master.no_services"))),
    el("section", { class: "card" }, el("h2", { text: t("master.reviews_count", { count: m.review_count }) }), reviews)));
  if (currentUser()) portfolio(view.querySelector(".master-card"), id);
  const shown = m.recent_reviews || [];
  if (shown.length && shown.length < m.review_count) {
    // The card carries the latest few; the rest come a page at a time, older than the last one shown.
    moreButton(reviews, shown[shown.length - 1].id, async (before) => {
      const page = await api("GET", `/masters/${id}/reviews${qs({ before })}`);
      return { nodes: (page.items || []).map(reviewNode), next: page.next };
    });
  }
}

/** The master's wall is their portfolio: the latest photos of their posts, after the "about" part. */
async function portfolio(card, userId) {
  try {
    const { items } = await api("GET", `/users/${userId}/photos`);
    if (!items.length || !card.isConnected) return;
    const about = card.querySelector(".master-head");
    about.after(el("section", { class: "card portfolio" }, el("h2", { text: t("wall.works") }),
      el("div", { class: "photo-grid" }, items.map((p) => el("a", { href: `#/people/${userId}` }, el("img", { src: p.url, alt: "", loading: "lazy" }))))));
  } catch { /* a wall closed to me (blocked): no portfolio */ }
}

function reviewNode(r) {
  return el("div", { class: "review" },
    el("div", { class: "row" }, avatar(r.customer, "sm"), el("strong", { text: displayName(r.customer) }),
      el("span", { class: "stars", text: "★".repeat(r.rating) + "☆".repeat(5 - r.rating) }),
      el("span", { class: "muted small", text: dateTime(r.created_at) })),
    r.text ? el("p", { text: r.text }) : null);
}

// ---- request form ------------------------------------------------------------------------------

export async function requestForm({ view, params }) {
  const cats = await categories();
  const masterId = params.get("master") ? Number(params.get("master")) : null;
  const serviceId = params.get("service") ? Number(params.get("service")) : null;
  let master = null;
  if (masterId) master = await api("GET", `/masters/${masterId}`).catch(() => null);
  const service = master && serviceId ? (master.services || []).find((s) => s.id === serviceId) : null;
  const result = el("div", { class: "result", role: "status", id: "request-result" });
  const category = categorySelect(cats, { id: "r-category", any: t("request.choose_category"), required: true, value: service ? service.category_id : master ? master.category_ids[0] : params.get("category") });
  const form = el("form", { class: "stack", id: "request-form" },
    master ? el("p", { class: "muted", text: service ? t("request.to_master_service", { name: displayName(master.user), service: service.title }) : t("request.to_master", { name: displayName(master.user) }) }) : null,
    el("label", { for: "r-title", text: t("request.what") }), el("input", { id: "r-title", name: "title", required: true, maxlength: "120", placeholder: t("request.what_placeholder"), value: service ? service.title : "" }),
    el("label", { for: "r-category", text: t("market.category") }), category,
    el("label", { for: "r-description", text: t("request.details") }), el("textarea", { id: "r-description", name: "description", rows: "4", maxlength: "4000" }),
    el("div", { class: "row2" },
      el("div", {}, el("label", { for: "r-budget", text: t("request.budget") }), el("input", { id: "r-budget", name: "budget", type: "number", min: "0" })),
      el("div", {}, el("label", { for: "r-city", text: t("market.city") }), cityInput({ id: "r-city", name: "city", value: currentUser()?.city || "" }))),
    el("button", { type: "submit", text: t("request.send") }), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    result.className = "result";
    showErrors(form, result, null);
    const d = Object.fromEntries(new FormData(form).entries());
    const body = { title: d.title.trim(), description: d.description.trim() };
    if (d.category) body.category_id = Number(d.category);
    if (d.budget) body.budget = Number(d.budget);
    if (d.city) body.city = d.city.trim();
    if (masterId) body.master_id = masterId;
    if (service) body.service_id = service.id;
    try {
      const req = await api("POST", "/requests", body);
      result.className = "result ok";
      clear(result, el("span", { text: t("request.sent") }), " ", el("a", { href: `#/requests/${req.id}`, text: t("request.open_it") }));
      form.querySelector("button[type=submit]").disabled = true;
    } catch (err) {
      result.className = "result fail";
      showErrors(form, null, err);
      const rest = sayError(err, new Set([...form.querySelectorAll("[aria-invalid=true]")].map((n) => n.name)));
      result.textContent = rest ? t("request.not_sent", { error: rest }) : t("request.not_sent_fields");
    }
  });
  clear(view, el("section", { class: "card narrow" }, el("h1", { text: master ? t("request.to_a_master") : t("request.post") }), form));
}
