# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A fake Stripe PaymentIntents API on loopback, for tests and benchmarks.

Plain standard library (``http.server``): point the real ``stripe`` SDK at it
(``stripe.StripeClient(key, base_addresses={"api": server.url})``, or
``api_base=server.url`` of ``create_or_find_intent``) and it answers like
Stripe, after ``delay`` seconds (a provider's latency), one thread per
connection::

    with FakeStripe(delay=0.3) as server:
        ...  # requests to server.url

Endpoints: ``POST /v1/payment_intents`` (form parameters, ``Idempotency-Key``
honoured: the same key answers the first result again, with
``Idempotent-Replayed: true``; the same key with other parameters is an
``idempotency_error``), ``GET /v1/payment_intents/<id>`` and ``GET
/v1/payment_intents/search?query=metadata['k']:'v'``. A request needs a
``Bearer sk_test_...`` (or ``rk_test_...``) key, else 401.

The outcome of a confirmed intent follows its payment method, as Stripe's
test cards do: ``pm_card_chargeDeclined`` (``card_declined`` /
``generic_decline``), ``pm_card_chargeDeclinedInsufficientFunds``,
``pm_card_chargeDeclinedExpiredCard`` (``expired_card``),
``pm_card_authenticationRequired`` (``authentication_required``) are card
errors (402, the intent ``requires_payment_method``); ``pm_missing`` or the
customer ``cus_missing`` is ``resource_missing`` (404); ``pm_processing``
leaves the intent ``processing``; ``pm_server_error`` answers 500 (nothing
created); any other method succeeds.

``rate_limit`` (requests per second, default none) is Stripe's own limiter:
a token bucket of that many requests, refilled at that rate; a request
arriving when it is empty is answered 429 ``rate_limit`` at once (counted in
``rate_limited``), as Stripe does past 25 requests per second in test mode and
100 live.

``drop_responses = n`` makes the next ``n`` requests do their work (an intent
is created) and then close the connection without an answer, as a network
failure after the charge would. Counters: ``requests``, ``created`` (intents
really created), ``peak_in_flight`` (requests served at once).
"""

import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", None, "Your card has expired."),
    "pm_card_authenticationRequired": (
        "authentication_required",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
}
SEARCH_QUERY = re.compile(r"^\s*metadata\['([^']+)'\]\s*:\s*'((?:[^'\\]|\\.)*)'\s*$")


def decode_form(pairs):
    """Turn Stripe's form pairs (``a[b][c]=v``, ``a[0]=v``) into nested dicts."""
    result = {}
    for name, value in pairs:
        parts = re.findall(r"[^\[\]]+", name)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


def _error(status, kind, message, **values):
    return status, {"error": {"type": kind, "message": message, **values}}


class FakeStripe:
    """The server; ``start()``/``stop()`` or use it as a context manager."""

    def __init__(self, delay=0.3, host="127.0.0.1", port=0, rate_limit=None):
        self.delay = delay
        self.rate_limit = rate_limit
        self.rate_limited = 0
        self._tokens = rate_limit or 0
        self._refilled = time.monotonic()
        self.drop_responses = 0
        self.requests = 0
        self.created = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.intents = {}
        self._replies = {}  # (api key, idempotency key) -> (params, status, body)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread = None

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake_stripe",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # --- the API --------------------------------------------------------

    def admit(self):
        """Take a token of the rate limiter; False when the bucket is empty."""
        if not self.rate_limit:
            return True
        with self._lock:
            now = time.monotonic()
            self._tokens = min(
                self.rate_limit, self._tokens + (now - self._refilled) * self.rate_limit
            )
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            self.rate_limited += 1
            return False

    def handle(self, method, path, query, form, headers):
        """Return ``(status, body, extra headers)`` of one request."""
        auth = headers.get("Authorization") or ""
        if not re.fullmatch(r"Bearer (sk|rk)_test_\S+", auth):
            return (
                *_error(401, "invalid_request_error", "Invalid API Key provided.", code=None),
                {},
            )
        if method == "POST" and path == "/v1/payment_intents":
            return self._create(auth, headers.get("Idempotency-Key"), form)
        if method == "GET" and path == "/v1/payment_intents/search":
            return (*self._search(query.get("query", "")), {})
        match = re.fullmatch(r"/v1/payment_intents/([A-Za-z0-9_]+)", path)
        if method == "GET" and match:
            with self._lock:
                intent = self.intents.get(match[1])
            if intent is None:
                return (
                    *_error(
                        404,
                        "invalid_request_error",
                        f"No such payment_intent: '{match[1]}'",
                        code="resource_missing",
                        param="intent",
                    ),
                    {},
                )
            return 200, intent, {}
        return (*_error(404, "invalid_request_error", f"Unrecognized request URL ({path})."), {})

    def _create(self, auth, key, form):
        with self._lock:
            if key and (auth, key) in self._replies:
                params, status, body = self._replies[(auth, key)]
                if params != form:
                    return (
                        *_error(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        ),
                        {},
                    )
                return status, body, {"Idempotent-Replayed": "true"}
            status, body = self._charge(form)
            if key and status < 500:
                self._replies[(auth, key)] = (form, status, body)
        return status, body, {}

    def _charge(self, form):
        """Create (and confirm) the intent; called under the lock."""
        method = form.get("payment_method") or ""
        if method == "pm_server_error":
            return _error(500, "api_error", "An unknown error occurred.")
        if method == "pm_missing" or form.get("customer") == "cus_missing":
            param = "customer" if form.get("customer") == "cus_missing" else "payment_method"
            return _error(
                404,
                "invalid_request_error",
                f"No such {param}: '{form.get(param)}'",
                code="resource_missing",
                param=param,
            )
        try:
            amount = int(form.get("amount", ""))
        except ValueError:
            return _error(400, "invalid_request_error", "Invalid integer: amount", param="amount")
        intent = {
            "id": f"pi_fake_{next(self._ids):08d}",
            "object": "payment_intent",
            "amount": amount,
            "currency": form.get("currency"),
            "customer": form.get("customer"),
            "payment_method": method,
            "description": form.get("description"),
            "metadata": form.get("metadata") or {},
            "created": int(time.time()),
            "livemode": False,
            "last_payment_error": None,
            "status": "requires_confirmation",
        }
        self.created += 1
        self.intents[intent["id"]] = intent
        if form.get("confirm") != "true":
            return 200, intent
        if method in DECLINES:
            code, decline_code, message = DECLINES[method]
            error = {"type": "card_error", "code": code, "message": message}
            if decline_code:
                error["decline_code"] = decline_code
            intent.update(status="requires_payment_method", last_payment_error=dict(error))
            return 402, {"error": {**error, "payment_intent": intent}}
        intent["status"] = "processing" if method == "pm_processing" else "succeeded"
        return 200, intent

    def _search(self, query):
        match = SEARCH_QUERY.match(query)
        if not match:
            return _error(400, "invalid_request_error", "Invalid search query.", param="query")
        field, value = match[1], re.sub(r"\\(.)", r"\1", match[2])
        with self._lock:
            found = [
                intent
                for intent in self.intents.values()
                if (intent.get("metadata") or {}).get(field) == value
            ]
        return 200, {
            "object": "search_result",
            "url": "/v1/payment_intents/search",
            "has_more": False,
            "next_page": None,
            "data": found,
        }


def _handler(server):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's session expects
        # Headers and body are two writes: without TCP_NODELAY the body waits
        # for the client's delayed ACK (40 ms on Linux) on every request.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def _serve(self, method):
            with server._lock:
                server.requests += 1
                server.in_flight += 1
                server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
            try:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                form = decode_form(parse_qsl(body, keep_blank_values=True))
                query = dict(parse_qsl(url.query, keep_blank_values=True))
                if server.admit():
                    if server.delay:
                        time.sleep(server.delay)
                    status, answer, headers = server.handle(
                        method, url.path, query, form, self.headers
                    )
                else:
                    status, answer = _error(
                        429,
                        "invalid_request_error",
                        "Too many requests hit the API too quickly.",
                        code="rate_limit",
                    )
                    headers = {}
                with server._lock:
                    drop = server.drop_responses > 0
                    server.drop_responses -= drop
                if drop:
                    self.close_connection = True
                    return
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", f"req_fake_{server.requests}")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            finally:
                with server._lock:
                    server.in_flight -= 1

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

    return Handler
