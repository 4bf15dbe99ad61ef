// Site administration (#/admin): find an account, ban / unban it, end its sessions, delete it; the audit log.
// Site admins only: the server answers 403 to anyone else and the page says so. Self-contained on purpose
// (one route line in main.js); its strings are in i18n/admin.js.
import { api, qs } from "../api.js";
import { avatar } from "../components/avatar.js";
import { clear, confirmBox, dateTime, debounce, el, errorText, modal, toast } from "../dom.js";
import "../i18n/admin.js";
import "../i18n/social.js";
import { t } from "../i18n.js";

function stateText(u) {
  if (u.deleted) return t("admin.state_deleted");
  if (u.banned) return u.banned_reason ? t("admin.state_banned_reason", { reason: u.banned_reason }) : t("admin.state_banned");
  return u.is_admin ? t("admin.state_admin") : t("admin.state_active");
}

function userRow(u, reload) {
  const act = (label, cls, fn) => el("button", { type: "button", class: cls, text: label, onclick: fn });
  const run = async (message, call) => {
    try { await call(); toast(message, "ok"); await reload(); } catch (err) { toast(errorText(err), "error"); }
  };
  const actions = [];
  if (!u.deleted) {
    if (u.banned) actions.push(act(t("admin.unban"), "secondary", () => run(t("admin.unbanned"), () => api("POST", `/admin/users/${u.id}/unban`))));
    else actions.push(act(t("admin.ban"), "danger", () => banDialog(t("admin.ban_title", { username: u.username }),
      (reason) => run(t("admin.banned"), () => api("POST", `/admin/users/${u.id}/ban`, { reason })))));
    actions.push(act(t("admin.end_sessions"), "secondary", () => run(t("admin.sessions_ended"), () => api("POST", `/admin/users/${u.id}/revoke-sessions`))));
    actions.push(act(t("admin.delete"), "danger", async () => {
      if (!(await confirmBox(t("admin.delete_confirm", { username: u.username }), t("admin.delete")))) return;
      await run(t("admin.deleted"), () => api("DELETE", `/admin/users/${u.id}`));
    }));
  }
  return el("li", { class: "row admin-user", dataset: { userId: String(u.id) } },
    avatar(u, "sm"),
    el("div", { class: "grow" },
      el("strong", { text: u.display_name || u.username }), " ",
      el("span", { class: "muted", text: `@${u.username} · ${u.email} · ${stateText(u)}` })),
    el("div", { class: "row end" }, ...actions));
}

function banDialog(title, onBan) {
  const reason = el("input", { type: "text", maxlength: "200", placeholder: t("admin.reason"), "aria-label": t("admin.reason_label") });
  const box = modal(title, reason,
    el("div", { class: "row end" },
      el("button", { type: "button", class: "danger", text: t("admin.ban"), id: "admin-ban-confirm", onclick: async () => {
        box.close();
        await onBan(reason.value);
      } })));
  reason.focus();
}

