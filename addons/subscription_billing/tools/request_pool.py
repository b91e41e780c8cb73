# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Provider requests sent concurrently in a bounded pool (no Odoo import).

The charging loop commits phase 1 (attempts marked processing, their
transactions created) for a whole batch, then hands the provider requests to
``run_requests`` and records every outcome in phase 2. The callables run in
worker threads: they must not touch the ORM, the cursor or anything else
shared; each gets plain values and returns plain values.

Guarantees:

- at most ``size`` callables run at once (``size=1``: one after the other,
  in the calling thread, no thread created);
- with ``rate_limit``, at most that many callables *start* per second
  (requests are spaced ``1 / rate_limit`` seconds apart, a token bucket of
  capacity ``burst``), whichever worker starts them;
- one callable's ``Exception`` is its own outcome, ``("error", exc)``: the
  others run on;
- a ``BaseException`` that is not an ``Exception`` (``KeyboardInterrupt``,
  ``SystemExit``), raised by a callable or received while waiting, cancels the
  requests not started yet, waits for those under way, then propagates. The
  outcomes of that batch are then not returned: the caller records none of
  them, and the next run re-sends those attempts with their idempotency keys.
"""

import collections
import concurrent.futures
import threading
import time

DEFAULT_POOL_SIZE = 8

Outcome = collections.namedtuple("Outcome", ["status", "value"])
Outcome.__doc__ = """Outcome of one request: ``("ok", value)`` or ``("error", exception)``.

It is a tuple: ``outcome == ("ok", 42)`` holds, and ``status, value = outcome``.
"""


class RateLimiter:
    """Thread-safe token bucket: ``rate`` starts per second, ``burst`` at once.

    ``acquire()`` reserves the next free start time under a lock, then sleeps
    until then outside the lock, so the waiting threads are served in the
    order they asked and never together past the rate. ``clock`` and
    ``sleep`` are injectable for tests (``time.monotonic``/``time.sleep``).
    """

    def __init__(self, rate, burst=1, clock=time.monotonic, sleep=time.sleep):
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise ValueError(
                f"The rate limit must be a positive number of requests per second, not {rate!r}."
            )
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"The burst must be a whole number of at least 1, not {burst!r}.")
        self.interval = 1.0 / rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        # When the next start may happen with an empty bucket (GCRA's "theoretical
        # arrival time"); far in the past: the bucket starts full.
        self._next = float("-inf")

    def reserve(self):
        """Reserve a start and return how many seconds to wait before it (≥ 0)."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next - (self.burst - 1) * self.interval)
            self._next = max(self._next, now) + self.interval
            return start - now

    def acquire(self):
        """Wait until a request may start."""
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)


def _call(function, limiter):
    """Run one request; its ``Exception`` is its outcome, a ``BaseException`` escapes."""
    if limiter is not None:
        limiter.acquire()
    try:
        return Outcome("ok", function())
    except Exception as error:  # noqa: BLE001 - one request's failure stays its own
        return Outcome("error", error)


def _check_requests(requests):
    pairs = list(requests)
    keys = set()
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2 or not callable(pair[1]):
            raise ValueError(f"Each request must be a (key, callable) pair, not {pair!r}.")
        key = pair[0]
        if key in keys:
            raise ValueError(f"The request key {key!r} is given twice.")
        keys.add(key)
    return pairs


def _check_size(size):
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"The pool size must be a whole number of at least 1, not {size!r}.")


class PendingRequests:
    """The requests of one ``RequestPool.submit``: under way in the pool's
    threads (or already done, with a pool of one) until ``results()``."""

    def __init__(self, futures=None, outcomes=None):
        self._futures = futures or {}
        self._outcomes = outcomes

    def results(self):
        """Wait for every request of this submit and return ``key -> Outcome``
        in the submitted order. A ``BaseException`` raised by a request or
        received while waiting cancels this submit's requests not started
        yet, then propagates (the outcomes are not returned)."""
        if self._outcomes is None:
            try:
                # Only a BaseException escapes _call: stop at the first one.
                concurrent.futures.wait(
                    self._futures.values(), return_when=concurrent.futures.FIRST_EXCEPTION
                )
                self._outcomes = {key: future.result() for key, future in self._futures.items()}
            except BaseException:
                for future in self._futures.values():
                    future.cancel()
                raise
        return self._outcomes


class RequestPool:
    """A bounded pool that several submits share, so that the requests of a
    chunk run while the caller records the previous chunk's outcomes, and the
    bound and the rate limit still hold across chunks (at most ``size``
    requests under way, at most ``rate_limit`` started per second, whichever
    submit they belong to). Use it as a context manager: leaving the block
    waits for the requests under way; leaving it on an exception first
    cancels those not started yet.

    ``size=1``: each submit runs its requests in the calling thread, one
    after the other, before ``submit`` returns (no thread is created).
    """

    def __init__(
        self,
        size=DEFAULT_POOL_SIZE,
        rate_limit=None,
        burst=1,
        clock=time.monotonic,
        sleep=time.sleep,
    ):
        _check_size(size)
        self.size = size
        self._limiter = (
            RateLimiter(rate_limit, burst=burst, clock=clock, sleep=sleep)
            if rate_limit not in (None, 0)
            else None
        )
        self._executor = None

    def submit(self, requests):
        """Start ``(key, callable)`` requests (see ``run_requests``); returns
        their ``PendingRequests``.

        :raise ValueError: bad requests, before any of them starts
        """
        pairs = _check_requests(requests)
        if self.size == 1:
            return PendingRequests(
                outcomes={key: _call(function, self._limiter) for key, function in pairs}
            )
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=self.size, thread_name_prefix="subscription_request"
            )
        return PendingRequests(
            futures={
                key: self._executor.submit(_call, function, self._limiter)
                for key, function in pairs
            }
        )

    def close(self, cancel=False):
        """Wait for the requests under way (``cancel``: drop those not
        started yet first) and stop the threads."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=cancel)
            self._executor = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close(cancel=exc_type is not None)
        return False


def run_requests(
    requests,
    size=DEFAULT_POOL_SIZE,
    rate_limit=None,
    burst=1,
    clock=time.monotonic,
    sleep=time.sleep,
):
    """Run ``(key, callable)`` requests, at most ``size`` at once.

    :param requests: iterable of ``(key, callable)``; keys are hashable and
        unique, callables take no argument
    :param int size: the pool's bound (≥ 1); ``1`` runs the requests in the
        calling thread, one after the other, in the given order
    :param rate_limit: maximum number of requests started per second
        (``None`` or ``0``: no limit)
    :param int burst: requests that may start together before the rate
        applies (the token bucket's capacity)
    :param clock: monotonic clock in seconds (tests give a fake one)
    :param sleep: sleep function (tests give a fake one)
    :return: dict ``key -> Outcome`` (``("ok", value)`` or ``("error",
        exception)``) with every key, in the given order
    :raise ValueError: bad arguments, before any request runs
    """
    _check_size(size)
    pairs = _check_requests(requests)
    size = 1 if len(pairs) <= 1 else min(size, len(pairs))
    with RequestPool(size, rate_limit=rate_limit, burst=burst, clock=clock, sleep=sleep) as pool:
        return pool.submit(pairs).results()
