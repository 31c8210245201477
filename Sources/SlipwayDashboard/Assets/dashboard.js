// Slipway dashboard: the little the pages need beyond HTML. No inline script (the
// Content-Security-Policy forbids it), no libraries; text goes into the page as text, never as HTML.
"use strict";

// What the live pages' scripts (live.js, app.js) share: a status badge, a table cell with text,
// and following a page's Server-Sent Events (data-live) as `state` events.
window.slipwayLive = {
  badge: status => {
    const span = document.createElement("span");
    span.className = "status status-" + status;
    span.textContent = status;
    return span;
  },
  cell: (tag, text) => {
    const node = document.createElement(tag);
    if (tag === "th") node.scope = "row";
    node.textContent = text;
    return node;
  },
  follow: (element, update) => {
    const source = new EventSource(element.dataset.live);
    source.addEventListener("state", event => update(JSON.parse(event.data)));
  },
};

// Filter boxes: <input data-filter="CSS selector of the rows"> hides the rows that do not contain the text.
function setUpFilters() {
  for (const input of document.querySelectorAll("input[data-filter]")) {
    const rows = () => document.querySelectorAll(input.dataset.filter);
    input.addEventListener("input", () => {
      const wanted = input.value.trim().toLowerCase();
      for (const row of rows()) row.hidden = wanted !== "" && !row.textContent.toLowerCase().includes(wanted);
    });
  }
}

// Destroy forms ask for the app's name typed out; the server checks it too.
function setUpConfirmations() {
  for (const form of document.querySelectorAll("form[data-confirm-name]")) {
    form.addEventListener("submit", event => {
      const typed = form.querySelector("input[name=confirm]");
      if (typed.value !== form.dataset.confirmName) {
        event.preventDefault();
        typed.setCustomValidity(`Type ${form.dataset.confirmName} to confirm`);
        typed.reportValidity();
      }
    });
    form.querySelector("input[name=confirm]").addEventListener("input", event => event.target.setCustomValidity(""));
  }
}

function formatTime(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : "";
}

function formatDuration(stage) {
  if (!stage.startedAt) return "";
  const end = stage.finishedAt ? new Date(stage.finishedAt) : new Date();
  return ((end - new Date(stage.startedAt)) / 1000).toFixed(1) + " s";
}

// The deploy page: the stages table and the log follow the deploy through Server-Sent Events.
function followDeploy() {
  const table = document.querySelector("table[data-events]");
  if (!table) return;
  const log = document.getElementById("deploy-log");
  const status = document.getElementById("deploy-status");
  let received = 0;
  const source = new EventSource(table.dataset.events);
  source.addEventListener("deploy", event => {
    const deploy = JSON.parse(event.data);
    for (const stage of deploy.stages) {
      const row = table.querySelector(`tr[data-stage="${CSS.escape(stage.name)}"]`);
      if (!row) continue;
      const cell = row.querySelector(".stage-status");
      cell.textContent = stage.status;
      cell.dataset.status = stage.status;
      row.querySelector(".stage-started").textContent = formatTime(stage.startedAt);
      row.querySelector(".stage-duration").textContent = formatDuration(stage);
      row.querySelector(".stage-message").textContent = stage.message || "";
    }
    status.dataset.status = deploy.status;
    const badge = document.createElement("span");
    badge.className = "status status-" + deploy.status.toLowerCase().replace(/\s+/g, "-");
    badge.textContent = deploy.status;
    status.replaceChildren(badge);
    if (deploy.error) {
      const reason = document.createElement("span");
      reason.className = "error";
      reason.textContent = " " + deploy.error;
      status.append(reason);
    }
  });
  source.addEventListener("log", event => {
    const chunk = JSON.parse(event.data);
    // The page was rendered with the log so far: skip what it already shows.
    if (chunk.offset + chunk.text.length <= received) return;
    const stickToBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(document.createTextNode(chunk.text.slice(Math.max(0, received - chunk.offset))));
    received = chunk.offset + chunk.text.length;
    if (stickToBottom) log.scrollTop = log.scrollHeight;
  });
  source.addEventListener("end", () => source.close());
  log.textContent = "";
}

document.addEventListener("DOMContentLoaded", () => {
  setUpFilters();
  setUpConfirmations();
  followDeploy();
});