// One report of the queue: what was reported (as text), who wrote it, who reported it, and the three actions.
function reportRow(r, reload) {
  const run = async (message, call) => {
    try { await call(); toast(message, "ok"); await reload(); } catch (err) { toast(errorText(err), "error"); }
  };
  const who = (u) => (u ? `${u.display_name || u.username} (@${u.username})` : "?");
  const kind = t(`admin.report_${r.target_type}`);
  const meta = [
    t(`admin.status_${r.status}`),
    t(`report.${r.reason}`),
    t("admin.report_author", { name: who(r.author) }),
    t("admin.report_by", { name: who(r.reporter) }),
    dateTime(r.created_at),
  ];
  if (r.author?.banned) meta.push(t("admin.author_banned"));
  const content = r.content
    ? el("blockquote", { class: "report-text" }, r.content.text || "—",
      r.content.images ? el("span", { class: "muted", text: ` · ${t("admin.report_images", { count: r.content.images })}` }) : null,
      r.content.community ? el("span", { class: "muted", text: ` · ${t("admin.report_in", { name: r.content.community })}` }) : null)
    : el("p", { class: "muted", text: t("admin.report_gone") });
  const actions = [];
  const btn = (label, cls, fn) => el("button", { type: "button", class: cls, text: label, onclick: fn });
  if (r.status === "open") {
    actions.push(btn(t("admin.dismiss"), "secondary", () => run(t("admin.dismissed"), () => api("POST", `/admin/reports/${r.id}/dismiss`))));
    if (r.content && r.target_type !== "user") {
      actions.push(btn(t("admin.delete_content"), "danger", async () => {
        if (!(await confirmBox(t("admin.delete_content_confirm"), t("admin.delete")))) return;
        await run(t("admin.content_deleted"), () => api("POST", `/admin/reports/${r.id}/delete-content`));
      }));
    }
  }
  if (r.author && !r.author.banned) {
    actions.push(btn(t("admin.ban_author"), "danger", () => banDialog(t("admin.ban_title", { username: r.author.username }),
      (reason) => run(t("admin.banned"), () => api("POST", `/admin/reports/${r.id}/ban-author`, { reason })))));
  }
  return el("li", { class: "admin-report", dataset: { reportId: String(r.id), status: r.status } },
    el("div", { class: "row" }, el("strong", { text: kind }), el("span", { class: "muted", text: meta.join(" · ") })),
    content,
    actions.length ? el("div", { class: "row end" }, ...actions) : null);
}

function auditRow(e) {
  const details = Object.entries(e.details || {}).map(([k, v]) => `${k}=${v}`).join(" ");
  return el("li", { class: "muted" },
    `${dateTime(e.created_at)} · ${e.actor} · ${e.action} · ${t("admin.user_n", { id: e.target_id ?? "?" })}${details ? ` · ${details}` : ""}`);
}

async function admin({ view }) {
  const search = el("input", { type: "search", placeholder: t("admin.search"), "aria-label": t("admin.find_user") });
  const list = el("ul", { class: "stack", id: "admin-users" });
  const audit = el("ul", { class: "stack", id: "admin-audit" });
  const reports = el("ul", { class: "stack", id: "admin-reports" });
  const which = el("select", { class: "admin-filter", "aria-label": t("admin.reports_filter") },
    el("option", { value: "open", text: t("admin.reports_open") }), el("option", { value: "all", text: t("admin.reports_all") }));
  const load = async () => {
    const [users, log, queue] = await Promise.all([
      api("GET", `/admin/users${qs({ q: search.value.trim(), limit: 50 })}`),
      api("GET", `/admin/audit${qs({ limit: 30 })}`),
      api("GET", `/admin/reports${qs({ status: which.value, limit: 50 })}`),
    ]);
    clear(reports, queue.items.length ? queue.items.map((r) => reportRow(r, load)) : el("li", { class: "muted", text: t("admin.no_reports") }));
    clear(list, users.items.length ? users.items.map((u) => userRow(u, load)) : el("li", { class: "muted", text: t("admin.nobody") }));
    clear(audit, log.items.length ? log.items.map(auditRow) : el("li", { class: "muted", text: t("admin.no_actions") }));
  };
  try {
    await load();
  } catch (err) {
    clear(view, el("section", { class: "card narrow" }, el("h1", { text: t("admin.title") }),
      el("p", { class: "error", text: err.status === 403 ? t("admin.only_admins") : errorText(err) })));
    return;
  }
  search.addEventListener("input", debounce(() => load().catch((err) => toast(errorText(err), "error")), 250));
  which.addEventListener("change", () => load().catch((err) => toast(errorText(err), "error")));
  clear(view,
    el("section", { class: "card", "aria-labelledby": "admin-reports-title" }, el("h1", { text: t("admin.title") }),
      el("div", { class: "row" }, el("h2", { id: "admin-reports-title", class: "grow", text: t("admin.reports") }), which), reports),
    el("section", { class: "card" }, el("h2", { text: t("admin.users") }), search, list),
    el("section", { class: "card" }, el("h2", { text: t("admin.audit") }), audit));
}

export const adminRoutes = [{ path: "/admin", name: "admin", auth: true, render: admin }];
