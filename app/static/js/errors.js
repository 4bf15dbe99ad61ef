// What went wrong, in the interface's language and said once. The server names each problem with a
// code (`error.code`; for a validation error `details.fields[field] = {code, message, ...params}`): the
// client says it by that code, a field's problem next to its field, the rest in one line.
import "./i18n/errors.js";
import { hasString, t } from "./i18n.js";

function label(field) {
  const key = `field.${field}`;
  return hasString(key) ? t(key) : field.replace(/_/g, " ");
}

/** One field's problem as a sentence: by its code with its params, else the server's own sentence. */
export function problemText(problem) {
  if (!problem) return "";
  if (typeof problem === "string") return problem.replace(/Value error, /g, "");
  const key = `err.field.${problem.code}`;
  if (problem.code === "too_short" || problem.code === "too_long") {
    const unit = ["characters", "bytes", "items"].includes(problem.unit) ? problem.unit : "characters";
    const count = problem.code === "too_short" ? problem.min_length : problem.max_length;
    if (typeof count === "number") return t(`${key}_${unit}`, { count });
  }
  if (problem.code && hasString(key)) {
    const params = { ...problem };
    if (Array.isArray(params.choices)) params.choices = params.choices.join(", ");
    if (problem.code === "out_of_range") {
      const min = params.min ?? params.greater_than;
      const max = params.max ?? params.less_than;
      if (min !== undefined && max !== undefined) return t("err.field.out_of_range_both", { min, max });
      if (min !== undefined) return t("err.field.out_of_range_min", { min });
      if (max !== undefined) return t("err.field.out_of_range_max", { max });
    }
    return t(key, params);
  }
  return problem.message || t("err.field.invalid");
}

/** The per-field problems of an error: [[field, sentence]]. */
export function fieldProblems(err) {
  const fields = (err && err.details && err.details.fields) || {};
  return Object.entries(fields).map(([field, problem]) => [field, problemText(problem)]);
}

/**
 * The whole error as one line: each field's problem ("Password: at least 8 characters."), else the
 * error's code as a sentence, else the server's message. `skip`: fields already shown beside their input.
 */
export function errorText(err, skip = new Set()) {
  if (!err) return t("common.network_error");
  const problems = fieldProblems(err).filter(([field]) => !skip.has(field));
  if (problems.length) return problems.map(([field, text]) => (field === "body" ? text : t("err.field_line", { field: label(field), problem: text }))).join(" ");
  if (err.code === "validation_error" && skip.size) return "";
  if (err.code && hasString(`err.${err.code}`)) {
    const retry = err.details && err.details.retry_after;
    return t(`err.${err.code}`, { seconds: retry !== undefined ? Math.ceil(retry) : "" });
  }
  const message = err.message ? String(err.message).replace(/Value error, /g, "") : "";
  return message && !/^HTTP \d+$/.test(message) && message !== "offline" ? message : t("common.network_error");
}

/**
 * Show an error on a form: each field's problem under its input (aria-invalid, aria-describedby), and
 * what no input here can carry in `general` (an element). Cleared first; call with err=null to clear.
 */
export function showErrors(form, general, err) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll("[aria-invalid]")) {
    node.removeAttribute("aria-invalid");
    const ids = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.endsWith("-problem"));
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" ")); else node.removeAttribute("aria-describedby");
  }
  if (general) general.textContent = "";
  if (!err) return;
  const shown = new Set();
  let first = null;
  for (const [field, text] of fieldProblems(err)) {
    const input = form.elements.namedItem(field);
    const node = input && (input instanceof RadioNodeList ? input[0] : input);
    if (!node || !node.id) continue;
    const note = document.createElement("div");
    note.className = "field-error";
    note.id = `${node.id}-problem`;
    note.textContent = text;
    node.setAttribute("aria-invalid", "true");
    node.setAttribute("aria-describedby", [node.getAttribute("aria-describedby"), note.id].filter(Boolean).join(" "));
    node.insertAdjacentElement("afterend", note);
    shown.add(field);
    first ||= node;
  }
  if (general) general.textContent = errorText(err, shown);
  if (first) first.focus();
}
