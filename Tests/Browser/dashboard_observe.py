#!/usr/bin/env python3
"""The dashboard's live pages in a real browser (headless Chromium driven by selenium) against a
real `slipway server`. Used by DashboardLiveTests; prints one JSON object with what the user saw.

    dashboard_observe.py BASE_URL TOKEN APP ROUTER_URL SCREENSHOT_DIR GIT_URL

1. Signs in and measures the apps page's first render (Navigation and Paint Timing). With the apps
   page open, deploys GIT_URL as a second app through the API (as the CLI would) and watches its row
   appear and become serving, then destroys it and watches the row go, all without a reload.
2. Opens APP's logs page, waits until it follows live, then asks the app (through the router) to
   write a marker line and times how long the line takes to appear on the page; pauses and checks
   a second marker waits, resumes and sees it; filters by text; reads the download link.
3. Opens APP's metrics page, sends requests through the router and waits (up to 40 s) until the
   requests and CPU charts have points.
4. Opens APP's page, kills its replica's container from outside (podman kill) and watches the
   replicas table, without reloading, until the replica has restarted and is ready again; checks
   the table fits the phone-sized window; sets a config var through the API and watches the new
   release and the var appear on the open page.
Each page's screenshot is saved in SCREENSHOT_DIR; the browser's console errors are reported.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

os.environ.setdefault("SE_AVOID_STATS", "true")  # no usage statistics to the internet
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

base, token, app, router, shots, git_url = sys.argv[1:7]
os.makedirs(shots, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium")
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=390,844"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
driver.set_page_load_timeout(60)
report = {"console_errors": [], "network_changed": []}


def shot(name):
    driver.save_screenshot(os.path.join(shots, f"{name}.png"))
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        # Podman adds and removes a bridge interface on this host as apps' networks come and go (this
        # test's and others' running at the same time); Chromium then aborts the requests in flight with
        # ERR_NETWORK_CHANGED. That is the host's doing, not the page's: kept apart, not an error of the page.
        report["network_changed" if "net::ERR_NETWORK_CHANGED" in entry["message"] else "console_errors"].append(entry["message"])


def say(text):
    """The app writes TEXT to its log: its CGI script prints the query to stderr."""
    request = urllib.request.Request(f"{router}/cgi-bin/say?{text}", headers={"Host": f"{app}.localhost"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def podman(*arguments):
    """The engine's command line, as a client of the same API socket the server uses."""
    done = subprocess.run(["podman", "--url", "unix:///run/podman/podman.sock", *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"podman {' '.join(arguments)}: {done.returncode} {done.stderr.strip()}")
    return done.stdout


def api(method, path, body=None):
    """The API as the CLI calls it, with the admin token; the answer's JSON."""
    request = urllib.request.Request(f"{base}{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def apps_rows():
    return driver.execute_script("""
        return [...document.querySelectorAll('#apps tbody tr')].map(r => (r.hidden ? 'hidden ' : '') + r.dataset.app + ' ' + r.textContent.replace(/\\s+/g, ' ').trim())""")


def wait_for(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return None


def lines_with(text):
    return driver.execute_script(
        "return [...document.querySelectorAll('#log-lines .line')].filter(l => l.textContent.includes(arguments[0]) && !l.hidden).length", text)


try:
    driver.get(base + "/signin")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.title.startswith("Apps"))
    driver.get(base + "/")
    report["apps_timing"] = driver.execute_script("""
        const nav = performance.getEntriesByType('navigation')[0];
        const paint = performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');
        return {response_end_ms: nav.responseEnd, dom_content_loaded_ms: nav.domContentLoadedEventEnd,
                first_contentful_paint_ms: paint ? paint.startTime : null};""")

    # Apps added and removed elsewhere show on the open apps page without a reload.
    other = app + "-more"
    driver.execute_script("window.slipwayMarker = 'kept'")
    driver.find_element(By.ID, "app-filter").send_keys("-more")  # a filter typed before: the new row is filtered too
    trace = api("POST", f"/v1/apps/{other}/deploys", {"source": git_url})["traceId"]
    wait_for(lambda: api("GET", f"/v1/deploys/{trace}")["status"] != "IN PROGRESS", 240)
    deployed = time.time()
    appeared = wait_for(lambda: any(r.startswith(other + " ") for r in apps_rows()), 30)
    added = {"seconds": round(time.time() - deployed, 2), "rows": apps_rows(),
             "serving": wait_for(lambda: next((r for r in apps_rows() if r.startswith(other + " ") and "serving" in r), None), 30),
             "announced": driver.find_element(By.ID, "apps-changes").text if appeared else None}
    shot("7b-apps-added-live")
    driver.find_element(By.ID, "app-filter").clear()
    driver.find_element(By.ID, "app-filter").send_keys(" ")  # an input event: every row shown again
    api("DELETE", f"/v1/apps/{other}")
    destroyed = time.time()
    gone = wait_for(lambda: not any((other + " ") in r for r in apps_rows()), 30)
    report["apps_live"] = {"added": added, "removed": {"seconds": round(time.time() - destroyed, 2) if gone else None, "rows": apps_rows(),
                                                      "announced": driver.find_element(By.ID, "apps-changes").text},
                           "marker": driver.execute_script("return window.slipwayMarker || null")}
    time.sleep(2)  # its network went with it: the next page loads once Chromium has seen the interface go (see shot)

    driver.get(base + f"/apps/{app}/logs")
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "log-status").text == "Following live")
    marker = f"marker-{int(time.time() * 1000)}"
    sent = time.time()
    say(marker)
    WebDriverWait(driver, 20, poll_frequency=0.02).until(lambda d: lines_with(marker) > 0)
    report["log_line_seconds"] = round(time.time() - sent, 3)
    report["log_line"] = driver.execute_script(
        "return [...document.querySelectorAll('#log-lines .line')].map(l => l.textContent).filter(t => t.includes(arguments[0]))[0]", marker)
    shot("8-logs")
    driver.find_element(By.ID, "log-pause").click()
    held = marker + "-held"
    say(held)
    time.sleep(2)
    report["paused"] = {"shown": lines_with(held), "status": driver.find_element(By.ID, "log-status").text}
    driver.find_element(By.ID, "log-pause").click()
    report["resumed_shown"] = lines_with(held)
    driver.find_element(By.ID, "log-text").send_keys("held")
    report["filtered"] = {"marker": lines_with(marker + " "), "held": lines_with(held),
                          "visible": driver.execute_script("return [...document.querySelectorAll('#log-lines .line')].filter(l => !l.hidden).length")}
    report["download_href"] = driver.find_element(By.ID, "log-download").get_attribute("href")
    report["download"] = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async r => done({type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'),
                                                  text: (await r.text()).slice(-4000)}));""", report["download_href"])
    shot("9-logs-filtered")

    driver.get(base + f"/apps/{app}/metrics")
    deadline = time.time() + 40
    charts = {}
    while time.time() < deadline:
        for n in range(5):
            say(f"traffic-{n}")
        charts = driver.execute_script("""
            return Object.fromEntries([...document.querySelectorAll('svg[data-chart]')].map(s =>
                [s.dataset.chart, {points: Number(s.dataset.points || 0), max: Number(s.dataset.max || 0),
                                   desc: (s.querySelector('desc') || {}).textContent || ''}]));""")
        if charts.get("requests", {}).get("max", 0) > 0 and charts.get("cpu", {}).get("points", 0) > 0 \
                and charts.get("memory", {}).get("max", 0) > 0:
            break
        time.sleep(1)
    report["charts"] = charts
    report["metrics_status"] = driver.find_element(By.ID, "metrics-status").text
    # Each chart's figures as a table (for screen readers): caption, a header per series, rows of numbers.
    report["chart_tables"] = driver.execute_script("""
        return [...document.querySelectorAll('figure')].map(f => {
            const table = f.querySelector('details.figures table');
            return table ? {caption: table.caption ? table.caption.textContent : '',
                            headers: [...table.tHead.rows[0].cells].map(c => c.textContent),
                            rows: table.tBodies[0].rows.length,
                            first: table.tBodies[0].rows.length ? [...table.tBodies[0].rows[0].cells].map(c => c.textContent) : []} : null;
        });""")
    shot("10-metrics")

    driver.get(base + f"/apps/{app}")
    driver.execute_script("window.slipwayMarker = 'kept'")
    row_text = "return [...document.querySelectorAll('table[data-service=web] tbody tr')].map(r => [...r.cells].map(c => c.textContent))"
    # CPU needs two readings 10 s apart: the row fills in through the page's live updates.
    deadline = time.time() + 40
    while time.time() < deadline and not driver.execute_script(row_text)[0][6].endswith("%"):
        time.sleep(0.25)
    before = driver.execute_script(row_text)
    ids = podman("ps", "-q", "--filter", f"label=app.kubernetes.io/name={app}", "--filter", "label=io.slipway.replica").split()
    podman("kill", ids[0])
    seen = [before]
    deadline = time.time() + 90
    while time.time() < deadline:
        rows = driver.execute_script(row_text)
        if rows != seen[-1]:
            seen.append(rows)
        if rows and rows[0][3] != before[0][3] and rows[0][1] == "running" and rows[0][2] == "yes":
            break
        time.sleep(0.25)
    report["replica_rows"] = seen
    # The events list follows too: the crash and the restart are listed without a reload.
    deadline = time.time() + 20
    events = []
    while time.time() < deadline:
        events = driver.execute_script("return [...document.querySelectorAll('ol.events li')].map(li => li.textContent)")
        if any("replica.restarted" in e for e in events):
            break
        time.sleep(0.25)
    report["events"] = events[:10]
    shot("11-app-restarted")

    # On a phone-sized window the replicas table fits: nothing scrolls sideways.
    report["phone"] = driver.execute_script("""
        const table = document.querySelector('table[data-service=web]');
        return {viewport: window.innerWidth, page: document.documentElement.scrollWidth,
                table: table.scrollWidth, box: table.parentElement.clientWidth};""")

    # A config change made elsewhere (the API, as the CLI makes it): the new release and the config
    # var appear on the open page without a reload, and no reload link is offered.
    mark = f"live-{int(time.time())}"
    change = urllib.request.Request(f"{base}/v1/apps/{app}/config", method="PATCH", data=json.dumps({"set": {"LIVE_MARK": mark}}).encode(),
                                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(change, timeout=30) as answer:
        answer.read()
    page_state = """
        return {releases: [...document.querySelectorAll('#release-list tbody tr')].map(r => r.cells[0].textContent),
                rollbacks: document.querySelectorAll('#release-list form[action$="/rollback"]').length,
                config: [...document.querySelectorAll('#config-list tbody tr')].map(r => [...r.cells].slice(0, 2).map(c => c.textContent)),
                heading: document.getElementById('app-release').textContent,
                notice: document.getElementById('live-notice').hidden ? null : document.getElementById('live-notice').textContent};"""
    before_change = driver.execute_script(page_state)
    deadline = time.time() + 90
    after_change = before_change
    while time.time() < deadline:
        after_change = driver.execute_script(page_state)
        if any(mark in value for row in after_change["config"] for value in row) and after_change["releases"] \
                and after_change["releases"][0] != before_change["releases"][0] and after_change["releases"][0].endswith("(current)"):
            break
        time.sleep(0.25)
    report["live_change"] = {"mark": mark, "before": before_change, "after": after_change}
    report["app_marker"] = driver.execute_script("return window.slipwayMarker || null")
    shot("12-app-config-live")
finally:
    driver.quit()
print(json.dumps(report))
