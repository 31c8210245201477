#!/usr/bin/env python3
"""The app page's forms in a real browser (headless Chromium driven by selenium) against a real
`slipway server`. Used by DashboardManageTests; prints one JSON object with what the user saw.

    dashboard_manage.py BASE_URL TOKEN APP SCREENSHOT_DIR

On APP's page (one web replica running): sets a config var and sees the new release and the var;
adds a secret and sees it only as [redacted], never its value, on any page; scales web to 3 and
watches three replicas become ready in the table; rolls back to v1 from the releases list; tries
to destroy with a wrong name (refused in the page), then with the right one, and lands on the apps
page without the app. Every form leads to its deploy page, which is followed to its end.
Each page's screenshot is saved in SCREENSHOT_DIR; the browser's console errors are reported.
"""
import json
import os
import secrets
import shutil
import sys
import time

os.environ.setdefault("SE_AVOID_STATS", "true")  # no usage statistics to the internet
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

base, token, app, shots = sys.argv[1:5]
os.makedirs(shots, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium")
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
driver.set_page_load_timeout(60)
report = {"console_errors": [], "network_changed": [], "secret_seen_on": []}
secret_value = "s3cret-" + secrets.token_hex(8)


def shot(name):
    driver.save_screenshot(os.path.join(shots, f"{name}.png"))
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        # Podman adds and removes a bridge interface on this host as apps' networks come and go (this
        # test's and others' running at the same time); Chromium then aborts the requests in flight with
        # ERR_NETWORK_CHANGED. That is the host's doing, not the page's: kept apart, not an error of the page.
        report["network_changed" if "net::ERR_NETWORK_CHANGED" in entry["message"] else "console_errors"].append(entry["message"])
    if secret_value in driver.page_source:
        report["secret_seen_on"].append(driver.execute_script("return location.pathname"))


def wait_for(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


def submit(form_selector):
    """Submits a form of the app page and follows its deploy page to the end; the deploy's final status."""
    driver.find_element(By.CSS_SELECTOR, form_selector + " button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return location.pathname").startswith("/deploys/")
                                    and d.find_elements(By.ID, "deploy-status"))
    status = wait_for(lambda: (lambda s: s if s not in ("", "IN PROGRESS", "QUEUED") else None)(
        driver.find_element(By.ID, "deploy-status").get_attribute("data-status") or ""), 180)
    return status


def app_page():
    driver.get(f"{base}/apps/{app}")
    return {
        "releases": driver.execute_script("return [...document.querySelectorAll('#release-list tbody tr')].map(r => r.cells[0].textContent)"),
        "config": driver.execute_script(
            "return [...document.querySelectorAll('#config-list tbody tr')].map(r => [...r.cells].slice(0, 2).map(c => c.textContent))"),
    }


def replicas():
    return driver.execute_script(
        "return [...document.querySelectorAll('table[data-service=web] tbody tr')].map(r => [...r.cells].map(c => c.textContent))")


try:
    driver.get(base + "/signin")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.title.startswith("Apps"))
    report["before"] = app_page()

    # A config var: a new release with it.
    driver.find_element(By.ID, "config-key").send_keys("GREETING")
    driver.find_element(By.ID, "config-value").send_keys("hello from the form")
    report["config_status"] = submit(f"form[action='/apps/{app}/config']")
    report["after_config"] = app_page()
    shot("20-app-config-set")

    # A secret: shown as [redacted], its value on no page.
    driver.find_element(By.ID, "config-key").send_keys("API_TOKEN")
    driver.find_element(By.ID, "config-value").send_keys(secret_value)
    driver.find_element(By.CSS_SELECTOR, f"form[action='/apps/{app}/config'] input[name=secret]").click()
    report["secret_status"] = submit(f"form[action='/apps/{app}/config']")
    shot("21-deploy-secret")
    report["after_secret"] = app_page()
    shot("22-app-secret-redacted")
    driver.get(f"{base}/")
    shot("23-apps")

    # Scale to 3: three replicas running and ready in the table, which follows the server.
    driver.get(f"{base}/apps/{app}")
    field = driver.find_element(By.ID, "scale-web")
    field.clear()
    field.send_keys("3")
    report["scale_status"] = submit(f"form[action='/apps/{app}/scale']")
    driver.get(f"{base}/apps/{app}")
    report["replicas"] = wait_for(lambda: (lambda rows: rows if len(rows) == 3 and all(r[1] == "running" and r[2] == "yes" for r in rows) else None)(
        replicas()), 90) or replicas()
    report["replicas_heading"] = driver.find_element(By.CSS_SELECTOR, "[data-service-count=web]").text
    shot("24-app-scaled")

    # Roll back to v1 from the releases list.
    driver.find_element(By.CSS_SELECTOR, "#release-list button[aria-label='Roll back to v1']").click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return location.pathname").startswith("/deploys/"))
    report["rollback_status"] = wait_for(lambda: (lambda s: s if s not in ("", "IN PROGRESS", "QUEUED") else None)(
        driver.find_element(By.ID, "deploy-status").get_attribute("data-status") or ""), 180)
    report["after_rollback"] = app_page()
    shot("25-app-rolled-back")

    # Destroy: a wrong name is refused in the page (nothing sent), the right one destroys.
    driver.find_element(By.ID, "destroy-confirm").send_keys(app + "-not")
    driver.find_element(By.CSS_SELECTOR, f"form[action='/apps/{app}/destroy'] button[type=submit]").click()
    time.sleep(1)
    report["wrong_name"] = {"path": driver.execute_script("return location.pathname"),
                            "message": driver.execute_script("return document.getElementById('destroy-confirm').validationMessage")}
    field = driver.find_element(By.ID, "destroy-confirm")
    field.clear()
    field.send_keys(app)
    driver.find_element(By.CSS_SELECTOR, f"form[action='/apps/{app}/destroy'] button[type=submit]").click()
    WebDriverWait(driver, 120).until(lambda d: d.execute_script("return location.pathname") == "/")
    # The app's network went with it: the page is read once Chromium has seen the interface go (see shot).
    time.sleep(2)
    shot("26-apps-destroyed")
    driver.refresh()
    report["after_destroy"] = {
        "notice": driver.execute_script("const n = document.querySelector('.notice:not([hidden])'); return n ? n.textContent : null"),
        "rows": driver.execute_script("return [...document.querySelectorAll('#apps tbody tr')].map(r => r.dataset.app)"),
    }
    shot("27-apps-destroyed-reloaded")
finally:
    driver.quit()
print(json.dumps(report))
