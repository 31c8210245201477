// Slipway dashboard: an app page's status, replicas, releases, config vars and events follow the
// server's state (Server-Sent Events from /apps/APP/live). Text goes in as text, never as HTML.
"use strict";

(() => {
  const { badge, cell, follow } = window.slipwayLive;

  // A form posting to the app's ACTION with the page's CSRF token and FIELDS, one button.
  const appForm = (base, action, fields, label, text) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = `${base}/${action}`;
    form.className = "inline";
    for (const [name, value] of Object.entries({ csrf: document.querySelector("input[name=csrf]").value, ...fields })) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    const button = document.createElement("button");
    button.type = "submit";
    button.setAttribute("aria-label", label);
    button.textContent = text;
    form.append(button);
    return form;
  };
  const row = (...cells) => {
    const tr = document.createElement("tr");
    tr.append(...cells);
    return tr;
  };
  const holding = (tag, ...children) => {
    const node = document.createElement(tag);
    if (tag === "th") node.scope = "row";
    node.append(...children);
    return node;
  };
  const empty = (text, columns) => {
    const td = cell("td", text);
    td.colSpan = columns;
    return row(td);
  };
  const redrawReleases = (base, releases) => {
    const body = document.querySelector("#release-list tbody");
    if (!body) return;
    body.replaceChildren(...releases.map(r => {
      const time = cell("time", r.ago);
      time.dateTime = r.at;
      const log = cell("a", "log");
      log.href = "/deploys/" + encodeURIComponent(r.traceId);
      return row(cell("th", `v${r.version}${r.current ? " (current)" : ""}`), holding("td", time), cell("td", r.description), holding("td", log),
                 holding("td", ...(r.current ? [] : [appForm(base, "rollback", { version: String(r.version) }, `Roll back to v${r.version}`, "Rollback")])));
    }));
  };
  const redrawConfig = (base, config) => {
    document.getElementById("config-none").hidden = config !== null;
    document.getElementById("config-vars").hidden = config === null;
    if (config === null) return;
    const rows = config.map(c => row(holding("th", cell("code", c.key)),
      c.secret ? holding("td", Object.assign(cell("span", "[redacted]"), { className: "redacted" })) : holding("td", cell("code", c.value)),
      holding("td", appForm(base, "config/unset", { key: c.key }, `Remove ${c.key}`, "Remove"))));
    document.querySelector("#config-list tbody").replaceChildren(...(rows.length ? rows : [empty("No config vars.", 3)]));
  };

  const services = document.querySelector("section[data-live]");
  if (services) follow(services, state => {
    const base = services.dataset.live.replace(/\/live$/, "");
    document.getElementById("app-status").replaceChildren(...badge(state.status).childNodes);
    document.getElementById("app-status").className = "status status-" + state.status;
    document.getElementById("app-release").textContent = state.release ? ` · release v${state.release}` : "";
    services.dataset.release = String(state.release || "");
    redrawReleases(base, state.releases);
    redrawConfig(base, state.config ?? null);
    for (const service of state.services) {
      const count = services.querySelector(`[data-service-count="${CSS.escape(service.name)}"]`);
      const table = services.querySelector(`table[data-service="${CSS.escape(service.name)}"]`);
      if (!count || !table) continue;
      count.textContent = `${service.ready}/${service.desired} ready`;
      const rows = service.replicas.map(r => {
        const row = document.createElement("tr");
        row.append(cell("th", r.label), cell("td", r.state), cell("td", r.ready ? "yes" : "no"), cell("td", String(r.restarts)),
                   cell("td", r.age), cell("td", "v" + r.release), cell("td", r.cpu), cell("td", r.memory));
        return row;
      });
      if (!rows.length) {
        const row = document.createElement("tr");
        const empty = cell("td", "No replicas running.");
        empty.colSpan = 8;
        row.append(empty);
        rows.push(row);
      }
      table.tBodies[0].replaceChildren(...rows);
    }
    const events = document.querySelector("ol.events");
    if (events && state.events.length) events.replaceChildren(...state.events.map(e => {
      const item = document.createElement("li");
      const time = cell("time", e.ago);
      time.dateTime = e.at;
      item.append(time, " ", cell("strong", e.kind), " ", (e.replica ? e.replica + " " : "") + e.message);
      return item;
    }));
  });
})();
