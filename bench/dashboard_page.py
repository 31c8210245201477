#!/usr/bin/env python3
"""Times the dashboard's apps page for bench/dashboard; prints one JSON object.

    dashboard_page.py BASE_URL TOKEN ROUNDS
    dashboard_page.py BASE_URL TOKEN follow SECONDS APP ROUTER_URL

Timing (ROUNDS): GET / (signed in, whole page) and GET /v1/apps, ROUNDS each, wall time to the
last byte; then headless Chromium (selenium) loads / ROUNDS times: Navigation and Paint Timing give
responseEnd and first-contentful-paint, and the page's own `apps-list-rendered` mark (live.js sets
it in the first frame after the whole list was parsed) gives the time to the list rendered.

follow: one browser window on the apps page, one on APP's logs page, one on its metrics page, all
following the server live for SECONDS, while a request a second goes to APP through the router
(ROUTER_URL) so the charts move; reports what the pages received.
"""
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import sys
import time
import urllib.parse
import urllib.request

os.environ.setdefault("SE_AVOID_STATS", "true")  # no usage statistics to the internet
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

base, token = sys.argv[1], sys.argv[2]
following = sys.argv[3] == "follow"


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(15)
    driver.get(base + "/signin")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
    WebDriverWait(driver, 120).until(lambda d: d.title.startswith("Apps"))
    return driver


def timings(rounds):
    # A signed-in session for plain HTTP requests: the sign-in form's CSRF cookie and field, then the token.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/signin", timeout=30).read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    opener.open(base + "/signin", data=urllib.parse.urlencode({"csrf": csrf, "token": token, "next": "/"}).encode(), timeout=60).read()

    def timed(url, headers=None):
        start = time.monotonic()
        body = opener.open(urllib.request.Request(url, headers=headers or {}), timeout=120).read()
        return time.monotonic() - start, len(body)

    report = {"server_page_ms": [], "api_apps_ms": []}
    for _ in range(rounds):
        elapsed, size = timed(base + "/")
        report["server_page_ms"].append(round(elapsed * 1000, 1))
        report["page_bytes"] = size
        elapsed, _ = timed(base + "/v1/apps", {"Authorization": f"Bearer {token}"})
        report["api_apps_ms"].append(round(elapsed * 1000, 1))

    driver = browser()
    try:
        report["browser_fcp_ms"], report["browser_response_end_ms"], report["browser_list_rendered_ms"] = [], [], []
        for _ in range(rounds):
            # Each load on its own: the page before opened its live stream, whose first read of every app
            # would otherwise run on the server while this page is asked for. A page of the same site in
            # between (not about:blank, which would add a new renderer process's start to every load).
            driver.get(base + "/assets/icon.svg")
            time.sleep(1.5)
            driver.get(base + "/")
            # Paint Timing is reported once the frame is shown, which can come after load returns: wait for it and
            # for the page's mark (up to 10 s).
            timing = driver.execute_async_script("""
                const done = arguments[arguments.length - 1];
                const nav = performance.getEntriesByType('navigation')[0];
                const rows = document.querySelectorAll('#apps tbody tr').length;
                const mark = () => performance.getEntriesByName('apps-list-rendered')[0];
                const paint = () => performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');
                const started = Date.now();
                const look = () => {
                    if ((paint() && mark()) || Date.now() - started > 10000) {
                        return done({response_end: nav.responseEnd, fcp: paint() ? paint().startTime : null,
                                     list: mark() ? mark().startTime : null, rows});
                    }
                    setTimeout(look, 20);
                };
                look();""")
            report["browser_fcp_ms"].append(round(timing["fcp"] or -1, 1))
            report["browser_response_end_ms"].append(round(timing["response_end"], 1))
            report["browser_list_rendered_ms"].append(round(timing["list"] or -1, 1))
            report["rows"] = min(report.get("rows", timing["rows"]), timing["rows"])
            report["title"] = driver.title
        if os.environ.get("BENCH_SCREENSHOT"):
            driver.save_screenshot(os.environ["BENCH_SCREENSHOT"])
    finally:
        driver.quit()
    for key in ["server_page_ms", "api_apps_ms", "browser_fcp_ms", "browser_response_end_ms", "browser_list_rendered_ms"]:
        report[key.replace("_ms", "_median_ms")] = round(statistics.median(report[key]), 1)
    return report


def follow(seconds, app, router):
    driver = browser()
    try:
        driver.get(base + "/")
        windows = {"apps": driver.current_window_handle}
        for name, path in [("logs", f"/apps/{app}/logs"), ("metrics", f"/apps/{app}/metrics")]:
            driver.switch_to.new_window("window")  # a window of its own: a background tab's timers are throttled
            driver.get(base + path)
            windows[name] = driver.current_window_handle
        end, requests = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen(urllib.request.Request(router + "/", headers={"Host": f"{app}.localhost"}), timeout=10) as answer:
                    answer.read()
                requests += 1
            except OSError:
                pass
            time.sleep(1)
        report = {"requests": requests}
        driver.switch_to.window(windows["logs"])
        report["log_status"] = driver.find_element(By.ID, "log-status").text
        driver.switch_to.window(windows["metrics"])
        report["requests_chart_points"] = int(driver.find_element(By.CSS_SELECTOR, "svg[data-chart=requests]").get_attribute("data-points") or 0)
        driver.switch_to.window(windows["apps"])
        report["rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#apps tbody tr"))
        return report
    finally:
        driver.quit()


if following:
    print(json.dumps(follow(float(sys.argv[4]), sys.argv[5], sys.argv[6])))
else:
    print(json.dumps(timings(int(sys.argv[3]))))
