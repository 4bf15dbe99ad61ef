// REST helper: JSON in and out, the bearer token attached, one refresh on 401.
const store = window.localStorage;

export function tokens() {
  return { access: store.getItem("mc.access"), refresh: store.getItem("mc.refresh") };
}

export function saveTokens(access, refresh) {
  store.setItem("mc.access", access);
  store.setItem("mc.refresh", refresh);
}

export function clearTokens() {
  store.removeItem("mc.access");
  store.removeItem("mc.refresh");
}

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || { code: "http_error", message: `HTTP ${status}` };
    super(err.message);
    this.status = status;
    this.code = err.code;
    this.details = err.details || {};
  }
}

async function raw(method, path, body, auth = true) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const { access } = tokens();
  if (auth && access) headers["Authorization"] = `Bearer ${access}`;
  const res = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  return { res, data };
}

async function refreshTokens() {
  const { refresh } = tokens();
  if (!refresh) return false;
  const { res, data } = await raw("POST", "/auth/refresh", { refresh_token: refresh }, false);
  if (!res.ok) { clearTokens(); return false; }
  saveTokens(data.access_token, data.refresh_token);
  return true;
}

export async function api(method, path, body, { auth = true } = {}) {
  let { res, data } = await raw(method, path, body, auth);
  if (res.status === 401 && auth && (await refreshTokens())) {
    ({ res, data } = await raw(method, path, body, auth));
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
