# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The bounded request pool of the charging loop (subscription_billing)."""

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from subscription_billing_tools import request_pool
from subscription_billing_tools.request_pool import Outcome, RateLimiter, RequestPool, run_requests


class Gauge:
    """Counts the callables running at once (under a lock) and the threads used."""

    def __init__(self, hold=0.02):
        self.hold = hold
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.threads = set()
        self.order = []

    def request(self, value):
        def call():
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
                self.threads.add(threading.get_ident())
                self.order.append(value)
            time.sleep(self.hold)
            with self.lock:
                self.running -= 1
            return value * 10

        return call


class FakeTime:
    """A clock that only moves when slept (one thread)."""

    def __init__(self):
        self.now = 100.0
        self.starts = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0
        self.now += seconds


def test_results_per_key_in_order():
    gauge = Gauge(hold=0)
    results = run_requests([(f"k{i}", gauge.request(i)) for i in range(20)], size=4)
    assert list(results) == [f"k{i}" for i in range(20)]
    assert results["k3"] == ("ok", 30)
    assert isinstance(results["k3"], Outcome)
    assert results["k3"].status == "ok" and results["k3"].value == 30


@pytest.mark.parametrize("size", [2, 3, 8])
def test_concurrency_bound_never_exceeded(size):
    gauge = Gauge(hold=0.01)
    results = run_requests([(i, gauge.request(i)) for i in range(6 * size)], size=size)
    assert len(results) == 6 * size
    assert gauge.peak <= size
    assert gauge.peak > 1, "the requests overlapped"
    assert threading.get_ident() not in gauge.threads


def test_parallel_is_faster_than_sequential():
    gauge = Gauge(hold=0.05)
    started = time.monotonic()
    run_requests([(i, gauge.request(i)) for i in range(16)], size=8)
    # 16 requests of 50 ms in 8 threads: about 0.1 s; one by one: 0.8 s.
    assert time.monotonic() - started < 0.5


def test_size_one_runs_inline_in_order():
    gauge = Gauge(hold=0)
    results = run_requests([(i, gauge.request(i)) for i in range(10)], size=1)
    assert gauge.threads == {threading.get_ident()}
    assert gauge.order == list(range(10))
    assert gauge.peak == 1
    assert results == {i: ("ok", i * 10) for i in range(10)}


def test_an_error_stays_its_own():
    def boom():
        raise RuntimeError("declined by the network")

    gauge = Gauge(hold=0)
    requests = [(i, gauge.request(i)) for i in range(10)]
    requests.insert(3, ("bad", boom))
    for size in (1, 4):
        results = run_requests(requests, size=size)
        assert len(results) == 11
        status, error = results["bad"]
        assert status == "error"
        assert isinstance(error, RuntimeError) and str(error) == "declined by the network"
        assert all(results[i] == ("ok", i * 10) for i in range(10))


def test_empty_input():
    assert run_requests([]) == {}
    assert run_requests(iter(()), size=1) == {}


def test_a_generator_of_requests():
    assert run_requests(((i, lambda i=i: i) for i in range(3)), size=2) == {
        0: ("ok", 0),
        1: ("ok", 1),
        2: ("ok", 2),
    }


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": 0}, "pool size"),
        ({"size": -3}, "pool size"),
        ({"size": 2.5}, "pool size"),
        ({"size": True}, "pool size"),
        ({"rate_limit": -1}, "rate limit"),
        ({"rate_limit": "10"}, "rate limit"),
        ({"rate_limit": 5, "burst": 0}, "burst"),
    ],
)
def test_bad_arguments_refused_before_any_request(kwargs, message):
    calls = []
    with pytest.raises(ValueError, match=message):
        run_requests([("a", lambda: calls.append("a"))], **kwargs)
    assert calls == []


