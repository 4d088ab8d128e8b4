// The deployer's GUI: plain DOM code, no build step. Talks only to this origin:
// /v1/catalog, /v1/deployments (polled every second), /v1/alarms (the proxy: list, create,
// edit, delete alarms and read their history).
"use strict";

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;
const ALARM_POLL_MS = 3000;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// A fetch that always resolves to {ok, status, body, message}: the server's JSON
// error message when it sent one, else a sentence about what went wrong.
async function call(method, url, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (err) {
    return { ok: false, status: 0, body: null, message: `The deployer is not reachable (${err.message}).` };
  }
  let data = null;
  try { data = await resp.json(); } catch (err) { data = null; }
  // the deployer's {"error": {"message"}}, or the alarm API's (Aodh's) error_message
  const message = data && data.error ? (data.error.message || String(data.error))
    : data && data.error_message ? (data.error_message.faultstring || String(data.error_message))
    : `${method} ${url} failed: HTTP ${resp.status}`;
  return { ok: resp.ok, status: resp.status, body: data, message };
}

function showError(id, message) {
  const node = $(id);
  node.textContent = message || "";
  node.hidden = !message;
}

// --- the form --------------------------------------------------------------------------------

function fill(select, items, label) {
  select.replaceChildren(...items.map((item) => el("option", { value: item.id || item.name, text: label(item) })));
}

async function loadCatalog() {
  const res = await call("GET", "/v1/catalog");
  if (!res.ok) {
    showError("form-error", `Cannot load the catalog: ${res.message}`);
    return false;
  }
  const cat = res.body;
  fill($("template"), cat.templates, (t) => `${t.name} (${t.description})`);
  fill($("image"), cat.images, (i) => i.name);
  fill($("flavor"), cat.flavors, (f) => (f.vcpus ? `${f.name} (${f.vcpus} vCPU, ${f.ram} MB)` : f.name));
  // the default is the smallest flavor that works, never the cloud's always-failing test flavor
  const usable = cat.flavors.find((f) => f.name !== "m1.fail");
  if (usable) $("flavor").value = usable.id || usable.name;
  $("instances").max = cat.max_instances;
  showError("form-error", "");
  return true;
}

async function deploy(event) {
  event.preventDefault();
  const raw = $("instances").value.trim();
  const instances = /^-?\d+$/.test(raw) ? Number(raw) : raw;
  const body = {
    template: $("template").value,
    image: $("image").value,
    flavor: $("flavor").value,
    instances,
  };
  const name = $("name").value.trim();
  if (name) body.name = name;
  $("deploy").disabled = true;
  $("form-status").textContent = "Deploying…";
  showError("form-error", "");
  const res = await call("POST", "/v1/deployments", body);
  $("deploy").disabled = false;
  if (!res.ok) {
    $("form-status").textContent = "";
    showError("form-error", res.message);
    return;
  }
  const d = res.body.deployment;
  $("form-status").textContent = `Deployment ${d.name} submitted: its progress shows below.`;
  if (d.state === "error") showError("form-error", d.error);
  refreshDeployments();
}

// --- deployments ------------------------------------------------------------------------------

async function scale(d, input) {
  const res = await call("PUT", `/v1/deployments/${d.id}`, { instances: Number(input.value) });
  showError("deployments-error", res.ok ? "" : res.message);
  refreshDeployments();
}

async function remove(d) {
  const res = await call("DELETE", `/v1/deployments/${d.id}`);
  showError("deployments-error", res.ok ? "" : res.message);
  refreshDeployments();
}

function row(d) {
  const servers = el("ul", { class: "servers" },
    ...d.servers.map((s) => el("li", { "data-testid": "server", "data-role": s.role, "data-status": s.status },
      el("span", { text: `${s.role} ${s.name}: ` }),
      el("span", { class: `server-${s.status}`, text: s.status }),
      s.fault ? el("span", { class: "reason", text: ` (${s.fault})` }) : null)));
  const busy = ["creating", "updating", "deleting", "deleted"].includes(d.state);
  const count = el("input", { type: "number", min: 1, max: 10, value: d.instances,
    "aria-label": `Instances for ${d.name}`, "data-testid": "scale-count", style: "width:4.5em" });
  const actions = el("td", {},
    count,
    el("button", { type: "button", class: "secondary", "data-testid": "scale", text: "Scale",
      onclick: () => scale(d, count) }),
    el("button", { type: "button", class: "secondary", "data-testid": "delete", text: "Delete",
      onclick: () => remove(d) }));
  if (busy) actions.querySelectorAll("button, input").forEach((n) => { n.disabled = true; });
  return el("tr", { "data-testid": "deployment", "data-id": d.id, "data-name": d.name, "data-state": d.state },
    el("td", { text: d.name }),
    el("td", { text: `${d.template} × ${d.instances}` }),
    el("td", { text: `${d.image.name} / ${d.flavor.name}` }),
    el("td", {}, el("span", { class: `state state-${d.state}`, "data-testid": "state", text: d.state }),
      d.error ? el("div", { class: "reason", "data-testid": "reason", text: d.error }) : null),
    el("td", {}, servers),
    actions);
}

