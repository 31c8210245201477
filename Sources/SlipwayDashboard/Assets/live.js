// Slipway dashboard: the apps page's list follows the server's state (Server-Sent Events from
// /live): rows change in place, apps added elsewhere get a row, destroyed ones lose theirs, with
// no reload. Text goes in as text, never as HTML. The app page has its own script, app.js.
"use strict";

(() => {
  const apps = document.querySelector("table#apps[data-live]");
  if (!apps) return;
  // When the list was first shown (the frame after the whole page was parsed): bench/dashboard reads it.
  requestAnimationFrame(() => setTimeout(() => performance.mark("apps-list-rendered")));
  const { badge, cell, follow } = window.slipwayLive;
  const body = apps.tBodies[0];
  const filter = document.getElementById("app-filter");
  const changes = document.getElementById("apps-changes");

  const link = (href, text) => {
    const a = cell("a", text);
    a.href = href;
    return a;
  };

  // The same cells as the page's template (apps.mustache) draws.
  const fill = (row, app) => {
    const name = cell("th", "");
    name.append(link("/apps/" + encodeURIComponent(app.name), app.name));
    const status = document.createElement("td");
    status.append(badge(app.status));
    const release = cell("td", app.release ? "v" + app.release : "none");
    const replicas = document.createElement("td");
    for (const s of app.services) replicas.append(Object.assign(cell("span", `${s.name} ${s.ready}/${s.desired}`), { className: "replicas" }), " ");
    const urls = document.createElement("td");
    for (const url of app.urls) urls.append(link(url, url), document.createElement("br"));
    const last = document.createElement("td");
    if (app.lastDeploy) {
      const when = cell("time", app.lastDeploy.ago);
      when.dateTime = app.lastDeploy.at;
      last.append(link("/deploys/" + encodeURIComponent(app.lastDeploy.traceId), app.lastDeploy.status), " ", when);
    }
    row.replaceChildren(name, status, release, replicas, urls, last);
  };

  follow(apps, state => {
    const wanted = new Set(state.apps.map(app => app.name));
    const gone = [...body.rows].filter(row => !wanted.has(row.dataset.app));
    for (const row of gone) row.remove();
    const rows = new Map([...body.rows].map(row => [row.dataset.app, row]));
    const added = [];
    // Rows in the server's order (by name); a row is redrawn only when its app changed and moved only
    // when out of place, so keyboard focus on a link stays where it is.
    let place = body.firstElementChild;
    for (const app of state.apps) {
      let row = rows.get(app.name);
      if (!row) {
        row = document.createElement("tr");
        row.dataset.app = app.name;
        added.push(app.name);
      }
      const drawn = JSON.stringify(app);
      if (row.dataset.drawn !== drawn) {
        fill(row, app);
        row.dataset.drawn = drawn;
      }
      if (row === place) place = place.nextElementSibling;
      else body.insertBefore(row, place);
    }
    const empty = state.apps.length === 0;
    apps.closest(".scroll").hidden = empty;
    document.getElementById("apps-list").hidden = empty;
    document.getElementById("no-apps").hidden = !empty;
    if (filter.value) filter.dispatchEvent(new Event("input"));  // new rows are filtered too
    const removed = gone.map(row => row.dataset.app);
    const told = [added.length ? "Added: " + added.join(", ") + "." : "", removed.length ? "Removed: " + removed.join(", ") + "." : ""];
    if (added.length || removed.length) changes.textContent = told.filter(Boolean).join(" ");
  });
})();
