# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

_logger = logging.getLogger(__name__)


class SubscriptionSegment(models.Model):
    """A group of customers by behaviour or lifecycle stage.

    A segment is a domain over subscriptions, optionally narrowed to the top
    share of the company's MRR; its members are the customers (``partner_id``)
    of the matching subscriptions. It is *materialised* as a partner tag so
    that filters, mass mailing and automation rules can use it: the refresh
    adds the tag to new members and removes it from former ones, in two set
    operations (idempotent: a second refresh changes nothing).
    """

    _name = "subscription.segment"
    _description = "Customer Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company",
        help="Only subscriptions of this company; empty: every company.",
    )
    domain = fields.Char(
        string="Subscriptions",
        required=True,
        default="[]",
        help="Which subscriptions make their customer a member. Relative dates may use "
        "context_today(), relativedelta and datetime.",
    )
    top_mrr_percent = fields.Float(
        string="Top MRR Share (%)",
        help="Keep only the matching subscriptions in this top share of their company's "
        "monthly recurring revenue (10 = top decile). 0 keeps them all.",
    )
    tag_id = fields.Many2one(
        "res.partner.category",
        string="Partner Tag",
        required=True,
        copy=False,
        ondelete="restrict",
        help="Tag the refresh puts on the members and removes from everyone else.",
    )
    member_count = fields.Integer(string="Members", readonly=True, copy=False)
    last_refresh = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        ("tag_unique", "unique(tag_id)", "Each segment needs a partner tag of its own."),
        (
            "top_mrr_percent_range",
            "CHECK(top_mrr_percent >= 0 AND top_mrr_percent <= 100)",
            "The top MRR share is a percentage between 0 and 100.",
        ),
    ]

    @api.model
    def _get_eval_context(self):
        today = fields.Date.context_today(self)
        return {
            "context_today": lambda: today,
            "relativedelta": relativedelta,
            "datetime": safe_datetime,
            "uid": self.env.uid,
        }

    def _get_subscription_domain(self):
        """The segment's domain as a list, with its company restriction."""
        self.ensure_one()
        try:
            domain = safe_eval(self.domain or "[]", self._get_eval_context())
            domain = expression.normalize_domain(domain)
        except Exception as error:
            raise ValidationError(
                _(
                    "The domain of segment %(name)s is not valid: %(error)s",
                    name=self.name,
                    error=error,
                )
            ) from error
        if self.company_id:
            domain = expression.AND([domain, [("company_id", "=", self.company_id.id)]])
        return domain

    @api.constrains("domain")
    def _check_domain(self):
        Subscription = self.env["subscription.subscription"].sudo()
        for segment in self:
            domain = segment._get_subscription_domain()
            try:
                Subscription._search(domain)
            except Exception as error:
                raise ValidationError(
                    _(
                        "The domain of segment %(name)s is not valid: %(error)s",
                        name=segment.name,
                        error=error,
                    )
                ) from error

    @api.model_create_multi
    def create(self, vals_list):
        Tag = self.env["res.partner.category"]
        for vals in vals_list:
            if not vals.get("tag_id"):
                vals["tag_id"] = Tag.create({"name": vals.get("name") or _("Segment")}).id
        return super().create(vals_list)

    def _member_query(self):
        """SQL selecting the member partner ids (column ``partner_id``)."""
        self.ensure_one()
        Subscription = self.env["subscription.subscription"].sudo().with_context(active_test=False)
        matching = Subscription._search(self._get_subscription_domain()).select(
            SQL.identifier("subscription_subscription", "id"),
            SQL.identifier("subscription_subscription", "partner_id"),
        )
        if not self.top_mrr_percent:
            return SQL("SELECT DISTINCT m.partner_id FROM (%s) m", matching)
        # Ranked within the company among *all* MRR-carrying subscriptions, so
        # that "top 10 %" is the company's top decile, not the top decile of
        # what the domain kept.
        return SQL(
            """
            SELECT DISTINCT m.partner_id
              FROM (%s) m
              JOIN (SELECT s.id,
                           percent_rank() OVER (
                               PARTITION BY s.company_id ORDER BY s.mrr_company DESC) AS pr
                      FROM subscription_subscription s
                     WHERE s.mrr_company > 0) r ON r.id = m.id
             WHERE r.pr < %s
            """,
            matching,
            self.top_mrr_percent / 100.0,
        )

    def _refresh(self):
        """Put the tag on exactly the current members.

        Returns ``{segment: (added, removed)}``. The tag relation is written
        in SQL, two set operations per segment, so that 100,000 subscriptions
        refresh in seconds; partners' ``write_date`` is not touched.
        """
        cr = self.env.cr
        self.env.flush_all()
        result = {}
        for segment in self:
            tag = segment.tag_id.id
            cr.execute(
                SQL(
                    """
                    WITH members AS (%(members)s),
                    removed AS (
                        DELETE FROM res_partner_res_partner_category_rel rel
                         WHERE rel.category_id = %(tag)s
                           AND rel.partner_id NOT IN (SELECT partner_id FROM members)
                     RETURNING rel.partner_id
                    ),
                    added AS (
                        INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)
                        SELECT %(tag)s, m.partner_id FROM members m
                         WHERE NOT EXISTS (
                            SELECT 1 FROM res_partner_res_partner_category_rel rel
                             WHERE rel.category_id = %(tag)s AND rel.partner_id = m.partner_id)
                        RETURNING partner_id
                    )
                    SELECT (SELECT count(*) FROM added), (SELECT count(*) FROM removed),
                           (SELECT count(*) FROM members)
                    """,
                    members=segment._member_query(),
                    tag=tag,
                )
            )
            added, removed, members = cr.fetchone()
            segment.write({"member_count": members, "last_refresh": fields.Datetime.now()})
            result[segment] = (added, removed)
            _logger.info(
                "Segment %s refreshed: %s members, %s added, %s removed",
                segment.display_name,
                members,
                added,
                removed,
            )
        # The relation was written in SQL: drop what the ORM cached of it.
        self.env["res.partner"].invalidate_model(["category_id"])
        self.env["res.partner.category"].invalidate_model(["partner_ids"])
        return result

    @api.model
    def _cron_refresh_segments(self):
        segments = self.search([])
        segments._refresh()
        self.env["ir.cron"]._notify_progress(done=len(segments), remaining=0)

    def action_refresh(self):
        self.check_access("write")
        self.sudo()._refresh()
        return True

    def action_view_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Members of %(segment)s", segment=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("category_id", "in", self.tag_id.ids)],
            "context": {"default_category_id": [self.tag_id.id]},
        }

    def action_view_subscriptions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Subscriptions of %(segment)s", segment=self.name),
            "res_model": "subscription.subscription",
            "view_mode": "list,form",
            "domain": self._get_subscription_domain(),
        }
