#!/usr/bin/env python3
"""Times the dashboard's apps page for bench/dashboard; prints one JSON object.

    dashboard_page.py BASE_URL TOKEN ROUNDS [LIVE_SECONDS]

server: GET / (signed in, whole page) and GET /v1/apps, ROUNDS each, wall time to the last byte.
browser: headless Chromium (selenium) loads / ROUNDS times; Navigation and Paint Timing give
responseEnd and first-contentful-paint. With LIVE_SECONDS, the apps page's live stream (/live)
is then followed that long; the events it sent are counted.
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

base, token, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
live_seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 0


def median_ms(samples):
    return round(statistics.median(samples) * 1000, 1)


# A signed-in session for plain HTTP requests: the sign-in form's CSRF cookie and field, then the token.
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
form = opener.open(base + "/signin", timeout=30).read().decode()
csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
opener.open(base + "/signin", data=urllib.parse.urlencode({"csrf": csrf, "token": token, "next": "/"}).encode(), timeout=60).read()


def timed(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    start = time.monotonic()
    body = opener.open(request, timeout=120).read()
    return time.monotonic() - start, len(body)


report = {"server_page_ms": [], "api_apps_ms": []}
for _ in range(rounds):
    elapsed, size = timed(base + "/")
    report["server_page_ms"].append(round(elapsed * 1000, 1))
    report["page_bytes"] = size
    elapsed, _ = timed(base + "/v1/apps", {"Authorization": f"Bearer {token}"})
    report["api_apps_ms"].append(round(elapsed * 1000, 1))

options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium")
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
    options.add_argument(argument)
driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
driver.set_page_load_timeout(120)
driver.set_script_timeout(15)
try:
    driver.get(base + "/signin")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
    WebDriverWait(driver, 120).until(lambda d: d.title.startswith("Apps"))
    report["browser_fcp_ms"], report["browser_response_end_ms"] = [], []
    for _ in range(rounds):
        driver.get(base + "/")
        # Paint Timing is reported once the frame is shown, which can come after load returns: wait for it (up to 10 s).
        timing = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const nav = performance.getEntriesByType('navigation')[0];
            const rows = document.querySelectorAll('#apps tbody tr').length;
            const answer = paint => done({response_end: nav.responseEnd, fcp: paint ? paint.startTime : null, rows});
            new PerformanceObserver(list => {
                const paint = list.getEntries().find(p => p.name === 'first-contentful-paint');
                if (paint) answer(paint);
            }).observe({type: 'paint', buffered: true});
            setTimeout(() => answer(null), 10000);""")
        report["browser_fcp_ms"].append(round(timing["fcp"] or -1, 1))
        report["browser_response_end_ms"].append(round(timing["response_end"], 1))
        report["rows"] = timing["rows"]
finally:
    driver.quit()

if live_seconds > 0:
    events, end = 0, time.monotonic() + live_seconds
    stream = opener.open(base + "/live", timeout=30)
    while time.monotonic() < end:
        line = stream.readline()
        events += line.startswith(b"event: state")
    stream.close()
    report["live_events"] = events

for key in ["server_page_ms", "api_apps_ms", "browser_fcp_ms", "browser_response_end_ms"]:
    report[key.replace("_ms", "_median_ms")] = round(statistics.median(report[key]), 1)
print(json.dumps(report))