@pytest.mark.parametrize("requests", [[("a", 1)], [("a",)], ["a"], [("a", print), ("a", print)]])
def test_bad_requests_refused_before_any_request(requests):
    calls = []
    with pytest.raises(ValueError):
        run_requests([("first", lambda: calls.append(1)), *requests], size=2)
    assert calls == []


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("exception", [KeyboardInterrupt, SystemExit])
def test_base_exception_propagates_after_shutdown(size, exception):
    started = []
    lock = threading.Lock()

    def slow(i):
        def call():
            with lock:
                started.append(i)
            time.sleep(0.02)
            return i

        return call

    def interrupt():
        raise exception()

    requests = [(i, slow(i)) for i in range(2)] + [("stop", interrupt)]
    requests += [(i, slow(i)) for i in range(2, 40)]
    before = threading.active_count()
    with pytest.raises(exception):
        run_requests(requests, size=size)
    # The requests not started were cancelled; none runs after the raise.
    count = len(started)
    assert count < 40
    time.sleep(0.05)
    assert len(started) == count
    assert threading.active_count() == before, "the pool's threads were shut down"


@pytest.mark.parametrize("rate_limit", [None, 0])
def test_no_rate_limit(rate_limit):
    def sleep(seconds):
        raise AssertionError("no wait without a rate limit")

    results = run_requests(
        [(i, lambda: 1) for i in range(5)], size=1, rate_limit=rate_limit, sleep=sleep
    )
    assert len(results) == 5
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(0)


def test_rate_limit_inline_with_fake_clock():
    fake = FakeTime()
    starts = []

    def request(i):
        def call():
            starts.append(fake.clock())
            return i

        return call

    results = run_requests(
        [(i, request(i)) for i in range(25)],
        size=1,
        rate_limit=10,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    assert len(results) == 25
    assert starts[0] == 100.0
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap == pytest.approx(0.1) for gap in gaps)
    # Never more than 10 starts in any one-second window [t, t + 1).
    for first in starts:
        assert sum(0 <= round(start - first, 9) < 1 for start in starts) <= 10


def test_rate_limit_burst_with_fake_clock():
    fake = FakeTime()
    limiter = RateLimiter(4, burst=3, clock=fake.clock, sleep=fake.sleep)
    starts = []
    for _i in range(9):
        limiter.acquire()
        starts.append(round(fake.clock() - 100, 6))
    assert starts == [0, 0, 0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]
    fake.now += 10  # idle: the bucket fills up again, to its capacity only
    first = fake.now
    for _i in range(4):
        limiter.acquire()
    assert fake.now == pytest.approx(first + 0.25)


def test_rate_limit_across_threads_reserves_distinct_slots():
    # A frozen clock: each worker sleeps for its reserved slot; the slots of
    # concurrent workers are all distinct and 1/rate apart.
    lock = threading.Lock()
    slept = []

    def sleep(seconds):
        with lock:
            slept.append(round(seconds, 6))

    results = run_requests(
        [(i, lambda i=i: i) for i in range(20)],
        size=8,
        rate_limit=5,
        clock=lambda: 0.0,
        sleep=sleep,
    )
    assert len(results) == 20
    assert sorted(slept) == [round(0.2 * i, 6) for i in range(1, 20)]


def test_rate_limit_with_real_clock_in_threads():
    starts = []
    lock = threading.Lock()

    def call():
        with lock:
            starts.append(time.monotonic())

    run_requests([(i, call) for i in range(10)], size=8, rate_limit=50)
    starts.sort()
    # 1/50 s apart (the sleep may oversleep, never undersleep)
    assert starts[-1] - starts[0] >= 9 * 0.02 - 0.005


@settings(max_examples=30, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=6),
    outcomes=st.lists(st.booleans(), max_size=25),
)
def test_property_every_key_gets_its_own_outcome(size, outcomes):
    lock = threading.Lock()
    running = [0, 0]  # now, peak

    def request(i, ok):
        def call():
            with lock:
                running[0] += 1
                running[1] = max(running[1], running[0])
            try:
                if not ok:
                    raise ValueError(i)
                return i
            finally:
                with lock:
                    running[0] -= 1

        return call

    results = run_requests([(i, request(i, ok)) for i, ok in enumerate(outcomes)], size=size)
    assert list(results) == list(range(len(outcomes)))
    for i, ok in enumerate(outcomes):
        status, value = results[i]
        if ok:
            assert (status, value) == ("ok", i)
        else:
            assert status == "error" and value.args == (i,)
    assert running[1] <= size