async function refreshDeployments() {
  const res = await call("GET", "/v1/deployments");
  if (!res.ok) {
    showError("deployments-error", `Cannot list deployments: ${res.message}`);
    return;
  }
  if ($("deployments-error").textContent.startsWith("Cannot list")) showError("deployments-error", "");
  const all = res.body.deployments;
  const active = document.activeElement;
  if (active && active.tagName === "INPUT" && active.closest("tr[data-id]")) return; // typing a count
  const deleted = all.filter((d) => d.state === "deleted").length;
  const list = $("show-deleted").checked ? all : all.filter((d) => d.state !== "deleted");
  $("deleted-count").textContent = deleted ? `(${deleted} hidden)` : "";
  if ($("show-deleted").checked) $("deleted-count").textContent = "";
  $("deployments").tBodies[0].replaceChildren(...list.map(row));
  $("no-deployments").hidden = list.length > 0;
  $("no-deployments").textContent = deleted && !$("show-deleted").checked
    ? "No deployments to show (deleted ones are hidden)." : "No deployments yet.";
}

// --- alarms -------------------------------------------------------------------------------------
// The alarm API's real bodies (DESIGN.md, through the /v1/alarms proxy): GET /v2/alarms is a bare
// list of alarm documents ({id, name, state, state_reason, state_timestamp, ...}); GET
// /v2/alarms/{id}/history is a bare list, newest first, of {type, previous, current, reason,
// timestamp, event, event_id, detail}, where `detail` is JSON text (Aodh's): the sentence to
// show is `reason`.

const closedHistory = new Set(); // alarms whose history the user folded away
const historyCache = new Map(); // alarm id -> its last history list, so a re-render keeps it

function listOf(body, key) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body[key])) return body[key];
  return [];
}

function when(iso) {
  if (!iso) return el("span", { class: "when", text: "(no time)" });
  const date = new Date(iso);
  const text = Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  return el("time", { class: "when", datetime: iso, title: iso, text });
}

function historyItem(h) {
  const change = h.current ? ` ${h.previous || "–"} → ${h.current}` : "";
  return el("li", { "data-testid": "alarm-history-item", "data-type": h.type || "",
    "data-current": h.current || "", "data-timestamp": h.timestamp || "" },
    when(h.timestamp),
    el("span", { class: "history-type", text: ` ${h.type || "event"}${change}: ` }),
    el("span", { class: "history-reason", "data-testid": "alarm-history-reason", text: h.reason || "" }));
}

function renderHistory(target, items) {
  target.replaceChildren(...(items.length ? items.map(historyItem)
    : [el("li", { text: "No history yet." })]));
}

async function loadHistory(id, target) {
  const res = await call("GET", `/v1/alarms/${encodeURIComponent(id)}/history`);
  if (!res.ok) { target.replaceChildren(el("li", { class: "error", text: res.message })); return; }
  const items = listOf(res.body, "history"); // already newest first
  historyCache.set(id, items);
  renderHistory(target, items);
}

// --- the alarm form: create, or edit (PUT of the whole document, as Aodh takes it) ---------------

const alarmsById = new Map(); // alarm id -> its last document, for the edit form

function alarmBody(base) {
  const field = $("alarm-query-field").value.trim();
  const query = field ? [{ field, op: $("alarm-query-op").value, value: $("alarm-query-value").value }] : [];
  const hook = $("alarm-webhook").value.trim();
  return { ...(base || { type: "event", ok_actions: [], repeat_actions: false }),
    name: $("alarm-name").value.trim(),
    event_rule: { event_type: $("alarm-event").value.trim(), query },
    alarm_actions: hook ? [hook] : ["log://"] };
}

function resetAlarmForm() {
  $("alarm-form").reset();
  $("alarm-id").value = "";
  $("alarm-save").textContent = "Create alarm";
  $("alarm-cancel").hidden = true;
  showError("alarm-form-error", "");
}

