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

document.addEventListener("DOMContentLoaded", () => {
  setUpFilters();
  setUpConfirmations();
});
