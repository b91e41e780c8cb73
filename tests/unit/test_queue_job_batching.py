# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""subscription_queue_job/tools/batching.py: the mode, how many jobs a stage
needs and their identity keys (loaded by path: no Odoo)."""

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

_PATH = (
    Path(__file__).resolve().parents[2]
    / "addons"
    / "subscription_queue_job"
    / "tools"
    / "batching.py"
)
_SPEC = importlib.util.spec_from_file_location("subscription_queue_job_batching", _PATH)
batching = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(batching)


@pytest.mark.parametrize(
    "value, mode",
    [(None, "auto"), ("", "auto"), (" Queue ", "queue"), ("cron", "cron"), ("jobs", None)],
)
def test_parse_mode(value, mode):
    assert batching.parse_mode(value) == mode


def test_use_jobs():
    assert batching.use_jobs("queue", ["base", "web"])
    assert not batching.use_jobs("cron", ["base", "web", "queue_job"])
    assert batching.use_jobs("auto", ["base", "web", "queue_job"])
    assert not batching.use_jobs("auto", ["base", "web"])


def test_identity_keys_and_slots():
    key = batching.identity_key("renewal", 12)
    assert key == "subscription_queue_job:renewal:12"
    assert batching.slot_of(key) == 12
    assert batching.stage_key_pattern("renewal") == "subscription_queue_job:renewal:%"
    assert batching.slot_of("other_module:renewal:1") is None
    assert batching.slot_of("subscription_queue_job:renewal:x") is None
    assert batching.slot_of(None) is None


@pytest.mark.parametrize(
    "due, size, max_jobs, started, needed",
    [
        (0, 500, 1000, 0, 0),
        (1, 500, 1000, 0, 1),
        (500, 500, 1000, 0, 1),
        (501, 500, 1000, 0, 2),
        (100_000, 500, 1000, 0, 200),
        (100_000, 50, 1000, 0, 1000),
        (1500, 500, 1000, 2, 1),
        (1500, 500, 1000, 5, 0),
    ],
)
def test_jobs_needed(due, size, max_jobs, started, needed):
    assert batching.jobs_needed(due, size, max_jobs, started=started) == needed


def test_jobs_needed_refuses_bad_sizes():
    with pytest.raises(ValueError, match="batch size"):
        batching.jobs_needed(10, 0, 10)
    with pytest.raises(ValueError, match="max_jobs"):
        batching.jobs_needed(10, 5, 0)


def test_free_slots():
    assert batching.free_slots(3, set()) == [0, 1, 2]
    assert batching.free_slots(3, {0, 2}) == [1]
    assert batching.free_slots(3, {0, 1, 2}) == []
    assert batching.free_slots(2, {0, 1, 2}) == []
    assert batching.free_slots(4, {1, 5}) == [0, 2]


@given(
    needed=st.integers(min_value=0, max_value=50),
    waiting=st.sets(st.integers(min_value=0, max_value=60), max_size=30),
)
def test_free_slots_never_reuse_a_waiting_slot(needed, waiting):
    slots = batching.free_slots(needed, waiting)
    assert not set(slots) & waiting
    assert len(set(slots)) == len(slots)
    assert len(slots) + len(waiting) >= needed or not slots
    assert len(slots) == max(0, needed - len(waiting))
