# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import aggregates, metrics
from .res_config_settings import GROSS_MARGIN_PARAM


class SubscriptionMetrics(models.AbstractModel):
    """Every metric of a company over a range, as defined in
    ``tools/metrics.py``, read from the snapshot tables: for the dashboard,
    integrators (JSON-RPC / XML-RPC), and any range (the LTV forecast, quick
    ratio and trial conversion reports are per month or as of the last run)."""

    _name = "subscription.metrics"
    _description = "Subscription Metrics"

    @api.model
    def get_kpis(self, date_from, date_to, company_id=None):
        """Metrics of ``company_id`` (the current company by default) for the
        days ``date_from``..``date_to`` (both included), in the company
        currency. Readers of the subscription reports only. Read from the
        snapshot tables (days not built yet up to today are built first);
        a range ending after today (the company's, in its subscription
        timezone) is measured today."""
        self.env["subscription.metric.snapshot"].check_access("read")
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        if not date_from or not date_to or date_to < date_from:
            raise UserError(_("Metrics are computed over a range of days: from must precede to."))
        company = self.env["res.company"].browse(company_id) if company_id else self.env.company
        if company not in self.env.companies:
            raise AccessError(_("You cannot read the metrics of %(company)s.", company=company.id))
        date_to = min(date_to, company.sudo()._subscription_today())
        date_from = min(date_from, date_to)
        self._ensure_built(company, date_to)
        self.env.cr.execute(SQL("SET LOCAL jit = off"))  # short queries, costly estimates
        day_before = date_from - timedelta(days=1)
        opening, closing = (
            self._snapshot_totals(company, day_before),
            self._snapshot_totals(company, date_to),
        )
        summary = self._movement_sums(company, date_from, date_to)
        mrr, customers = closing["mrr"], closing["customers"]
        arpu = mrr / customers if customers else None
        churned = self._churned_customers(company, date_from, date_to)
        churn = churned / opening["customers"] if opening["customers"] else None
        lost = -(summary["churn_voluntary"] + summary["churn_involuntary"] + summary["contraction"])
        margin = self._get_gross_margin()
        grr, nrr = aggregates.retention_from_pairs(
            self._customer_mrr_pairs(company, day_before, date_to)
        )
        grr_12, nrr_12 = aggregates.retention_from_pairs(
            self._customer_mrr_pairs(company, metrics.add_months(date_to, -12), date_to)
        )
        deaths, censored = self.env["subscription.metric.customer.month"]._survival_counts(
            company.id, date_to
        )
        return {
            "company_id": company.id,
            "currency": company.currency_id.name,
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            "mrr": mrr,
            "arr": 12 * mrr,
            "opening_mrr": opening["mrr"],
            "customers": customers,
            "arpu": arpu,
            "movements": {kind: summary[kind] for kind in metrics.KINDS},
            "net_new_mrr": summary["net_new"],
            "quick_ratio": metrics.quick_ratio(summary),
            "logo_churn_rate": churn,
            "revenue_churn_rate": lost / opening["mrr"] if opening["mrr"] > 0 else None,
            "grr": grr,
            "nrr": nrr,
            "grr_12": grr_12,
            "nrr_12": nrr_12,
            "gross_margin": margin,
            "ltv": metrics.ltv(arpu, margin, churn),
            "ltv_forecast": aggregates.ltv_forecast_counts(deaths, censored, arpu or 0.0, margin),
            "trials": metrics.trial_conversion(
                self._get_trials(company, date_from, date_to), date_from, date_to
            ),
            # NPS, response, save and win-back rates; None without engagement.
            "engagement": self.env["subscription.engagement.kpis"]._kpis(
                company, date_from, date_to
            ),
        }

    @api.model
    def _ensure_built(self, company, day):
        """Build the snapshots of ``company`` up to ``day`` if they stop before
        it (as the daily job would)."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT MAX(date) FROM subscription_metric_snapshot"
                " WHERE company_id = %s AND dimension = 'total'",
                company.id,
            )
        )
        last = cr.fetchone()[0]
        if not last or last < day:
            start = last + timedelta(days=1) if last else day
            self.env["subscription.metric.snapshot"].sudo()._build_snapshots(
                start, day, companies=company.sudo()
            )

    @api.model
    def _snapshot_totals(self, company, day):
        self.env.cr.execute(
            SQL(
                "SELECT mrr, customer_count FROM subscription_metric_snapshot"
                " WHERE company_id = %s AND dimension = 'total' AND date = %s",
                company.id,
                day,
            )
        )
        row = self.env.cr.fetchone()
        return {"mrr": float(row[0]), "customers": row[1]} if row else {"mrr": 0.0, "customers": 0}

    @api.model
    def _movement_sums(self, company, date_from, date_to):
        columns = SQL(", ").join(
            SQL("COALESCE(SUM(%s), 0)", SQL.identifier(f"{kind}_mrr")) for kind in metrics.KINDS
        )
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM subscription_metric_snapshot"
                " WHERE company_id = %s AND dimension = 'total' AND date BETWEEN %s AND %s",
                columns,
                company.id,
                date_from,
                date_to,
            )
        )
        summary = {
            kind: float(v) for kind, v in zip(metrics.KINDS, self.env.cr.fetchone(), strict=True)
        }
        summary["net_new"] = sum(summary[kind] for kind in metrics.KINDS)
        return summary

    @api.model
    def _churned_customers(self, company, date_from, date_to):
        self.env.cr.execute(
            SQL(
                "SELECT COUNT(DISTINCT partner_id) FROM subscription_metric_movement"
                " WHERE company_id = %s AND kind IN ('churn_voluntary', 'churn_involuntary')"
                " AND date BETWEEN %s AND %s",
                company.id,
                date_from,
                date_to,
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _customer_mrr_sql(self, company, day):
        """SQL of each customer's MRR at the end of ``day``: its month-end MRR
        of the month before, unless it moved in ``day``'s month up to ``day``."""
        first = day.replace(day=1)
        return SQL(
            """
            SELECT DISTINCT ON (partner_id) partner_id, mrr FROM (
                SELECT partner_id, mrr_end AS mrr, month_date AS day
                  FROM subscription_metric_customer_month
                 WHERE company_id = %(company)s AND month_date = %(previous)s
                 UNION ALL
                SELECT partner_id, mrr_after, date
                  FROM subscription_metric_movement
                 WHERE company_id = %(company)s AND date BETWEEN %(first)s AND %(day)s
            ) x ORDER BY partner_id, day DESC
            """,
            company=company.id,
            previous=metrics.add_months(first, -1),
            first=first,
            day=day,
        )

    @api.model
    def _customer_mrr_pairs(self, company, day_before, day):
        """``(opening, closing)`` MRR of the customers active at the end of
        ``day_before``, at the end of ``day``."""
        self.env.cr.execute(
            SQL(
                """
                SELECT o.mrr, COALESCE(c.mrr, 0)
                  FROM (%s) o LEFT JOIN (%s) c ON c.partner_id = o.partner_id
                 WHERE o.mrr > 0
                """,
                self._customer_mrr_sql(company, day_before),
                self._customer_mrr_sql(company, day),
            )
        )
        return [(float(o), float(c)) for o, c in self.env.cr.fetchall()]

    @api.model
    def _get_gross_margin(self):
        value = self.env["ir.config_parameter"].sudo().get_param(GROSS_MARGIN_PARAM, "1")
        try:
            margin = float(value)
        except ValueError:
            margin = -1.0
        if not 0 <= margin <= 1:
            raise UserError(
                _(
                    "The system parameter %(param)s must be a fraction between 0 and 1, "
                    "not %(value)s.",
                    param=GROSS_MARGIN_PARAM,
                    value=value,
                )
            )
        return margin

    @api.model
    def _get_trials(self, company, date_from, date_to):
        """``(start, outcome_day, converted)`` of each subscription whose trial
        started in the range, as known at the end of ``date_to``: converted on
        its first activation after the trial started, lost on its
        cancellation or expiry without one, else running."""
        self.env.cr.execute(
            SQL(
                """
                SELECT MIN(effective_date) FILTER (WHERE event_type = 'trial_started'),
                       MIN(effective_date) FILTER (WHERE event_type = 'activated'),
                       MIN(effective_date) FILTER (WHERE event_type IN ('cancelled', 'expired'))
                  FROM subscription_event
                 WHERE company_id = %(company)s AND effective_date <= %(date_to)s
                   AND subscription_id IN (
                       SELECT subscription_id FROM subscription_event
                        WHERE company_id = %(company)s AND event_type = 'trial_started'
                          AND effective_date BETWEEN %(date_from)s AND %(date_to)s)
                 GROUP BY subscription_id
                """,
                company=company.id,
                date_from=date_from,
                date_to=date_to,
            )
        )
        trials = []
        for start, activated, ended in self.env.cr.fetchall():
            if activated and activated >= start:
                trials.append((start, activated, True))
            elif ended:
                trials.append((start, ended, False))
            else:
                trials.append((start, None, None))
        return trials
