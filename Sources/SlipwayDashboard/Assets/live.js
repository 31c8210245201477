// Slipway dashboard: the apps page's rows follow the server's state (Server-Sent Events from
// /live). Text goes in as text, never as HTML. The app page has its own script, app.js.
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
  const { badge, cell, follow } = window.slipwayLive;

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
})();
