// Slipway dashboard: the deploy page's stages table and log follow the deploy through Server-Sent
// Events. Text goes into the page as text, never as HTML.
"use strict";

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

document.addEventListener("DOMContentLoaded", followDeploy);
