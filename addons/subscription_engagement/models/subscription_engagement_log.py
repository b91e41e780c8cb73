# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL


class SubscriptionEngagementLog(models.Model):
    """One row per message sent: a subscription gets each occasion at most
    once per period, whatever the re-runs or overlaps of the rules."""

    _name = "subscription.engagement.log"
    _description = "Subscription Message Sent"
    _order = "date desc, id desc"
    _rec_name = "occasion"

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="cascade", index=True, readonly=True
    )
    partner_id = fields.Many2one(related="subscription_id.partner_id")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, ondelete="cascade"
    )
    occasion = fields.Char(
        required=True, readonly=True, help="Code of the occasion, e.g. renewal_reminder."
    )
    period_key = fields.Char(
        required=True,
        readonly=True,
        help="Tells the periods of one occasion apart (the date that defines the "
        "period, or 'once').",
    )
    template_id = fields.Many2one("mail.template", readonly=True, ondelete="set null")
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    _sql_constraints = [
        (
            "once_per_period",
            "UNIQUE(subscription_id, occasion, period_key)",
            "This message was already sent for this subscription and period.",
        ),
    ]

    @api.model
    def _claim(self, occasion, keys_by_subscription, template):
        """Insert a row per (subscription id, period key) of
        ``keys_by_subscription`` that is not logged yet for ``occasion`` and
        return the ids of the subscriptions whose row this call inserted: a
        concurrent or repeated call claims nothing twice."""
        if not keys_by_subscription:
            return []
        sub_ids = list(keys_by_subscription)
        keys = [keys_by_subscription[sub_id] for sub_id in sub_ids]
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO subscription_engagement_log
                    (subscription_id, company_id, occasion, period_key, template_id, date,
                     create_uid, create_date, write_uid, write_date)
                SELECT claim.sub_id, sub.company_id, %(occasion)s, claim.period_key,
                       %(template)s, now() AT TIME ZONE 'UTC',
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM unnest(%(sub_ids)s::int[], %(keys)s::varchar[])
                       AS claim(sub_id, period_key)
                  JOIN subscription_subscription sub ON sub.id = claim.sub_id
                 ORDER BY claim.sub_id
                ON CONFLICT (subscription_id, occasion, period_key) DO NOTHING
                RETURNING subscription_id
                """,
                occasion=occasion,
                template=template.id or None,
                uid=self.env.uid,
                sub_ids=sub_ids,
                keys=keys,
            )
        )
        self.invalidate_model()
        return [row[0] for row in rows]
