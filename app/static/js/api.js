// REST helper: JSON in and out, the bearer token attached, one refresh on 401 (shared by every caller).
const store = window.localStorage;
const listeners = new Set();

export function tokens() {
  return { access: store.getItem("mc.access"), refresh: store.getItem("mc.refresh") };
}

export function saveTokens(access, refresh) {
  store.setItem("mc.access", access);
  store.setItem("mc.refresh", refresh);
  for (const fn of listeners) fn(true);
}

export function clearTokens() {
  store.removeItem("mc.access");
  store.removeItem("mc.refresh");
  for (const fn of listeners) fn(false);
}

/** Call fn(loggedIn) whenever the tokens change (the socket reconnects with the fresh one). */
export function onTokens(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
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

function accessExpiresSoon(access) {
  // The JWT's exp, read without verifying: refresh a little early so requests rarely meet a 401.
  try {
    const payload = JSON.parse(atob(access.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp === "number" && payload.exp * 1000 - Date.now() < 20_000;
  } catch {
    return false;
  }
}

async function raw(method, path, body, auth = true) {
  const headers = {};
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const { access } = tokens();
  if (auth && access) headers["Authorization"] = `Bearer ${access}`;
  const res = await fetch(`/api${path}`, { method, headers, body: payload });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  return { res, data };
}

let refreshing = null;

/** Trade the refresh token for a new pair; concurrent callers share one request (tokens are single-use). */
export function refreshTokens() {
  if (!refreshing) {
    refreshing = (async () => {
      const { refresh } = tokens();
      if (!refresh) return false;
      try {
        const { res, data } = await raw("POST", "/auth/refresh", { refresh_token: refresh }, false);
        if (!res.ok) {
          if (res.status === 401) clearTokens();
          return false;
        }
        saveTokens(data.access_token, data.refresh_token);
        return true;
      } catch {
        return false;
      }
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** A fresh-enough access token, refreshing first when it is about to expire. */
export async function freshAccess() {
  const { access } = tokens();
  if (access && accessExpiresSoon(access)) await refreshTokens();
  return tokens().access;
}

export async function api(method, path, body, { auth = true } = {}) {
  if (auth) await freshAccess();
  let { res, data } = await raw(method, path, body, auth);
  // A wrong password (invalid_credentials) is an answer, not an expired token: no refresh for it.
  if (res.status === 401 && auth && data?.error?.code !== "invalid_credentials" && (await refreshTokens())) {
    ({ res, data } = await raw(method, path, body, auth));
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Build "?a=1&b=2" from an object, skipping empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

const blobs = new Map();

/** A blob: URL for a file the server serves only with the bearer token (attachments); cached per URL. */
export function authedBlobUrl(url) {
  if (!blobs.has(url)) {
    const load = async () => {
      const get = () => fetch(url, { headers: { Authorization: `Bearer ${tokens().access}` } });
      await freshAccess();
      let res = await get();
      if (res.status === 401 && (await refreshTokens())) res = await get();
      if (!res.ok) throw new ApiError(res.status, null);
      return URL.createObjectURL(await res.blob());
    };
    blobs.set(url, load().catch((err) => { blobs.delete(url); throw err; }));
  }
  return blobs.get(url);
}
