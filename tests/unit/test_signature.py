# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscription_core_tools import signature

SECRET = "whsec_test"
BODY = b'{"event": "subscription.activated", "id": 42}'
NOW = 1_700_000_000

SECRETS = st.text(min_size=1, max_size=40)
BODIES = st.binary(max_size=512)
TIMESTAMPS = st.integers(0, 4_000_000_000)


def test_sign_known_value():
    expected = hmac.new(b"key", b"123.body", hashlib.sha256).hexdigest()
    assert signature.sign("key", 123, b"body") == expected


def test_sign_utf8_secret():
    expected = hmac.new("clé".encode(), b"1.x", hashlib.sha256).hexdigest()
    assert signature.sign("clé", 1, b"x") == expected


def test_header_value_format():
    value = signature.header_value(SECRET, NOW, BODY)
    assert value == f"t={NOW},v1={signature.sign(SECRET, NOW, BODY)}"


def test_parse_header():
    assert signature.parse_header("t=12,v1=abc") == (12, ["abc"])
    assert signature.parse_header(" t=12 , v1=abc, v1=def, v0=old") == (12, ["abc", "def"])


@pytest.mark.parametrize(
    "header",
    [
        "",
        "   ",
        None,
        12,
        "garbage",
        "t=",
        "v1=abc",
        "t=12",
        "t=abc,v1=def",
        "t=-5,v1=abc",
        "t=1,t=2,v1=abc",
        "t=12,v1=",
        "t=12,,v1=abc",
        "=12,v1=abc",
        "t=1.5,v1=abc",
        "t=١٢,v1=abc",
    ],
)
def test_parse_header_garbage_raises(header):
    with pytest.raises(ValueError):
        signature.parse_header(header)


def test_verify_round_trip():
    header = signature.header_value(SECRET, NOW, BODY)
    assert signature.verify(SECRET, header, BODY, NOW)


def test_verify_tampered():
    header = signature.header_value(SECRET, NOW, BODY)
    assert not signature.verify(SECRET, header, BODY + b" ", NOW)
    assert not signature.verify("other", header, BODY, NOW)
    forged = header.replace(f"t={NOW}", f"t={NOW + 1}")
    assert not signature.verify(SECRET, forged, BODY, NOW)


def test_verify_tolerance():
    header = signature.header_value(SECRET, NOW, BODY)
    assert signature.verify(SECRET, header, BODY, NOW + 300)
    assert signature.verify(SECRET, header, BODY, NOW - 300)
    assert not signature.verify(SECRET, header, BODY, NOW + 301)
    assert not signature.verify(SECRET, header, BODY, NOW - 301)
    assert signature.verify(SECRET, header, BODY, NOW + 1000, tolerance=1000)


def test_verify_any_v1_matches():
    good = signature.sign(SECRET, NOW, BODY)
    assert signature.verify(SECRET, f"t={NOW},v1={'0' * 64},v1={good}", BODY, NOW)
    assert not signature.verify(SECRET, f"t={NOW},v0={good},v1={'0' * 64}", BODY, NOW)


@pytest.mark.parametrize(
    "header",
    [
        "",
        None,
        "garbage",
        "t=abc,v1=def",
        f"t={NOW}",
        f"t={NOW},v1=é",
        42,
        b"t=1,v1=ab",
    ],
)
def test_verify_malformed_is_false(header):
    assert signature.verify(SECRET, header, BODY, NOW) is False


def test_verify_bad_arguments_never_raise():
    header = signature.header_value(SECRET, NOW, BODY)
    assert signature.verify(None, header, BODY, NOW) is False
    assert signature.verify("", header, BODY, NOW) is False
    assert signature.verify(SECRET, header, "not bytes", NOW) is False
    assert signature.verify(SECRET, header, BODY, None) is False


def test_sign_bad_arguments():
    with pytest.raises(ValueError):
        signature.sign("", 1, b"")
    with pytest.raises(TypeError):
        signature.sign(b"bytes", 1, b"")
    with pytest.raises(TypeError):
        signature.sign("k", "1", b"")
    with pytest.raises(TypeError):
        signature.sign("k", 1, "text")


@given(secret=SECRETS, timestamp=TIMESTAMPS, body=BODIES, skew=st.integers(-300, 300))
def test_round_trip_property(secret, timestamp, body, skew):
    header = signature.header_value(secret, timestamp, body)
    assert signature.parse_header(header) == (timestamp, [signature.sign(secret, timestamp, body)])
    assert signature.verify(secret, header, body, timestamp + skew)


@given(secret=SECRETS, timestamp=TIMESTAMPS, body=BODIES, data=st.data())
def test_tampered_body_fails_property(secret, timestamp, body, data):
    other = data.draw(BODIES.filter(lambda b: b != body))
    header = signature.header_value(secret, timestamp, body)
    assert not signature.verify(secret, header, other, timestamp)


@given(header=st.text(max_size=100))
def test_verify_never_raises_on_random_headers(header):
    assert signature.verify(SECRET, header, BODY, NOW) in (True, False)
