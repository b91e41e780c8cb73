# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import secrets
import uuid
from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..tools import netguard

WEBHOOK_CRON_XMLID = "subscription_core.ir_cron_subscription_webhook_deliver"
# Key of the per-transaction "a delivery run is already triggered" marker, kept
# in ``cr.postcommit.data``: that container survives savepoints and is emptied
# on commit and on rollback, i.e. it lives exactly as long as the transaction.
TRIGGER_MARKER = "subscription_core.webhook_trigger_id"
# Longest wait for an endpoint's answer: the delivery cron sends requests one
# after the other, a slow endpoint must not hold it for long.
MAX_TIMEOUT = 30
# System parameter: comma-separated host names, IP addresses or networks
# (e.g. "hooks.internal, 10.1.0.0/16") that webhooks may reach although they
# are not public. Empty by default: only public destinations are allowed.
ALLOWED_HOSTS_PARAM = "subscription_core.webhook_allowed_hosts"


def _iso_datetime(value):
    """Return a naive UTC datetime as ISO 8601 with a ``Z`` suffix, or None."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _iso_date(value):
    return value.isoformat() if value else None


def generate_secret():
    """Return a new random signing secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


class SubscriptionWebhook(models.Model):
    """An HTTP endpoint notified of subscription events.

    Each matching ``subscription.event`` becomes one
    ``subscription.webhook.delivery`` per endpoint; the deliveries are sent by
    the scheduled action ``ir_cron_subscription_webhook_deliver`` once the
    business transaction has committed, signed with the endpoint secret and
    retried with an exponential back-off (see ``tools/signature.py`` and
    ``tools/backoff.py``).
    """

    _name = "subscription.webhook"
    _description = "Subscription Webhook"
    _order = "name, id"

    # === FIELDS ===#

    name = fields.Char(required=True)
    url = fields.Char(
        string="Endpoint URL",
        required=True,
        help="HTTP(S) address that receives a POST request with a JSON body for each event.",
    )
    secret = fields.Char(
        string="Signing Secret",
        required=True,
        copy=False,
        default=lambda self: generate_secret(),
        groups="subscription_core.group_subscription_manager",
        help="Shared secret used to sign every request (HMAC-SHA256). "
        "Keep it private; regenerate it if it leaks.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="Only events of this company's subscriptions are sent to this endpoint.",
    )
    event_types = fields.Char(
        help="Comma-separated event types to send, e.g. 'activated,renewed,cancelled,expired'. "
        "Leave empty to send every event type.",
    )
    timeout = fields.Integer(
        string="Timeout (s)",
        required=True,
        default=10,
        help="Seconds to wait for the endpoint to answer before the attempt counts as failed "
        "(at most 30).",
    )
    delivery_ids = fields.One2many(
        "subscription.webhook.delivery", "webhook_id", string="Deliveries"
    )
    delivery_count = fields.Integer(compute="_compute_delivery_counts")
    delivery_success_count = fields.Integer(compute="_compute_delivery_counts")
    delivery_failed_count = fields.Integer(
        compute="_compute_delivery_counts",
        help="Deliveries waiting for a retry or given up.",
    )

    # === COMPUTE METHODS ===#

    def _compute_delivery_counts(self):
        counts = defaultdict(dict)
        for webhook, state, count in self.env["subscription.webhook.delivery"]._read_group(
            [("webhook_id", "in", self.ids)],
            ["webhook_id", "state"],
            ["__count"],
        ):
            counts[webhook.id][state] = count
        for webhook in self:
            by_state = counts[webhook.id]
            webhook.delivery_count = sum(by_state.values())
            webhook.delivery_success_count = by_state.get("success", 0)
            webhook.delivery_failed_count = by_state.get("failed", 0) + by_state.get("dead", 0)

    # === CONSTRAINT METHODS ===#

    @api.constrains("url")
    def _check_url(self):
        allowed = self._get_allowed_hosts()
        for webhook in self:
            try:
                netguard.check_url(webhook.url, allowed)
            except netguard.UnsafeDestination as exc:
                raise ValidationError(
                    self.env._(
                        "The endpoint URL of webhook %(name)s is refused: %(reason)s. "
                        "It must be an absolute http:// or https:// address of a public "
                        "host; a host on a private network can be allowed by an "
                        "administrator in the system parameter %(param)s.",
                        name=webhook.name,
                        reason=str(exc),
                        param=ALLOWED_HOSTS_PARAM,
                    )
                ) from exc

    @api.constrains("event_types")
    def _check_event_types(self):
        valid = self._get_valid_event_types()
        for webhook in self:
            unknown = webhook._get_event_type_filter() - valid
            if unknown:
                raise ValidationError(
                    self.env._(
                        "Webhook %(name)s: unknown event type(s) %(unknown)s. "
                        "Valid types are: %(valid)s.",
                        name=webhook.name,
                        unknown=", ".join(sorted(unknown)),
                        valid=", ".join(
                            self.env["subscription.event"]
                            ._fields["event_type"]
                            .get_values(self.env)
                        ),
                    )
                )

    @api.constrains("timeout")
    def _check_timeout(self):
        for webhook in self:
            if not 1 <= webhook.timeout <= MAX_TIMEOUT:
                raise ValidationError(
                    self.env._(
                        "The timeout of webhook %(name)s must be between 1 and %(max)s seconds.",
                        max=MAX_TIMEOUT,
                        name=webhook.name,
                    )
                )

    # === CRUD METHODS ===#

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalize_vals(vals)
        self.env.registry.clear_cache()  # _active_webhook_ids
        return super().create(vals_list)

    def write(self, vals):
        self._normalize_vals(vals)
        if {"active", "company_id"} & set(vals):
            self.env.registry.clear_cache()  # _active_webhook_ids
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()  # _active_webhook_ids
        return super().unlink()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_pending_deliveries(self):
        if (
            self.env["subscription.webhook.delivery"]
            .sudo()
            .search_count(
                [("webhook_id", "in", self.ids), ("state", "in", ("pending", "failed"))], limit=1
            )
        ):
            raise UserError(
                self.env._(
                    "This webhook still has deliveries to send. Archive it instead, "
                    "or cancel its pending deliveries first."
                )
            )

    @api.model
    def _normalize_vals(self, vals):
        """Store ``event_types`` in a canonical form: 'a,b,c' without blanks."""
        if vals.get("event_types"):
            keys = [key.strip() for key in vals["event_types"].split(",") if key.strip()]
            vals["event_types"] = ",".join(dict.fromkeys(keys)) or False
        if vals.get("url"):
            vals["url"] = vals["url"].strip()

    # === ACTION METHODS ===#

    def action_regenerate_secret(self):
        """Replace the signing secret; receivers must be given the new one."""
        self.check_access("write")
        for webhook in self:
            webhook.secret = generate_secret()
        return True

    def action_view_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_core.subscription_webhook_delivery_action"
        )
        action["domain"] = [("webhook_id", "=", self.id)]
        # keep the state filters chosen by the smart button
        action["context"] = {
            key: value
            for key, value in self.env.context.items()
            if key.startswith("search_default_")
        }
        return action

    def action_send_test(self):
        """Send a signed ``subscription.ping`` request now and report the answer.

        Nothing is recorded: it only checks that the endpoint is reachable and
        accepts the signature.
        """
        self.ensure_one()
        self.check_access("write")
        payload = {
            "id": str(uuid.uuid4()),
            "type": "subscription.ping",
            "created": _iso_datetime(fields.Datetime.now()),
            "data": {"webhook": {"id": self.id, "name": self.name}},
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        result = self.env["subscription.webhook.delivery"]._post(
            self.sudo(),
            body,
            event_type="subscription.ping",
            delivery_ref=payload["id"],
        )
        if result["success"]:
            notif_type = "success"
            message = self.env._(
                "The endpoint answered %(status)s in %(ms)s ms.",
                status=result["response_status"],
                ms=result["duration_ms"],
            )
        else:
            notif_type = "danger"
            message = self.env._("The test request failed: %(error)s", error=result["error"])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Webhook test"),
                "message": message,
                "type": notif_type,
                "sticky": not result["success"],
            },
        }

    # === BUSINESS METHODS ===#

    @api.model
    def _get_allowed_hosts(self):
        """Return the allow-list of non-public destinations, parsed (see
        ``tools/netguard.parse_allowed_hosts``)."""
        text = self.env["ir.config_parameter"].sudo().get_param(ALLOWED_HOSTS_PARAM, "")
        return netguard.parse_allowed_hosts(text)

    @api.model
    def _get_valid_event_types(self):
        return set(self.env["subscription.event"]._fields["event_type"].get_values(self.env))

    def _get_event_type_filter(self):
        """Return the set of event types this endpoint wants; empty = all."""
        self.ensure_one()
        return {key.strip() for key in (self.event_types or "").split(",") if key.strip()}

    def _accepts_event(self, event, type_filter=None):
        """Return whether ``event`` must be sent to this endpoint."""
        self.ensure_one()
        if type_filter is None:
            type_filter = self._get_event_type_filter()
        return event.company_id == self.company_id and (
            not type_filter or event.event_type in type_filter
        )

    @api.model
    @tools.ormcache()
    def _active_webhook_ids(self):
        """(company id, webhook id) of every active webhook, cached in the
        registry: the renewal engine logs thousands of events and must not pay
        a query per event when no endpoint listens. Cleared whenever a
        webhook is created, archived, moved or deleted."""
        webhooks = self.sudo().search([("active", "=", True)])
        return tuple((webhook.company_id.id, webhook.id) for webhook in webhooks)

    @api.model
    def _enqueue_events(self, events):
        """Queue one delivery per (active matching webhook, event).

        Called by ``subscription.event.create`` with the new events.  The cost
        when no webhook is configured is a single query, whatever the number of
        events.  Sending is left to the scheduled action, which is triggered
        here and runs once this transaction has committed.

        :param events: ``subscription.event`` recordset
        :return: the created ``subscription.webhook.delivery`` records
        """
        Delivery = self.env["subscription.webhook.delivery"].sudo()
        if not events:
            return Delivery
        events = events.sudo()
        company_ids = set(events.company_id.ids)
        webhook_ids = [
            webhook_id
            for company_id, webhook_id in self._active_webhook_ids()
            if company_id in company_ids
        ]
        if not webhook_ids:
            return Delivery
        webhooks = self.sudo().browse(webhook_ids)
        filters = {webhook: webhook._get_event_type_filter() for webhook in webhooks}
        vals_list = []
        for event in events:
            targets = [
                webhook for webhook in webhooks if webhook._accepts_event(event, filters[webhook])
            ]
            if not targets:
                continue
            data = self._prepare_event_data(event)
            for webhook in targets:
                vals_list.append(Delivery._prepare_delivery_values(webhook, event, data))
        if not vals_list:
            return Delivery
        deliveries = Delivery.create(vals_list)
        self._trigger_delivery_cron()
        return deliveries

    @api.model
    def _trigger_delivery_cron(self):
        """Ask the delivery cron to run once the current transaction commits.

        One trigger per transaction is enough: the marker lives in
        ``cr.postcommit.data`` (cleared on commit/rollback) and is checked
        against the database, since a savepoint rollback may have removed the
        trigger row.
        """
        data = self.env.cr.postcommit.data
        Trigger = self.env["ir.cron.trigger"].sudo()
        trigger_id = data.get(TRIGGER_MARKER)
        if trigger_id and Trigger.browse(trigger_id).exists():
            return
        cron = self.env.ref(WEBHOOK_CRON_XMLID, raise_if_not_found=False)
        if not cron:
            return
        trigger = cron.sudo()._trigger()
        if trigger:
            data[TRIGGER_MARKER] = trigger[:1].id

    @api.model
    def _prepare_event_data(self, event):
        """Return the ``data`` part of the payload for ``event``.

        Override to add keys; never remove or rename existing ones, receivers
        rely on them.
        """
        subscription = event.subscription_id
        return {
            "event": {
                "id": event.id,
                "type": event.event_type,
                "date": _iso_datetime(event.date),
                "mrr_before": event.mrr_before,
                "mrr_after": event.mrr_after,
                "mrr_delta": event.mrr_delta,
                "currency": event.currency_id.name or None,
                "note": event.note or None,
            },
            "subscription": self._prepare_subscription_data(subscription) if subscription else None,
        }

    @api.model
    def _prepare_subscription_data(self, subscription):
        partner = subscription.partner_id
        return {
            "id": subscription.id,
            "name": subscription.name,
            "state": subscription.state,
            "partner": {
                "id": partner.id,
                "name": partner.name,
                "email": partner.email or None,
            },
            "tier": {
                "id": subscription.tier_id.id,
                "code": subscription.tier_id.code or None,
                "name": subscription.tier_id.name,
            }
            if subscription.tier_id
            else None,
            "cycle": {
                "id": subscription.cycle_id.id,
                "name": subscription.cycle_id.name,
            }
            if subscription.cycle_id
            else None,
            "quantity": subscription.quantity,
            "addons": [
                {"id": line.addon_id.id, "name": line.addon_id.name, "quantity": line.quantity}
                for line in subscription.addon_line_ids
            ],
            "recurring_amount": subscription.recurring_amount,
            "currency": subscription.currency_id.name or None,
            "current_period_start": _iso_date(subscription.current_period_start),
            "current_period_end": _iso_date(subscription.current_period_end),
            "cancel_at_period_end": subscription.cancel_at_period_end,
        }

    @api.model
    def _prepare_payload(self, event, delivery_uuid, data=None):
        """Return the JSON document (a dict) sent for ``event``.

        :param data: the result of :meth:`_prepare_event_data`, when already
            computed for another endpoint
        """
        return {
            "id": delivery_uuid,
            "type": f"subscription.{event.event_type}",
            "created": _iso_datetime(fields.Datetime.now()),
            "data": data if data is not None else self._prepare_event_data(event),
        }
