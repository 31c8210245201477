// Slipway dashboard, logs page: the app's log followed live through Server-Sent Events (the
// API's follow stream), filtered by process type (the server's) and by text (here), paused and
// resumed, downloaded as text. Lines go into the page as text, never as HTML.
"use strict";

(() => {
  const controls = document.getElementById("log-controls");
  if (!controls) return;
  const box = document.getElementById("log-lines");
  const status = document.getElementById("log-status");
  const process = document.getElementById("log-process");
  const since = document.getElementById("log-since");
  const text = document.getElementById("log-text");
  const pause = document.getElementById("log-pause");
  const download = document.getElementById("log-download");
  const keep = 5000;
  let source = null;
  let paused = false;
  let waiting = [];

  const query = () => new URLSearchParams({ process: process.value, since: since.value }).toString();
  const matches = line => text.value === "" || line.textContent.toLowerCase().includes(text.value.trim().toLowerCase());
  const say = message => { status.textContent = message; };

  function lineElement(entry) {
    const line = document.createElement("div");
    line.className = "line" + (entry.stream === "stderr" ? " stderr" : "");
    const time = document.createElement("time");
    time.dateTime = entry.time;
    time.textContent = new Date(entry.time).toLocaleTimeString();
    const name = document.createElement("span");
    name.className = "process";
    name.textContent = entry.process;
    line.append(time, " ", name, " ", entry.text);
    line.hidden = !matches(line);
    return line;
  }

  function show(entries) {
    const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.append(...entries.map(lineElement));
    while (box.childElementCount > keep) box.firstElementChild.remove();
    if (stick) box.scrollTop = box.scrollHeight;
  }

  function follow() {
    if (source) source.close();
    download.href = controls.dataset.download + "?" + query();
    source = new EventSource(controls.dataset.stream + "?" + query());
    // The server sends the stored lines again on every (re)connection.
    source.addEventListener("open", () => { box.replaceChildren(); waiting = []; say(paused ? "Paused" : "Following live"); });
    source.addEventListener("message", event => {
      const entry = JSON.parse(event.data);
      if (paused) { waiting.push(entry); say(`Paused: ${waiting.length} new lines waiting`); } else show([entry]);
    });
    source.addEventListener("error", () => say("Connection lost; reconnecting…"));
  }

  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused) { show(waiting); waiting = []; }
    say(paused ? "Paused" : "Following live");
  });
  text.addEventListener("input", () => { for (const line of box.children) line.hidden = !matches(line); });
  process.addEventListener("change", follow);
  since.addEventListener("change", follow);
  controls.addEventListener("submit", event => event.preventDefault());
  follow();
})();