function editAlarm(id) {
  const a = alarmsById.get(id);
  if (!a) return;
  const rule = a.event_rule || {};
  const q = (rule.query || [])[0] || {};
  $("alarm-id").value = id;
  $("alarm-name").value = a.name;
  $("alarm-event").value = rule.event_type || "";
  $("alarm-query-field").value = q.field || "";
  $("alarm-query-op").value = q.op || "eq";
  $("alarm-query-value").value = q.value === undefined ? "" : String(q.value);
  $("alarm-webhook").value = (a.alarm_actions || []).find((u) => u.startsWith("http")) || "";
  $("alarm-save").textContent = "Save alarm";
  $("alarm-cancel").hidden = false;
  $("alarm-name").focus();
}

async function saveAlarm(event) {
  event.preventDefault();
  const id = $("alarm-id").value;
  const res = id
    ? await call("PUT", `/v1/alarms/${encodeURIComponent(id)}`, alarmBody(alarmsById.get(id)))
    : await call("POST", "/v1/alarms", alarmBody());
  if (!res.ok) { showError("alarm-form-error", res.message); return; }
  resetAlarmForm();
  refreshAlarms();
}

async function deleteAlarm(id) {
  const res = await call("DELETE", `/v1/alarms/${encodeURIComponent(id)}`);
  showError("alarms-error", res.ok ? "" : res.message);
  if ($("alarm-id").value === id) resetAlarmForm();
  refreshAlarms();
}

function ruleText(a) {
  const rule = a.event_rule || {};
  const query = (rule.query || []).map((q) => `${q.field} ${q.op || "eq"} ${q.value}`).join(" and ");
  return `on ${rule.event_type || "?"}${query ? ` where ${query}` : ""} → ${(a.alarm_actions || []).join(", ") || "no action"}`;
}

function alarmItem(a) {
  const id = a.alarm_id || a.id;
  alarmsById.set(id, a);
  const history = el("ul", { class: "history", "data-testid": "alarm-history" });
  if (historyCache.has(id)) renderHistory(history, historyCache.get(id));
  const details = el("details", { "data-testid": "alarm-details" },
    el("summary", { text: "History (newest first)" }), history);
  details.open = !closedHistory.has(id);
  if (details.open) loadHistory(id, history);
  details.addEventListener("toggle", () => {
    if (details.open) { closedHistory.delete(id); loadHistory(id, history); } else closedHistory.add(id);
  });
  return el("li", { "data-testid": "alarm", "data-id": id, "data-name": a.name, "data-state": a.state },
    el("span", { class: "alarm-name", "data-testid": "alarm-name", text: `${a.name} ` }),
    el("span", { class: `alarm-${String(a.state).replace(/ /g, "-")}`, "data-testid": "alarm-state", text: a.state }),
    el("button", { type: "button", class: "secondary", "data-testid": "alarm-edit", text: "Edit",
      onclick: () => editAlarm(id) }),
    el("button", { type: "button", class: "secondary", "data-testid": "alarm-delete", text: "Delete",
      onclick: () => deleteAlarm(id) }),
    el("div", { class: "alarm-rule", "data-testid": "alarm-rule", text: ruleText(a) }),
    a.state_reason ? el("div", { class: "alarm-reason", "data-testid": "alarm-reason" },
      when(a.state_timestamp), el("span", { text: ` ${a.state_reason}` })) : null,
    details);
}

async function refreshAlarms() {
  const res = await call("GET", "/v1/alarms");
  if (!res.ok) {
    showError("alarms-error", res.status === 503 || res.status === 0
      ? `The alarm service is not available: ${res.message}` : res.message);
    return;
  }
  showError("alarms-error", "");
  const alarms = listOf(res.body, "alarms");
  $("no-alarms").hidden = alarms.length > 0;
  $("alarms").replaceChildren(...alarms.map(alarmItem));
}

// --- start ------------------------------------------------------------------------------------------

async function start() {
  if (!(await loadCatalog())) setTimeout(start, 3000);
  else {
    refreshDeployments();
    refreshAlarms();
    setInterval(refreshDeployments, POLL_MS);
    setInterval(refreshAlarms, ALARM_POLL_MS);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("deploy-form").addEventListener("submit", deploy);
  $("alarm-form").addEventListener("submit", saveAlarm);
  $("alarm-cancel").addEventListener("click", resetAlarmForm);
  $("show-deleted").addEventListener("change", refreshDeployments);
  start();
});
