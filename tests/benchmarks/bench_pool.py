# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the request pool against a fake Stripe (not a test: ``bin/bench --only pool``).

No database: a fake PaymentIntents API (``tests/fake_stripe.py``) listens on
loopback and answers after ``--delay`` seconds (a provider's latency, default
0.3 s); the real ``stripe`` SDK is pointed at it per call
(``create_or_find_intent(..., api_base=...)``). ``--charges`` off-session
charges (one in ten on a declined card) are sent through ``run_requests`` with
a pool of 1 (sequential, in the calling thread) and of each ``--sizes`` value;
each size gets a fresh server. Printed as ``RESULT <name> <value>``:

* ``pool_size<N>_charges_per_second`` and ``pool_size<N>_seconds``;
* ``pool_size<N>_cpu_ms_per_charge``: CPU of this process (client and fake
  server together) per charge;
* ``pool_size<N>_peak_in_flight``: requests the server served at once;
* ``pool_speedup_<N>_vs_1``: the ratio of charges per second (target ≥ 6 for 8);
* ``pool_replay_new_intents``: the largest pool's charges sent again, at once,
  with the same idempotency keys: intents created by the replay (must be 0);
* ``pool_limited_charges_per_second`` and ``pool_limited_refused``: the
  largest pool against a fake Stripe that refuses (429) past
  ``--provider-limit`` requests per second (default 25, Stripe's test mode),
  with the pool's rate limit set to it: no request refused.

    python tests/benchmarks/bench_pool.py [--charges 200] [--delay 0.3] [--sizes 8]
        [--rate-limit R] [--provider-limit 25]
"""

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOOLS = ROOT / "addons" / "subscription_billing" / "tools"
KEY = "sk_test_subscription_suite_bench"


def _load(name, path, package_dir=None):
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(package_dir)] if package_dir else None
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_load("subscription_billing_tools", TOOLS / "__init__.py", TOOLS)
request_pool = _load("subscription_billing_tools.request_pool", TOOLS / "request_pool.py")
stripe_requests = _load("subscription_billing_tools.stripe_requests", TOOLS / "stripe_requests.py")
fake_stripe = _load("fake_stripe", ROOT / "tests" / "fake_stripe.py")


def result(name, value):
    print(f"RESULT {name} {value}", flush=True)


def note(message):
    print(message, file=sys.stderr, flush=True)


def charge_params(i, key):
    method = "pm_card_chargeDeclined" if i % 10 == 9 else "pm_card_visa"
    return {
        "amount": 1000 + i,
        "currency": "eur",
        "customer": f"cus_bench_{i}",
        "payment_method": method,
        "off_session": True,
        "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "description": f"SUB{i:06d} INV/2026/{i:06d}",
        "metadata": {"odoo_attempt_id": str(i), "odoo_idempotency_key": key},
    }


def requests_for(server, charges, run):
    def request(i, key):
        params = charge_params(i, key)
        return lambda: stripe_requests.create_or_find_intent(params, KEY, key, api_base=server.url)

    keys = [f"bench-{run}-sub{i}-try1" for i in range(charges)]
    return [(key, request(i, key)) for i, key in enumerate(keys)]


def check(results, charges):
    """Every charge answered by Stripe: succeeded, or declined on its card."""
    kinds = {}
    for key, (status, value) in results.items():
        if status != "ok":
            raise SystemExit(f"charge {key}: {value!r}")
        kind = value["error"]["kind"] if value["error"] else value["intent"]["status"]
        kinds[kind] = kinds.get(kind, 0) + 1
    expected = {"succeeded": charges - charges // 10, "card": charges // 10}
    if kinds != {kind: count for kind, count in expected.items() if count}:
        raise SystemExit(f"unexpected outcomes {kinds}, expected {expected}")


def measure_limited(size, args):
    """The pool paced at the provider's rate limit: nothing refused."""
    limit = args.provider_limit
    with fake_stripe.FakeStripe(delay=args.delay, rate_limit=limit) as server:
        requests = requests_for(server, args.charges, f"limited{size}")
        wall = time.perf_counter()
        results = request_pool.run_requests(requests, size=size, rate_limit=limit)
        wall = time.perf_counter() - wall
        check(results, args.charges)
        result("pool_limited_provider_limit", f"{limit:g}")
        result("pool_limited_charges_per_second", f"{args.charges / wall:.2f}")
        result("pool_limited_refused", server.rate_limited)


def measure(size, args):
    with fake_stripe.FakeStripe(delay=args.delay) as server:
        requests = requests_for(server, args.charges, f"size{size}")
        cpu, wall = time.process_time(), time.perf_counter()
        results = request_pool.run_requests(requests, size=size, rate_limit=args.rate_limit)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        check(results, args.charges)
        if server.created != args.charges:
            raise SystemExit(f"{server.created} intents created for {args.charges} charges")
        rate = args.charges / wall
        result(f"pool_size{size}_seconds", f"{wall:.2f}")
        result(f"pool_size{size}_charges_per_second", f"{rate:.2f}")
        result(f"pool_size{size}_cpu_ms_per_charge", f"{cpu * 1000 / args.charges:.2f}")
        result(f"pool_size{size}_peak_in_flight", server.peak_in_flight)
        replayed = None
        if size == max(args.sizes):
            created = server.created
            request_pool.run_requests(requests, size=size)
            replayed = server.created - created
    return rate, replayed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charges", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.3, help="the fake server's latency (s)")
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[8],
        help="pool sizes compared with 1 (comma-separated)",
    )
    parser.add_argument("--rate-limit", type=float, default=None, help="requests started per s")
    parser.add_argument(
        "--provider-limit", type=float, default=25, help="the fake Stripe's rate limit (0: skip)"
    )
    args, _unknown = parser.parse_known_args()
    note(
        f"pool benchmark: {args.charges} charges, {args.delay * 1000:.0f} ms latency, "
        f"pool sizes 1 and {args.sizes}"
    )
    result("pool_charges", args.charges)
    result("pool_latency_ms", f"{args.delay * 1000:.0f}")
    sequential, _replayed = measure(1, args)
    for size in args.sizes:
        rate, replayed = measure(size, args)
        result(f"pool_speedup_{size}_vs_1", f"{rate / sequential:.2f}")
        if replayed is not None:
            result("pool_replay_new_intents", replayed)
    if args.provider_limit:
        measure_limited(max(args.sizes), args)


if __name__ == "__main__":
    main()
