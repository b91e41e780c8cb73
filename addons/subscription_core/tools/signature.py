# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Signatures of outgoing webhooks (pure Python, no Odoo import).

Rules:

* The signed message is ``f"{timestamp}.".encode() + body``: the Unix
  timestamp (seconds) of the sending, a dot, then the raw request body bytes.
* The signature is the lowercase hex HMAC-SHA256 of that message, keyed with
  the endpoint secret encoded in UTF-8.
* The header value is ``t=<timestamp>,v1=<hex>``.  A receiver may get several
  ``v1`` entries (e.g. while a secret is being rotated); one matching entry is
  enough.  Unknown keys (other schemes) are ignored.
* A receiver rejects a signature whose timestamp is more than ``tolerance``
  seconds away from its clock, which limits replays.  Comparison is
  constant-time.
"""

import hashlib
import hmac

SCHEME = "v1"


def sign(secret, timestamp, body):
    """Return the hex HMAC-SHA256 signature of ``body`` sent at ``timestamp``."""
    if not isinstance(secret, str):
        raise TypeError("The webhook secret must be a string")
    if not secret:
        raise ValueError("The webhook secret must not be empty")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise TypeError(f"The timestamp must be an integer, got {timestamp!r}")
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("The body to sign must be bytes")
    message = f"{timestamp}.".encode() + bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header_value(secret, timestamp, body):
    """Return the signature header value ``t=<timestamp>,v1=<hex>``."""
    return f"t={timestamp},{SCHEME}={sign(secret, timestamp, body)}"


def parse_header(header):
    """Return ``(timestamp, [v1 signatures])`` of a header; ValueError on garbage."""
    if not isinstance(header, str) or not header.strip():
        raise ValueError("Empty signature header")
    timestamp = None
    signatures = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep or not key or not value:
            raise ValueError(f"Malformed signature header item {item!r}")
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                raise ValueError(f"Malformed signature timestamp {value!r}")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise ValueError("Signature header has no timestamp")
    if not signatures:
        raise ValueError(f"Signature header has no {SCHEME} signature")
    return timestamp, signatures


def verify(secret, header, body, now, tolerance=300):
    """Return True when ``header`` signs ``body`` with ``secret`` within tolerance.

    Never raises: malformed input gives False.
    """
    try:
        timestamp, signatures = parse_header(header)
        if abs(now - timestamp) > tolerance:
            return False
        expected = sign(secret, timestamp, body).encode("ascii")
    except (TypeError, ValueError):
        return False
    valid = False
    for candidate in signatures:
        # compare bytes: compare_digest refuses non-ASCII str
        if hmac.compare_digest(expected, candidate.encode("utf-8")):
            valid = True
    return valid
