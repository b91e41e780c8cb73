# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import calendar
import json
import logging
import socket
import time
import uuid
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import backoff, netguard, signature
from .locking import lock_for_processing
from .subscription_webhook import WEBHOOK_CRON_XMLID
from .webhook_http import guarded_session

_logger = logging.getLogger(__name__)

USER_AGENT = "Odoo-Subscriptions-Webhook/1.0"
# Characters of the answer kept on the delivery: an excerpt to diagnose a
# failure, not a copy of whatever the endpoint returns.
RESPONSE_BODY_LIMIT = 1000
DUE_STATES = ("pending", "failed")
# Seconds of sending after which a cron call starts no new request. With the
# 30 s maximum endpoint timeout, a call stays far below the usual 120 s limit.
TIME_BUDGET = 60


def _unix_ts(value):
    """Return the Unix timestamp (int seconds) of a naive UTC datetime."""
    return calendar.timegm(value.timetuple())


def _clean_text(text):
    """PostgreSQL text columns refuse NUL characters."""
    return text.replace("\x00", "\ufffd") if text else text


class SubscriptionWebhookDelivery(models.Model):
    """One event to send to one endpoint, and the outcome of its attempts.

    Life cycle: ``pending`` → ``success``; or ``pending`` → ``failed``
    (retried after ``backoff.next_attempt_delay``) → … → ``success`` or
    ``dead`` once ``backoff.should_give_up`` says the retry horizon (72 h after
    the first attempt) is over. Staff may ``cancel`` a delivery or send it
    again now (``action_retry``).
    """

    _name = "subscription.webhook.delivery"
    _description = "Subscription Webhook Delivery"
    _order = "id desc"

    # === FIELDS ===#

    uuid = fields.Char(
        string="Delivery ID",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: str(uuid.uuid4()),
        help="Unique id of the delivery, sent as the payload 'id' and in the "
        "X-Subscription-Delivery header: receivers use it to ignore duplicates.",
    )
    webhook_id = fields.Many2one(
        "subscription.webhook", required=True, readonly=True, ondelete="cascade", index=True
    )
    event_id = fields.Many2one(
        "subscription.event", required=True, readonly=True, ondelete="cascade", index=True
    )
    subscription_id = fields.Many2one(
        "subscription.subscription", readonly=True, ondelete="cascade", index="btree_not_null"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    event_type = fields.Selection(selection="_selection_event_type", readonly=True)
    payload = fields.Text(readonly=True, help="Exact JSON body sent to the endpoint.")
    payload_display = fields.Text(
        string="Payload (formatted)",
        compute="_compute_payload_display",
        help="The JSON body, indented for reading (it is sent compact).",
    )
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("success", "Delivered"),
            ("failed", "Failed (will retry)"),
            ("dead", "Given up"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        required=True,
        default="pending",
        readonly=True,
        index=True,
    )
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    first_attempt_at = fields.Datetime(readonly=True)
    last_attempt_at = fields.Datetime(readonly=True)
    next_attempt_at = fields.Datetime(
        readonly=True,
        index=True,
        default=fields.Datetime.now,
        help="When the delivery is due (pending or failed deliveries only).",
    )
    response_status = fields.Integer(string="HTTP Status", readonly=True)
    response_body = fields.Text(
        string="Response Excerpt",
        readonly=True,
        groups="subscription_core.group_subscription_manager",
        help="The first 1,000 characters of the endpoint's answer.",
    )
    error = fields.Text(readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)

    _sql_constraints = [
        (
            "webhook_event_uniq",
            "UNIQUE(webhook_id, event_id)",
            "An event is delivered only once to a given webhook.",
        ),
    ]

    # === COMPUTE METHODS ===#

    @api.depends("webhook_id", "event_type")
    def _compute_display_name(self):
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        for delivery in self:
            delivery.display_name = (
                f"{delivery.webhook_id.name or ''} / {labels.get(delivery.event_type, '')}"
            )

    @api.depends("payload")
    def _compute_payload_display(self):
        for delivery in self:
            try:
                delivery.payload_display = json.dumps(json.loads(delivery.payload), indent=2)
            except (TypeError, ValueError):
                delivery.payload_display = delivery.payload

    # === SELECTION METHODS ===#

    @api.model
    def _selection_event_type(self):
        return self.env["subscription.event"]._fields["event_type"]._description_selection(self.env)

    # === ACTION METHODS ===#

    def action_retry(self):
        """Send again as soon as possible.

        A delivery that was given up or cancelled starts a new retry window
        (72 hours from its next attempt).
        """
        self.check_access("write")
        for delivery in self:
            if delivery.state == "success":
                raise UserError(
                    self.env._("Delivery %(name)s already succeeded.", name=delivery.display_name)
                )
        now = fields.Datetime.now()
        restart = self.filtered(lambda d: d.state in ("dead", "cancelled"))
        restart.write({"state": "pending", "next_attempt_at": now, "first_attempt_at": False})
        (self - restart).write({"state": "pending", "next_attempt_at": now})
        self.env["subscription.webhook"]._trigger_delivery_cron()
        return True

    def action_cancel(self):
        """Stop sending; only deliveries not yet delivered can be cancelled."""
        self.check_access("write")
        to_cancel = self.filtered(lambda d: d.state in DUE_STATES)
        to_cancel.write({"state": "cancelled", "next_attempt_at": False})
        return True

    # === BUSINESS METHODS ===#

    @api.model
    def _prepare_delivery_values(self, webhook, event, data):
        """Return the create values of the delivery of ``event`` to ``webhook``.

        :param data: the payload ``data`` part (see
            ``subscription.webhook._prepare_event_data``)
        """
        delivery_uuid = str(uuid.uuid4())
        payload = webhook._prepare_payload(event, delivery_uuid, data=data)
        return {
            "uuid": delivery_uuid,
            "webhook_id": webhook.id,
            "event_id": event.id,
            "subscription_id": event.subscription_id.id,
            "company_id": webhook.company_id.id,
            "event_type": event.event_type,
            "payload": json.dumps(payload, separators=(",", ":")),
            "state": "pending",
            "next_attempt_at": fields.Datetime.now(),
        }

    @api.model
    def _get_due_ids(self, now, limit):
        """Lock and return the ids of up to ``limit`` deliveries due at ``now``.

        Rows locked by another transaction (another server sending them right
        now) are skipped, so a delivery is never sent twice at once (the
        suite's one row-claiming helper, ``locking.lock_for_processing``).
        Deliveries of archived webhooks wait until the webhook is reactivated.
        """
        due = lock_for_processing(
            self.sudo(),
            self._get_due_domain(now),
            limit,
            order=("next_attempt_at", "id"),
        )
        return due.ids

    @api.model
    def _get_due_domain(self, now):
        """Deliveries due at ``now`` (those of archived webhooks wait)."""
        return [
            ("state", "in", DUE_STATES),
            ("next_attempt_at", "<=", now),
            ("webhook_id.active", "=", True),
        ]

    @api.model
    def _cron_deliver(self, batch_size=100, time_budget=TIME_BUDGET):
        """Send one bounded batch of due deliveries (scheduled action).

        Each result is written in its own savepoint, so one bad delivery never
        affects the others.  Progress is reported to the cron runner, which
        commits and calls again while deliveries remain due; the next retry
        time is scheduled with a cron trigger.

        :param int batch_size: most deliveries locked and sent by one call
        :param float time_budget: seconds after which no new request is
            started; the rest stays due for the next call, so that a batch of
            slow endpoints ends well within the cron worker's time limit
        :return: the deliveries sent
        """
        now = fields.Datetime.now()
        due = self.sudo().browse(self._get_due_ids(now, batch_size))
        sent_ids = []
        start = time.monotonic()
        for delivery in due:
            if sent_ids and time.monotonic() - start >= time_budget:
                break
            delivery._send_and_record()
            sent_ids.append(delivery.id)
        remaining = self.sudo().search_count(self._get_due_domain(now))
        self.env["ir.cron"]._notify_progress(done=len(sent_ids), remaining=remaining)
        if not remaining:
            self._schedule_next_run()
        return due.browse(sent_ids)

    @api.model
    def _schedule_next_run(self):
        """Wake the cron up at the next retry, unless a trigger already does."""
        cron = self.env.ref(WEBHOOK_CRON_XMLID, raise_if_not_found=False)
        if not cron:
            return
        next_due = (
            self.sudo()
            .search_fetch(
                [("state", "in", DUE_STATES), ("webhook_id.active", "=", True)],
                ["next_attempt_at"],
                order="next_attempt_at",
                limit=1,
            )
            .next_attempt_at
        )
        if not next_due:
            return
        now = fields.Datetime.now()
        if next_due <= now:
            # due but locked by another worker: it sends them itself
            return
        if (
            not self.env["ir.cron.trigger"]
            .sudo()
            .search_count(
                [
                    ("cron_id", "=", cron.id),
                    ("call_at", ">", now),
                    ("call_at", "<=", next_due),
                ],
                limit=1,
            )
        ):
            cron.sudo()._trigger(at=next_due)

    def _send_and_record(self):
        """Send this delivery once and store the outcome."""
        self.ensure_one()
        result = self._post(
            self.webhook_id,
            self.payload.encode(),
            event_type=f"subscription.{self.event_type}",
            delivery_ref=self.uuid,
        )
        try:
            with self.env.cr.savepoint():
                self.write(self._prepare_attempt_values(result))
        except Exception:  # noqa: BLE001 pylint: disable=broad-exception-caught
            # The outcome could not be stored (e.g. a faulty override): retry
            # later like a failure, so that the batch goes on and the delivery
            # is not resent at every run (receivers deduplicate on its id).
            _logger.exception("Could not record the attempt of webhook delivery %s", self.id)
            attempt_count = self.attempt_count + 1
            with self.env.cr.savepoint():
                self.write(
                    {
                        "state": "failed",
                        "attempt_count": attempt_count,
                        "next_attempt_at": fields.Datetime.now()
                        + timedelta(seconds=backoff.next_attempt_delay(attempt_count)),
                        "error": "The outcome of the attempt could not be recorded, "
                        "see the server log.",
                    }
                )

    def _prepare_attempt_values(self, result):
        """Return the values to write after one attempt described by ``result``
        (see :meth:`_post`)."""
        self.ensure_one()
        now = fields.Datetime.now()
        first_attempt_at = self.first_attempt_at or now
        attempt_count = self.attempt_count + 1
        vals = {
            "attempt_count": attempt_count,
            "first_attempt_at": first_attempt_at,
            "last_attempt_at": now,
            "response_status": result["response_status"],
            "response_body": result["response_body"],
            "error": result["error"],
            "duration_ms": result["duration_ms"],
        }
        if result["success"]:
            vals.update(state="success", next_attempt_at=False)
        elif backoff.should_give_up(_unix_ts(first_attempt_at), _unix_ts(now)):
            vals.update(state="dead", next_attempt_at=False)
        else:
            delay = backoff.next_attempt_delay(attempt_count)
            vals.update(state="failed", next_attempt_at=now + timedelta(seconds=delay))
        return vals

    @api.model
    def _post(self, webhook, body, event_type, delivery_ref):
        """POST ``body`` to ``webhook`` and return the outcome; never raises.

        Redirects are not followed (a 3xx answer is a failure): the endpoint
        must answer a 2xx status itself. The host is resolved first and every
        address it resolves to must be public (see ``tools/netguard.py``),
        unless the system parameter ``subscription_core.webhook_allowed_hosts``
        allows it, and the address the connection reaches is checked again
        before the request is written; a refused destination is a failure,
        no request is sent.

        :param webhook: ``subscription.webhook`` record, read as superuser
        :param bytes body: raw request body, signed as is
        :return: dict with keys ``success`` (bool), ``response_status`` (int,
            0 without answer), ``response_body`` (str or False), ``error``
            (str or False), ``duration_ms`` (int)
        """
        timestamp = _unix_ts(fields.Datetime.now())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Subscription-Event": event_type,
            "X-Subscription-Delivery": delivery_ref,
            "X-Subscription-Signature": signature.header_value(
                webhook.sudo().secret, timestamp, body
            ),
        }
        status, reason, response_body, error = 0, "", False, False
        start = time.monotonic()
        allowed = self.env["subscription.webhook"]._get_allowed_hosts()
        try:
            netguard.resolve_and_check(webhook.url, allowed, resolver=socket.getaddrinfo)
        except netguard.UnsafeDestination as exc:
            return {
                "success": False,
                "response_status": 0,
                "response_body": False,
                "error": f"Destination refused: {exc}",
                "duration_ms": int((time.monotonic() - start) * 1000),
            }
        try:
            with (
                guarded_session(allowed) as session,
                session.post(
                    webhook.url,
                    data=body,
                    headers=headers,
                    timeout=webhook.timeout,
                    allow_redirects=False,
                    stream=True,
                ) as response,
            ):
                status, reason = response.status_code, response.reason or ""
                response_body = self._read_response_body(response)
        except requests.exceptions.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration_ms = int((time.monotonic() - start) * 1000)
        success = 200 <= status < 300
        if status and not success:
            error = f"HTTP {status} {reason}".strip()
        return {
            "success": success,
            "response_status": status,
            "response_body": _clean_text(response_body) or False,
            "error": _clean_text(error) or False,
            "duration_ms": duration_ms,
        }

    @api.model
    def _read_response_body(self, response):
        """Return the first ``RESPONSE_BODY_LIMIT`` characters of the answer,
        without downloading the rest."""
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=1024):
            chunks.append(chunk)
            size += len(chunk)
            if size >= RESPONSE_BODY_LIMIT * 4:  # a character is at most 4 bytes
                break
        raw = b"".join(chunks)
        try:
            text = raw.decode(response.encoding or "utf-8", errors="replace")
        except LookupError:  # unknown charset announced by the endpoint
            text = raw.decode("utf-8", errors="replace")
        return text[:RESPONSE_BODY_LIMIT]
