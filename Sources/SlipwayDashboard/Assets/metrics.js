// Slipway dashboard, metrics page: the app's history (requests, latency, errors, CPU, memory) as
// SVG line charts, fetched again every 10 s. No libraries; colours come from the stylesheet.
"use strict";

(() => {
  const root = document.getElementById("metrics");
  if (!root) return;
  const range = document.getElementById("metrics-range");
  const status = document.getElementById("metrics-status");
  const svgNS = "http://www.w3.org/2000/svg";
  const width = 600, height = 160, left = 48, bottom = 20, top = 8;

  function element(name, attributes, text) {
    const node = document.createElementNS(svgNS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const label = value => value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toPrecision(2);
  const clock = seconds => new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  // series: [{name, time: [unix s], values: [number|null]}]; a null breaks the line.
  function draw(svg, series) {
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const times = series.flatMap(s => s.time);
    const values = series.flatMap(s => s.values).filter(v => v !== null);
    const parts = [];
    const end = times.length ? Math.max(...times) : Date.now() / 1000;
    const start = Math.min(end - 60, ...(times.length ? times : [end]));
    const highest = Math.max(0, ...values);
    const max = (highest > 0 ? highest : 1) * 1.1;
    const x = t => left + (t - start) / (end - start) * (width - left - 4);
    const y = v => height - bottom - v / max * (height - bottom - top);
    parts.push(element("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
    parts.push(element("text", { class: "tick", x: left - 4, y: top + 8, "text-anchor": "end" }, values.length ? label(max / 1.1) : "0"));
    parts.push(element("text", { class: "tick", x: left - 4, y: height - bottom, "text-anchor": "end" }, "0"));
    parts.push(element("text", { class: "tick", x: left, y: height - 4 }, clock(start)));
    parts.push(element("text", { class: "tick", x: width - 4, y: height - 4, "text-anchor": "end" }, clock(end)));
    let points = 0;
    const summary = [];
    series.forEach((s, index) => {
      let run = [];
      const flush = () => {
        if (run.length > 1) parts.push(element("polyline", { class: `series series-${index}`, points: run.join(" ") }));
        // A point with no neighbour is a dot, or it would not show.
        if (run.length === 1) {
          const [cx, cy] = run[0].split(",");
          parts.push(element("circle", { class: `dot series-${index}`, cx, cy, r: 2.5 }));
        }
        run = [];
      };
      s.values.forEach((v, i) => {
        if (v === null || v === undefined) { flush(); return; }
        run.push(`${x(s.time[i]).toFixed(1)},${y(v).toFixed(1)}`);
        points += 1;
      });
      flush();
      const latest = [...s.values].reverse().find(v => v !== null && v !== undefined);
      summary.push(`${s.name} ${latest === undefined ? "none" : label(latest)}`);
      parts.push(element("text", { class: `legend series-${index}`, x: left + 8 + index * 92, y: top + 10 }, s.name));
    });
    parts.push(element("desc", {}, "Latest: " + summary.join(", ")));
    svg.dataset.points = String(points);
    svg.dataset.max = String(values.length ? Math.max(...values) : 0);
    svg.replaceChildren(...parts);
    tabulate(svg, series);
  }

  // The chart's figures as a table under it (in a details element): the newest rows first, for
  // screen readers and anyone who wants the numbers.
  const tableRows = 30;
  function tabulate(svg, series) {
    const figure = svg.closest("figure");
    let details = figure.querySelector("details.figures");
    if (!details) {
      details = document.createElement("details");
      details.className = "figures";
      const summary = document.createElement("summary");
      summary.textContent = "Figures as a table";
      details.append(summary, document.createElement("table"));
      figure.append(details);
    }
    const cellOf = (tag, text) => {
      const node = document.createElement(tag);
      if (tag === "th") node.scope = "col";
      node.textContent = text;
      return node;
    };
    const byTime = new Map();
    series.forEach((s, index) => s.time.forEach((t, i) => {
      if (!byTime.has(t)) byTime.set(t, new Array(series.length).fill(null));
      byTime.get(t)[index] = s.values[i];
    }));
    const times = [...byTime.keys()].sort((a, b) => b - a).slice(0, tableRows);
    const caption = document.createElement("caption");
    caption.textContent = `${figure.querySelector("figcaption").textContent}: the ${times.length} newest points`;
    const head = document.createElement("thead");
    head.append(document.createElement("tr"));
    head.firstChild.append(cellOf("th", "Time"), ...series.map(s => cellOf("th", s.name)));
    const body = document.createElement("tbody");
    for (const t of times) {
      const row = document.createElement("tr");
      const when = cellOf("th", clock(t) + ":" + String(new Date(t * 1000).getSeconds()).padStart(2, "0"));
      when.scope = "row";
      row.append(when, ...byTime.get(t).map(v => cellOf("td", v === null || v === undefined ? "none" : label(v))));
      body.append(row);
    }
    details.querySelector("table").replaceChildren(caption, head, body);
  }

  function render(data) {
    const charts = Object.fromEntries([...document.querySelectorAll("svg[data-chart]")].map(svg => [svg.dataset.chart, svg]));
    const column = values => ({ time: data.time, values });
    draw(charts.requests, ["1xx", "2xx", "3xx", "4xx", "5xx"].map(name => ({ name, ...column(data.requestsPerSecond[name] || []) }))
      .filter(s => s.name !== "1xx" || s.values.some(v => v > 0)));
    draw(charts.latency, ["p50", "p95", "p99"].map(name => ({ name, ...column(data.latencySeconds[name].map(v => v === null ? null : v * 1000)) })));
    draw(charts.errors, [{ name: "5xx", ...column(data.errorRate.map(v => v === null ? null : v * 100)) }]);
    draw(charts.cpu, data.services.map(s => ({ name: s.name, time: s.time, values: s.cpuPercent })));
    draw(charts.memory, data.services.map(s => ({ name: s.name, time: s.time, values: s.memoryBytes.map(v => v / 1e6) })));
  }

  async function refresh() {
    try {
      const answer = await fetch(`${root.dataset.source}?range=${encodeURIComponent(range.value)}`, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(`the server answered ${answer.status}`);
      const data = await answer.json();
      render(data);
      status.textContent = data.time.length ? `Updated ${new Date().toLocaleTimeString()}` : "No points yet: the first comes within 10 s.";
    } catch (error) {
      status.textContent = `Could not read the metrics (${error.message}); trying again.`;
    }
  }

  range.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 10000);
})();
