# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import engagement

_logger = logging.getLogger(__name__)


class SubscriptionSubscription(models.Model):
    _inherit = "subscription.subscription"

    renewal_reminder_date = fields.Date(
        compute="_compute_renewal_reminder_date",
        store=True,
        index="btree_not_null",
        help="Day the renewal reminder of the current period is due (the period's "
        "end minus the cycle's reminder days); the automation rule "
        "'Subscription: renewal reminder' runs on it.",
    )
    engagement_log_ids = fields.One2many(
        "subscription.engagement.log",
        "subscription_id",
        string="Messages Sent",
        groups="subscription_core.group_subscription_user",
    )

    @api.depends("current_period_end", "cycle_id.reminder_days")
    def _compute_renewal_reminder_date(self):
        for sub in self:
            sub.renewal_reminder_date = engagement.reminder_date(
                sub.current_period_end, sub.cycle_id.reminder_days
            )

    def _engagement_ensure_portal_tokens(self):
        """Give the subscriptions without a portal access token one, in one
        statement: the templates' portal links would otherwise write them one
        by one while rendering (``portal.mixin._portal_ensure_token``)."""
        missing = self.filtered(lambda sub: not sub.access_token)
        if not missing:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE subscription_subscription SET access_token = gen_random_uuid()::text "
                "WHERE id = ANY(%s) AND access_token IS NULL",
                missing.ids,
            )
        )
        missing.invalidate_recordset(["access_token"])

    def _engagement_send(
        self,
        occasion,
        template,
        key_field=False,
        upcoming=False,
        marketing=False,
        period_keys=None,
    ):
        """Queue ``template`` (a ``mail.template`` on subscriptions, or its
        XML id) for the subscriptions of ``self``, at most once per
        subscription, ``occasion`` (a code) and period. The period is the
        value of the date field ``key_field`` (once in the subscription's
        life without one);
        subscriptions where that date is empty, or already past with
        ``upcoming``, are skipped. ``period_keys`` (subscription id -> key)
        gives the keys explicitly instead, e.g. one per ledger event.
        A ``marketing`` message skips the subscriptions whose customer opted
        out (``res.partner._subscription_marketing_allowed``); transactional
        ones (the default) always go. The rows of ``subscription.engagement.log``
        are claimed in one statement before the mails are generated in batch,
        so re-runs and overlapping runs never send twice. Returns the
        subscriptions the message was queued for."""
        if isinstance(template, str):
            template = self.env.ref(template)
        if not occasion or not template:
            raise ValueError("An engagement message needs an occasion and a template.")
        if template.model != self._name:
            raise ValueError(f"Template {template.name!r} is not a template of subscriptions.")
        today = fields.Date.context_today(self)
        subs = self
        if marketing:
            subs = self.filtered(lambda s: s.partner_id._subscription_marketing_allowed())
        keys = {}
        for sub in subs:
            if period_keys is not None:
                if sub.id in period_keys:
                    keys[sub.id] = period_keys[sub.id]
                continue
            value = sub[key_field] if key_field else False
            if key_field and (not value or (upcoming and value < today)):
                continue
            keys[sub.id] = engagement.period_key(value)
        if not keys:
            return self.browse()
        self.env["subscription.engagement.log"].flush_model()
        sent = self.browse(self.env["subscription.engagement.log"]._claim(occasion, keys, template))
        if sent:
            sent._engagement_prepare(occasion)
            sent._engagement_ensure_portal_tokens()
            # One compilation of the template's body for the whole batch (ir_qweb.py).
            template.sudo().with_context(subscription_qweb_memo={}).send_mail_batch(sent.ids)
            _logger.info("Engagement %s: %d message(s) queued.", occasion, len(sent))
        return sent
