// Slipway dashboard: the apps page's rows and an app page's replicas follow the server's state
// (Server-Sent Events from /live and /apps/APP/live). Text goes in as text, never as HTML.
"use strict";

(() => {
  const notice = document.getElementById("live-notice");
  const tell = (message, link) => {
    const reload = document.createElement("a");
    reload.href = location.pathname;
    reload.textContent = link;
    notice.replaceChildren(message + " ", reload);
    notice.hidden = false;
  };
  const badge = status => {
    const span = document.createElement("span");
    span.className = "status status-" + status;
    span.textContent = status;
    return span;
  };
  const cell = (tag, text) => {
    const node = document.createElement(tag);
    if (tag === "th") node.scope = "row";
    node.textContent = text;
    return node;
  };
  const follow = (element, update) => {
    const source = new EventSource(element.dataset.live);
    source.addEventListener("state", event => update(JSON.parse(event.data)));
  };

  const apps = document.querySelector("table#apps[data-live]");
  if (apps) follow(apps, state => {
    const rows = new Map([...apps.tBodies[0].rows].map(row => [row.dataset.app, row]));
    for (const app of state.apps) {
      const row = rows.get(app.name);
      if (!row) continue;
      const [status, release, replicas] = row.querySelectorAll("td");
      status.replaceChildren(badge(app.status));
      release.textContent = app.release ? "v" + app.release : "none";
      replicas.replaceChildren(...app.services.map(s => cell("span", `${s.name} ${s.ready}/${s.desired}`)));
    }
    const names = state.apps.map(app => app.name).join(" ");
    if (names !== [...rows.keys()].join(" ")) tell("Apps were added or removed.", "Reload the list");
  });

  const services = document.querySelector("section[data-live]");
  if (services) follow(services, state => {
    document.getElementById("app-status").replaceChildren(...badge(state.status).childNodes);
    document.getElementById("app-status").className = "status status-" + state.status;
    if (String(state.release || "") !== services.dataset.release) tell(`Release v${state.release} is now current.`, "Reload the page");
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
