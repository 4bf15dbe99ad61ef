// Site administration (#/admin): find an account, ban / unban it, end its sessions, delete it; the audit log.
// Site admins only: the server answers 403 to anyone else and the page says so. Self-contained on purpose
// (one route line in main.js); its strings move to the translation catalogue with the rest of the client.
import { api, qs } from "../api.js";
import { avatar, clear, confirmBox, dateTime, debounce, el, errorText, modal, toast } from "../dom.js";

function stateText(u) {
  if (u.deleted) return "deleted";
  if (u.banned) return u.banned_reason ? `banned: ${u.banned_reason}` : "banned";
  return u.is_admin ? "site admin" : "active";
}

function userRow(u, reload) {
  const act = (label, cls, fn) => el("button", { type: "button", class: cls, text: label, onclick: fn });
  const run = async (message, call) => {
    try { await call(); toast(message, "ok"); await reload(); } catch (err) { toast(errorText(err), "error"); }
  };
  const actions = [];
  if (!u.deleted) {
    if (u.banned) actions.push(act("Unban", "secondary", () => run("Ban lifted.", () => api("POST", `/admin/users/${u.id}/unban`))));
    else actions.push(act("Ban", "danger", () => {
      const reason = el("input", { type: "text", maxlength: "200", placeholder: "Reason (optional)", "aria-label": "Reason" });
      const box = modal(`Ban ${u.username}?`, reason,
        el("div", { class: "row end" },
          el("button", { type: "button", class: "danger", text: "Ban", id: "admin-ban-confirm", onclick: async () => {
            box.close();
            await run("Banned; their sockets are closed.", () => api("POST", `/admin/users/${u.id}/ban`, { reason: reason.value }));
          } })));
      reason.focus();
    }));
    actions.push(act("End sessions", "secondary", () => run("Sessions ended.", () => api("POST", `/admin/users/${u.id}/revoke-sessions`))));
    actions.push(act("Delete", "danger", async () => {
      if (!(await confirmBox(`Delete ${u.username}'s account? Their messages stay as "deleted account".`, "Delete"))) return;
      await run("Account deleted.", () => api("DELETE", `/admin/users/${u.id}`));
    }));
  }
  return el("li", { class: "row admin-user", dataset: { userId: String(u.id) } },
    avatar(u, "sm"),
    el("div", { class: "grow" },
      el("strong", { text: u.display_name || u.username }), " ",
      el("span", { class: "muted", text: `@${u.username} · ${u.email} · ${stateText(u)}` })),
    el("div", { class: "row end" }, ...actions));
}

function auditRow(e) {
  const details = Object.entries(e.details || {}).map(([k, v]) => `${k}=${v}`).join(" ");
  return el("li", { class: "muted" },
    `${dateTime(e.created_at)} · ${e.actor} · ${e.action} · user ${e.target_id ?? "?"}${details ? ` · ${details}` : ""}`);
}

async function admin({ view }) {
  const search = el("input", { type: "search", placeholder: "Username, email or name", "aria-label": "Find a user" });
  const list = el("ul", { class: "stack", id: "admin-users" });
  const audit = el("ul", { class: "stack", id: "admin-audit" });
  const load = async () => {
    const [users, log] = await Promise.all([
      api("GET", `/admin/users${qs({ q: search.value.trim(), limit: 50 })}`),
      api("GET", `/admin/audit${qs({ limit: 30 })}`),
    ]);
    clear(list, users.items.length ? users.items.map((u) => userRow(u, load)) : el("li", { class: "muted", text: "Nobody matches." }));
    clear(audit, log.items.length ? log.items.map(auditRow) : el("li", { class: "muted", text: "No actions yet." }));
  };
  try {
    await load();
  } catch (err) {
    clear(view, el("section", { class: "card narrow" }, el("h1", { text: "Administration" }),
      el("p", { class: "error", text: err.status === 403 ? "Site administrators only." : errorText(err) })));
    return;
  }
  search.addEventListener("input", debounce(() => load().catch((err) => toast(errorText(err), "error")), 250));
  clear(view,
    el("section", { class: "card" }, el("h1", { text: "Administration" }), search, list),
    el("section", { class: "card" }, el("h2", { text: "Audit log" }), audit));
}

export const adminRoutes = [{ path: "/admin", name: "admin", auth: true, render: admin }];
