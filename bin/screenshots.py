#!/usr/bin/env python3
# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Take the README's screenshots from a running Odoo with the demo data.

Called by bin/screenshots (which prepares the database and starts Odoo):

    screenshots.py --url http://127.0.0.1:8399 --db NAME --out docs/screenshots

Drives headless Chromium over the DevTools protocol (websocket-client, which
the suite installs for Odoo's browser tests): logs in over HTTP as admin
(staff) or as the demo portal user, gives the browser the session cookie,
opens each page at desktop (1366x768) and phone (390x844) size, waits until
it is drawn, and saves a PNG.
"""

import argparse
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import requests
import websocket

DESKTOP = {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False}
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)

# Staff pages are drawn by the web client: wait for its view, then for the
# network to be quiet.
WEB_READY = ".o_action_manager .o_view_controller, .o_action_manager .o_form_view"
PORTAL_READY = "#wrap, main"


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("[screenshots] no chromium/google-chrome on PATH (apt-get install chromium)")


class Browser:
    """The smallest DevTools client: one page, commands answered in order."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="suite-shots-")
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--force-color-profile=srgb",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile, "DevToolsActivePort")
        for _i in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        else:
            self.close()
            sys.exit("[screenshots] chromium did not start")
        port = int(port_file.read_text().split()[0])
        pages = []
        for _i in range(50):
            try:
                targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
                pages = [t for t in targets if t.get("type") == "page"]
            except requests.RequestException:
                pages = []
            if pages:
                break
            time.sleep(0.2)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0
        self.send("Page.enable")
        self.send("Network.enable")

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        check = f"!!document.querySelector({json.dumps(selector)})"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(f"document.readyState === 'complete' && {check}"):
                return True
            time.sleep(0.25)
        return False

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def login(base_url, db, user, password):
    """Log in over HTTP (Odoo's login form); returns the session id."""
    session = requests.Session()
    page = session.get(f"{base_url}/web/login", params={"db": db}, timeout=60)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not match:
        sys.exit(f"[screenshots] no login form at {base_url}/web/login")
    response = session.post(
        f"{base_url}/web/login",
        data={"csrf_token": match.group(1), "login": user, "password": password, "db": db},
        timeout=60,
        allow_redirects=False,
    )
    if response.status_code not in (302, 303) or "/web/login" in response.headers.get(
        "Location", ""
    ):
        sys.exit(f"[screenshots] login as {user!r} failed (status {response.status_code})")
    return session.cookies.get("session_id")


def rpc(base_url, session_id, model, method, args, kwargs=None):
    """JSON-RPC call as the logged-in user (to find the demo records)."""
    response = requests.post(
        f"{base_url}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        },
        cookies={"session_id": session_id},
        timeout=60,
    )
    body = response.json()
    if "error" in body:
        sys.exit(f"[screenshots] {model}.{method}: {body['error']['data']['message']}")
    return body["result"]


def xmlid(base_url, session_id, name):
    module, _sep, ident = name.partition(".")
    rows = rpc(
        base_url,
        session_id,
        "ir.model.data",
        "search_read",
        [[("module", "=", module), ("name", "=", ident)]],
        {"fields": ["res_id"], "limit": 1},
    )
    if not rows:
        sys.exit(f"[screenshots] {name} is missing: is this a demo database?")
    return rows[0]["res_id"]


def shoot(browser, base_url, session_id, shot, out_dir):
    size = shot["size"]
    browser.send("Network.clearBrowserCookies")
    host = urllib.parse.urlparse(base_url).hostname
    browser.send("Network.setCookie", name="session_id", value=session_id, domain=host, path="/")
    browser.send("Emulation.setDeviceMetricsOverride", **size)
    browser.send("Emulation.setTouchEmulationEnabled", enabled=size["mobile"])
    browser.send(
        "Network.setUserAgentOverride",
        userAgent=PHONE_UA if size["mobile"] else browser.desktop_ua,
    )
    browser.send("Page.navigate", url=base_url + shot["path"])
    time.sleep(0.5)
    ready = shot.get("ready", WEB_READY if shot["path"].startswith("/odoo") else PORTAL_READY)
    if not browser.wait_for(ready, timeout=90):
        print(f"[screenshots] {shot['name']}: {ready!r} never appeared", file=sys.stderr)
        return False
    for action in shot.get("actions", ()):
        time.sleep(0.6)
        if not browser.evaluate(action["js"]):
            print(f"[screenshots] {shot['name']}: {action['js'][:60]!r} failed", file=sys.stderr)
            return False
        if action.get("wait") and not browser.wait_for(action["wait"], timeout=30):
            print(
                f"[screenshots] {shot['name']}: {action['wait']!r} never appeared", file=sys.stderr
            )
            return False
    time.sleep(shot.get("settle", 1.5))  # fonts, images, transitions
    # Transient toasts ("the page is out of date" after an asset rebuild...)
    # are not part of the screen shown.
    browser.evaluate(
        "document.querySelectorAll('.o_notification_manager .o_notification')"
        ".forEach((n) => n.remove()); true"
    )
    if browser.evaluate("location.pathname.startsWith('/web/login')"):
        print(f"[screenshots] {shot['name']}: landed on the login page", file=sys.stderr)
        return False
    data = browser.send("Page.captureScreenshot", format="png")["data"]
    path = out_dir / f"{shot['name']}.png"
    path.write_bytes(base64.b64decode(data))
    print(f"[screenshots] {path} ({path.stat().st_size // 1024} KB)")
    return True


def click(selector, text=None):
    """JavaScript that clicks the first element matching ``selector`` (and
    whose text contains ``text``, when given); false when there is none."""
    return (
        f"(() => {{ const want = {json.dumps((text or '').lower())}; "
        f"const el = [...document.querySelectorAll({json.dumps(selector)})]"
        ".find((e) => e.offsetParent && e.textContent.toLowerCase().includes(want)); "
        "if (!el) return false; el.scrollIntoView({block: 'center'}); el.click(); return true; })()"
    )


def type_into(selector, value):
    """JavaScript that types ``value`` into the input matching ``selector``
    (as the user would: input and change events)."""
    return (
        f"(() => {{ const el = document.querySelector({json.dumps(selector)}); "
        f"if (!el) return false; el.focus(); el.value = {json.dumps(value)}; "
        "el.dispatchEvent(new Event('input', {bubbles: true})); "
        "el.dispatchEvent(new Event('change', {bubbles: true})); el.blur(); return true; })()"
    )


def scroll_to(selector):
    """JavaScript that scrolls the first element matching ``selector`` to the
    top of the window (under the portal's header)."""
    return (
        f"(() => {{ const el = document.querySelector({json.dumps(selector)}); "
        "if (!el) return false; el.scrollIntoView({block: 'start'}); "
        "window.scrollBy(0, -80); return true; })()"
    )


def shots(ids):
    sub, partner = ids["subscription"], ids["partner"]
    portal_sub = ids["portal_subscription"]
    resume_on = (datetime.date.today() + datetime.timedelta(days=21)).isoformat()
    action = "/odoo/action-subscription_core.subscription_subscription_action"
    staff = [
        {"name": "staff-subscriptions", "path": action},
        {"name": "staff-subscription-form", "path": f"{action}/{sub}", "ready": ".o_form_view"},
        {
            "name": "staff-change-plan",
            "path": f"{action}/{sub}",
            "ready": ".o_form_view .o_statusbar_buttons",
            "actions": [
                {
                    "js": click(".o_statusbar_buttons button", "change plan"),
                    "wait": ".modal .o_form_view",
                },
                # Two more seats: the preview shows the proration.
                {"js": type_into(".modal div[name='quantity'] input", "7")},
            ],
            "settle": 3,
        },
        {
            "name": "staff-customer",
            "path": f"/odoo/action-base.action_partner_form/{partner}",
            "ready": ".o_form_view .o_notebook",
            "actions": [{"js": click(".o_notebook .nav-link", "subscriptions")}],
        },
    ]
    portal = [
        {"name": "portal-subscriptions", "path": "/my/subscriptions"},
        {"name": "portal-subscription", "path": f"/my/subscriptions/{portal_sub}"},
        {"name": "portal-change-plan", "path": f"/my/subscriptions/{portal_sub}/change"},
        {
            "name": "portal-pause",
            "path": f"/my/subscriptions/{portal_sub}",
            "actions": [
                {"js": scroll_to("form[action$='/pause']")},
                {"js": type_into("form[action$='/pause'] input[type='date']", resume_on)},
            ],
        },
        {"name": "portal-cancel", "path": f"/my/subscriptions/{portal_sub}/cancel"},
        {
            "name": "portal-payment-method",
            "path": f"/my/subscriptions/{portal_sub}",
            "actions": [{"js": scroll_to("#subscription_payment_method")}],
        },
        {
            "name": "portal-update-card",
            "path": f"/my/subscriptions/{portal_sub}/payment_method/update",
        },
    ]
    result = [{**shot, "user": "staff", "size": DESKTOP} for shot in staff]
    result.append({**staff[0], "name": "staff-subscriptions-phone", "user": "staff", "size": PHONE})
    for shot in portal:
        result.append({**shot, "user": "portal", "size": DESKTOP})
        result.append({**shot, "name": shot["name"] + "-phone", "user": "portal", "size": PHONE})
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--staff", default="admin:admin")
    parser.add_argument("--portal", default="portal:portal")
    parser.add_argument("--only", default="", help="comma list of screenshot names")
    args = parser.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    sessions = {}
    for role, spec in (("staff", args.staff), ("portal", args.portal)):
        user, _sep, password = spec.partition(":")
        sessions[role] = login(args.url, args.db, user, password)
    staff_sid = sessions["staff"]
    ids = {
        "subscription": xmlid(args.url, staff_sid, "subscription_core.subscription_deco_addict"),
        "portal_subscription": xmlid(
            args.url, staff_sid, "subscription_core.subscription_portal_demo"
        ),
        "partner": xmlid(args.url, staff_sid, "base.res_partner_2"),
    }
    only = {name for name in args.only.split(",") if name}
    browser = Browser(find_chromium())
    browser.desktop_ua = browser.evaluate("navigator.userAgent").replace("HeadlessChrome", "Chrome")
    failed = []
    try:
        for shot in shots(ids):
            if only and shot["name"] not in only:
                continue
            if not shoot(browser, args.url, sessions[shot["user"]], shot, out_dir):
                failed.append(shot["name"])
    finally:
        browser.close()
    if failed:
        sys.exit(f"[screenshots] failed: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    sys.exit(main())
