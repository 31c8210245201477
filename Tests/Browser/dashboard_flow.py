#!/usr/bin/env python3
"""A new user in a real browser (headless Chromium driven by selenium) on the Slipway dashboard of
a real `slipway server`. Used by DashboardBrowserTests; prints one JSON object with what the user saw.

    dashboard_flow.py BASE_URL TOKEN DEPLOYED_APP NEW_APP GIT_URL SCREENSHOT_DIR

1. Opens the dashboard, is sent to sign in, tries a wrong token, then signs in with the right one.
2. Reads DEPLOYED_APP's row on the apps page (deployed before, on the real engine).
3. Deploys GIT_URL as NEW_APP from the apps page's form and watches the deploy page: the stages'
   statuses and the log as they change, without reloading the page.
4. Goes back to the apps page and reads NEW_APP's row.
Each page's screenshot is saved in SCREENSHOT_DIR; the browser's console errors are reported.
"""
import json
import os
import shutil
import sys
import time

os.environ.setdefault("SE_AVOID_STATS", "true")  # no usage statistics to the internet
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

base, token, deployed_app, new_app, git_url, shots = sys.argv[1:7]
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


def clipped(text, keep=6000):
    return text if len(text) <= 2 * keep else text[:keep] + "\n[...]\n" + text[-keep:]


def app_row(name):
    rows = driver.find_elements(By.CSS_SELECTOR, f'tr[data-app="{name}"]')
    return rows[0].text if rows else None


def sign_in(secret):
    field = driver.find_element(By.ID, "token")
    field.clear()
    field.send_keys(secret)
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()


try:
    driver.get(base + "/")
    report["first_page"] = {"path": driver.execute_script("return location.pathname"), "title": driver.title}
    shot("1-signin")
    sign_in("wrong-token-0123456789abcdef0123456789")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "signin-error"))
    errors = driver.find_elements(By.ID, "signin-error")
    report["wrong_token"] = {"path": driver.execute_script("return location.pathname"), "error": errors[0].text if errors else None}
    shot("2-signin-refused")
    # The refused sign-in answered 401, which the console reports as a failed load: expected, kept apart.
    report["wrong_token"]["console"] = report["console_errors"]
    report["console_errors"] = []
    sign_in(token)
    WebDriverWait(driver, 30).until(lambda d: d.title.startswith("Apps"))
    report["after_signin"] = {"path": driver.execute_script("return location.pathname"), "title": driver.title}
    report["deployed_row"] = app_row(deployed_app)
    shot("3-apps")

    driver.find_element(By.ID, "new-app-name").send_keys(new_app)
    driver.find_element(By.ID, "new-app-source").send_keys(git_url)
    driver.find_element(By.CSS_SELECTOR, "form[action='/deploys'] button[type=submit]").click()
    # The click returns before the browser has followed the form's redirect: wait for the deploy page.
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return location.pathname").startswith("/deploys/")
                                    and d.find_elements(By.ID, "stages"))
    report["deploy_path"] = driver.execute_script("return location.pathname")
    # A marker a reload would lose: the page must change in place.
    driver.execute_script("window.slipwayMarker = 'kept'")
    snapshots = []
    deadline = time.time() + 300
    status = None
    while time.time() < deadline:
        state = driver.execute_script("""
            const rows = [...document.querySelectorAll('#stages tbody tr')];
            return {status: document.getElementById('deploy-status').dataset.status,
                    stages: rows.map(r => r.dataset.stage + '=' + r.querySelector('.stage-status').textContent),
                    log: document.getElementById('deploy-log').textContent.length};
        """)
        key = (state["status"], tuple(state["stages"]))
        if not snapshots or key != (snapshots[-1]["status"], tuple(snapshots[-1]["stages"])):
            state["t"] = round(time.time(), 2)
            snapshots.append(state)
            if len(snapshots) == 2:
                shot("4-deploy-running")
        status = state["status"]
        if status != "IN PROGRESS":
            break
        time.sleep(0.1)
    time.sleep(0.5)  # the last log lines follow the final status
    report["deploy"] = {
        "snapshots": snapshots,
        "final_status": status,
        "marker": driver.execute_script("return window.slipwayMarker || null"),
        # Head and tail: Podman's build output lists every tag the built image id has, which grows
        # with each run on a shared engine, so a tail alone can lose the first stage lines.
        "log": clipped(driver.find_element(By.ID, "deploy-log").text),
    }
    shot("5-deploy-done")

    driver.get(base + "/")
    report["new_row"] = app_row(new_app)
    shot("6-apps-after")
    driver.get(base + f"/apps/{new_app}")
    report["app_page"] = {"title": driver.title, "h1": driver.find_element(By.TAG_NAME, "h1").text}
    shot("7-app")
finally:
    driver.quit()
print(json.dumps(report))