def test_default_size():
    assert request_pool.DEFAULT_POOL_SIZE == 8


@settings(max_examples=60, deadline=None)
@given(
    rate=st.sampled_from([1, 4, 10, 25, 100]),
    burst=st.integers(min_value=1, max_value=5),
    gaps=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=60),
)
def test_property_rate_limiter_never_exceeds_rate_plus_burst(rate, burst, gaps):
    """Whatever the callers' pace, any window of T seconds sees at most
    burst + rate * T starts, and no caller waits longer than one token's time."""
    fake = FakeTime()
    limiter = RateLimiter(rate, burst=burst, clock=fake.clock, sleep=fake.sleep)
    starts = []
    for gap in gaps:
        fake.now += gap  # the caller's own time before asking
        asked = fake.now
        limiter.acquire()
        starts.append(fake.now)
        # One caller at a time: it waits at most for the next token.
        assert fake.now - asked <= 1 / rate + 1e-9
    assert starts[0] == 100.0 + gaps[0], "a full bucket: the first start does not wait"
    for i, first in enumerate(starts):
        for j in range(i, len(starts)):
            window = starts[j] - first
            assert j - i + 1 <= burst + window * rate + 1e-6


# --------------------------------------------------- a pool shared by chunks


def test_submit_returns_while_the_requests_run():
    """The caller goes on (records the previous chunk) while a submit's
    requests are under way: here the request waits for the caller."""
    released = threading.Event()
    with RequestPool(size=2) as pool:
        pending = pool.submit([("a", lambda: released.wait(5))])
        released.set()  # only reachable if submit did not wait for "a"
        assert pending.results() == {"a": ("ok", True)}


def test_bound_holds_across_submits():
    gauge = Gauge(hold=0.01)
    with RequestPool(size=3) as pool:
        first = pool.submit([(i, gauge.request(i)) for i in range(9)])
        second = pool.submit([(i, gauge.request(i)) for i in range(9, 18)])
        assert second.results() == {i: ("ok", i * 10) for i in range(9, 18)}
        assert first.results() == {i: ("ok", i * 10) for i in range(9)}
    assert gauge.peak <= 3
    assert len(gauge.threads) <= 3


def test_rate_limit_holds_across_submits():
    fake = FakeTime()
    starts = []

    def request(i):
        def call():
            starts.append(fake.clock())
            return i

        return call

    with RequestPool(size=1, rate_limit=10, clock=fake.clock, sleep=fake.sleep) as pool:
        for chunk in range(3):
            pool.submit([(i, request(i)) for i in range(chunk * 2, chunk * 2 + 2)]).results()
    gaps = [round(b - a, 6) for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps == [0.1] * 5, "the spacing goes on from one submit to the next"


def test_pool_of_one_runs_in_the_calling_thread_at_submit():
    caller = threading.get_ident()
    seen = []
    with RequestPool(size=1) as pool:
        pending = pool.submit(
            [(i, lambda i=i: seen.append((i, threading.get_ident()))) for i in range(3)]
        )
        assert seen == [(0, caller), (1, caller), (2, caller)], "done before submit returned"
        assert list(pending.results()) == [0, 1, 2]


def test_leaving_on_an_exception_cancels_what_has_not_started():
    started = []
    release = threading.Event()

    def request(i):
        def call():
            started.append(i)
            release.wait(5)
            return i

        return call

    before = threading.active_count()
    with pytest.raises(RuntimeError, match="phase 2 failed"):
        with RequestPool(size=2) as pool:
            pool.submit([(i, request(i)) for i in range(10)])
            while len(started) < 2:
                time.sleep(0.001)
            release.set()
            raise RuntimeError("phase 2 failed")
    assert len(started) < 10, "the requests not started were dropped"
    assert threading.active_count() == before, "the threads were stopped"


def test_bad_pool_refused():
    with pytest.raises(ValueError, match="pool size"):
        RequestPool(size=0)
    with RequestPool(size=2) as pool, pytest.raises(ValueError):
        pool.submit([("a", 1)])
