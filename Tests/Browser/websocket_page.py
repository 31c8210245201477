#!/usr/bin/env python3
"""An app's WebSocket page over HTTPS in a real browser (headless Chromium driven by selenium),
through the router. Used by RouterBrowserTests; prints one JSON object with what the page saw.

    websocket_page.py HTTPS_PORT HOST CERTIFICATE_PEM

The browser resolves HOST to 127.0.0.1 and loads https://HOST:HTTPS_PORT/; the page opens
wss://HOST:HTTPS_PORT/echo, sends a message and shows the echo. The test's certificate authority
is not in the browser's store: the browser is told to trust the router's certificate by its public
key (`--ignore-certificate-errors-spki-list`), so the connection has no certificate error, as with
a real CA (Chromium keeps connections with errors out of some features).

Chromium drops every connection when it sees the host's network change (ERR_NETWORK_CHANGED), and
on a shared machine containers come and go, each adding and removing an interface: the page then
fails to load, or the WebSocket goes over a new HTTP/1.1 connection as no HTTP/2 one is left. The
browser's net log (NetLog) says when that happened: "network_changed" in the output, so that the
test can try again rather than blame the router.
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("SE_AVOID_STATS", "true")  # no usage statistics to the internet
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

port, host, certificate = int(sys.argv[1]), sys.argv[2], sys.argv[3]
public_key = subprocess.run(["openssl", "x509", "-in", certificate, "-noout", "-pubkey"], check=True, capture_output=True).stdout
spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public_key, check=True, capture_output=True).stdout
pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
net_log = tempfile.NamedTemporaryFile(prefix="websocket-page-netlog-", suffix=".json", delete=False).name
options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium")
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--host-resolver-rules=MAP {host} 127.0.0.1", f"--ignore-certificate-errors-spki-list={pin}",
                 f"--log-net-log={net_log}"]:
    options.add_argument(argument)
driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
try:
    driver.get(f"https://{host}:{port}/")
    deadline = time.monotonic() + 45  # a first start of Chromium on a busy machine is slow
    while time.monotonic() < deadline and not driver.title.startswith("closed"):
        time.sleep(0.05)
    results = driver.find_elements("id", "result")
    seen = {
        "page_protocol": driver.execute_script("return performance.getEntriesByType('navigation')[0]?.nextHopProtocol"),
        "result": results[0].text if results else None,
        "title": driver.title,
        "page": None if results else driver.page_source[:2000],
    }
finally:
    driver.quit()  # the net log is complete once the browser has exited


def network_changed(path):
    """Whether the net log shows a connection ended by ERR_NETWORK_CHANGED (-21)."""
    try:
        text = open(path).read().rstrip()
    except OSError:
        return False
    if not text.endswith("}"):  # a log cut short (the browser killed) lacks its closing brackets
        text = text.rstrip(",") + "]}"
    try:
        events = json.loads(text).get("events", [])
    except ValueError:
        return False
    return any(event.get("params", {}).get("net_error") == -21 for event in events)


seen["network_changed"] = network_changed(net_log)
os.unlink(net_log)
print(json.dumps(seen))
