# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Idempotency keys of payment attempts (no Odoo import).

A key names one charge for the providers: the same attempt re-sent (a crash,
a timeout, a stale attempt picked up again) carries the same key, so the
provider answers with the first result instead of charging twice. The key is
scoped to the database: two databases restored from one backup as copies get
different ``database.uuid`` values, so their attempt #1 of invoice #42 never
share a key, and a provider never mistakes one database's charge for the
other's.
"""

import hashlib

# Providers limit the length of keys and references (Stripe: 255 characters,
# Odoo's payment.transaction reference: no limit, but shown to customers).
DIGEST_LENGTH = 20


def make_key(db_uuid, subscription_id, invoice_id, attempt_number):
    """Return the idempotency key of an attempt.

    The readable prefix says which charge it is; the digest over the
    database UUID and the same ids makes it unique across databases.

    :param str db_uuid: the database's ``database.uuid`` system parameter
    :param int subscription_id: id of the subscription
    :param int invoice_id: id of the invoice charged
    :param int attempt_number: number of the attempt on that invoice (>= 1)
    :raises ValueError: on an empty UUID or a missing or non-positive id
    """
    if not db_uuid or not isinstance(db_uuid, str):
        raise ValueError("An idempotency key needs the database UUID.")
    ids = (subscription_id, invoice_id, attempt_number)
    if any(not isinstance(value, int) or isinstance(value, bool) or value < 1 for value in ids):
        raise ValueError(f"Invalid ids for an idempotency key: {ids!r}")
    material = "|".join(("subscription-attempt", db_uuid, *map(str, ids)))
    digest = hashlib.sha256(material.encode()).hexdigest()[:DIGEST_LENGTH]
    return f"sub{subscription_id}-inv{invoice_id}-try{attempt_number}-{digest}"
