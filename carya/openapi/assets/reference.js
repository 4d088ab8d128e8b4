// The API reference page: fetches the OpenAPI document beside it and renders every
// operation (and every body-keyed action) from it. Written for carya; no dependencies.
"use strict";

(function () {
  const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function json(value) {
    return el("pre", {}, JSON.stringify(value, null, 2));
  }

  function resolve(doc, value) {
    if (value && typeof value.$ref === "string" && value.$ref.startsWith("#/")) {
      return value.$ref.slice(2).split("/").reduce((obj, key) => (obj || {})[key], doc);
    }
    return value;
  }

  function extensions(op) {
    const rows = [];
    if (op["x-policy"]) rows.push(["Policy", op["x-policy"].join(", ")]);
    if (op["x-min-version"]) {
      rows.push(["Microversions", op["x-min-version"] + " to " + (op["x-max-version"] || "latest")]);
    }
    for (const row of op["x-carya-versions"] || []) {
      rows.push(["Version " + row.min + "–" + row.max, row.handler]);
    }
    if (op["x-carya-handler"]) rows.push(["Handler", op["x-carya-handler"]]);
    if (op["x-carya-methods"]) rows.push(["Methods", "any (documented as GET)"]);
    if (op["x-carya-dynamic"]) rows.push(["Routing", "decided at request time"]);
    if (op["x-carya-redirect"]) rows.push(["Redirects to", op["x-carya-redirect"]]);
    if (!rows.length) return null;
    return el("table", { class: "facts" },
      ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, String(v)))));
  }

  function parameters(op) {
    const params = op.parameters || [];
    if (!params.length) return null;
    return el("div", {}, el("h4", {}, "Parameters"),
      el("table", { class: "parameters" },
        el("tr", {}, el("th", {}, "Name"), el("th", {}, "In"), el("th", {}, "Required"),
          el("th", {}, "Schema")),
        ...params.map((p) => el("tr", {}, el("td", { class: "path" }, p.name), el("td", {}, p.in),
          el("td", {}, p.required ? "yes" : "no"), el("td", {}, JSON.stringify(p.schema || {}))))));
  }

  function responses(doc, op) {
    const entries = Object.entries(op.responses || {});
    return el("div", {}, el("h4", {}, "Responses"),
      el("table", { class: "responses" },
        ...entries.map(([code, response]) => {
          const types = Object.keys((resolve(doc, response).content) || {}).join(", ");
          return el("tr", { "data-status": code }, el("td", {}, code),
            el("td", {}, resolve(doc, response).description || ""), el("td", {}, types));
        })));
  }

  function actions(op) {
    const list = op["x-carya-actions"];
    if (!list) return [];
    const branches = ((((op.requestBody || {}).content || {})["application/json"] || {}).schema
      || {}).oneOf || [];
    return list.map((action, i) => el("div", { class: "action", "data-action": action.action },
      el("h4", {}, "Action ", el("code", {}, action.action),
        el("span", { class: "summary-text" }, action.summary || "")),
      el("table", {},
        el("tr", {}, el("th", {}, "Handler"), el("td", {}, action.handler)),
        el("tr", {}, el("th", {}, "Status"), el("td", {}, String(action.status))),
        action["x-policy"] ? el("tr", {}, el("th", {}, "Policy"),
          el("td", {}, action["x-policy"].join(", "))) : null,
        action["x-min-version"] ? el("tr", {}, el("th", {}, "Microversions"),
          el("td", {}, action["x-min-version"] + " to " + action["x-max-version"])) : null,
        el("tr", {}, el("th", {}, "Statuses"), el("td", {}, (action.responses || []).join(", ")))),
      branches[i] ? json(branches[i]) : null));
  }

  function operation(doc, method, path, op) {
    const body = op.requestBody && !op["x-carya-actions"]
      ? el("div", {}, el("h4", {}, "Request body"),
        json((((op.requestBody.content || {})["application/json"]) || {}).schema || {}))
      : null;
    return el("details", {
      class: "operation", id: op.operationId || (method + path),
      "data-method": method.toUpperCase(), "data-path": path,
    },
      el("summary", {}, el("span", { class: "method " + method }, method.toUpperCase()),
        el("span", { class: "path" }, path),
        el("span", { class: "summary-text" }, op.summary || "")),
      el("div", { class: "body" },
        op.description ? el("p", {}, op.description) : null,
        extensions(op), parameters(op), body, ...actions(op), responses(doc, op)));
  }

  function render(doc) {
    document.title = (doc.info.title || "API") + ": API reference";
    document.getElementById("title").textContent = doc.info.title + " " + (doc.info.version || "");
    const byTag = new Map();
    let count = 0;
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const tag = (op.tags && op.tags[0]) || "default";
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push(operation(doc, method, path, op));
        count += 1;
      }
    }
    const main = document.getElementById("operations");
    const toc = document.getElementById("toc");
    for (const [tag, nodes] of [...byTag.entries()].sort()) {
      const id = "tag-" + tag.replace(/[^A-Za-z0-9_-]/g, "_");
      main.append(el("h2", { class: "tag", id }, tag), ...nodes);
      toc.append(el("a", { href: "#" + id }, tag));
    }
    const status = document.getElementById("status");
    status.textContent = count + " operations, OpenAPI " + doc.openapi;
    document.body.setAttribute("data-rendered", String(count));
  }

  const spec = new URL(document.body.getAttribute("data-spec"), window.location.href);
  fetch(spec).then((response) => {
    if (!response.ok) throw new Error(spec + ": " + response.status);
    return response.json();
  }).then(render).catch((error) => {
    document.getElementById("status").textContent = "Cannot load the API description: " + error;
    document.body.setAttribute("data-rendered", "error");
  });
})();
