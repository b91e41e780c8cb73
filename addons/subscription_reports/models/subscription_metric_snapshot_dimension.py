# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL

from .subscription_metric_snapshot import MOVEMENT_COLUMNS

# Dimension -> (snapshot column, SQL of each subscription's key(s) and of
# each movement's key(s)). A segment is a partner tag of the customer: a
# customer with two tags has a row in each.
DIMENSIONS = {
    "country": "country_id",
    "salesperson": "user_id",
    "segment": "category_id",
}


class SubscriptionMetricSnapshot(models.Model):
    """Daily metrics per customer country, salesperson and segment.

    Rows of the dimensions ``country`` (the customer's country), ``salesperson``
    (the subscription's salesperson) and ``segment`` (each partner tag of
    the customer), built with the company rows from the same stored tables:
    MRR, customers and subscriptions from each subscription's MRR in the
    ledger, attributed to its current key; the movements from the stored
    customer movements, attributed as in the MRR movement report (the
    customer's country and tags, the salesperson of the subscription of the
    day's largest change)."""

    _inherit = "subscription.metric.snapshot"

    dimension = fields.Selection(
        selection_add=[
            ("country", "Country"),
            ("salesperson", "Salesperson"),
            ("segment", "Segment"),
        ],
        ondelete={"country": "cascade", "salesperson": "cascade", "segment": "cascade"},
    )
    country_id = fields.Many2one("res.country", readonly=True, help="The customer's country.")
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, help="The subscription's salesperson."
    )
    category_id = fields.Many2one(
        "res.partner.category",
        string="Segment",
        readonly=True,
        help="A tag of the customer (e.g. one kept by an engagement segment).",
    )

    def init(self):
        result = super().init()
        # One row per company, day, dimension and key (NULLs included).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS subscription_metric_snapshot_key_uniq"
                " ON subscription_metric_snapshot (company_id, dimension, date,"
                " COALESCE(tier_id, 0), COALESCE(cycle_id, 0), COALESCE(country_id, 0),"
                " COALESCE(user_id, 0), COALESCE(category_id, 0))"
            )
        )
        return result

    def _build_dimension_rows(self, args):
        """Insert the country, salesperson and segment rows of the range of
        ``args`` (see ``_build_company``); return how many."""
        self.env.cr.execute(SQL(self._dimension_rows_query(), **args))
        return self.env.cr.rowcount

    def _dimension_rows_query(self):
        movement_sums = ",\n".join(
            f"SUM(amount) FILTER (WHERE kind = '{kind}') AS {kind}_mrr" for kind in MOVEMENT_COLUMNS
        )
        movement_columns = ", ".join(f"{kind}_mrr" for kind in MOVEMENT_COLUMNS)
        movement_values = ", ".join(
            f"COALESCE(mv.{kind}_mrr, 0) AS {kind}_mrr" for kind in MOVEMENT_COLUMNS
        )
        net_new = " + ".join(f"{kind}_mrr" for kind in MOVEMENT_COLUMNS)
        any_movement = " OR ".join(f"{kind}_mrr <> 0" for kind in MOVEMENT_COLUMNS)
        key_columns = ", ".join(f"CASE WHEN dim = '{dim}' THEN key END" for dim in DIMENSIONS)
        return f"""
            WITH {self._subs_run_ctes("stored")},
            sub_keys AS (
                SELECT s.id AS subscription_id, s.commercial_partner_id AS customer_id,
                       'country' AS dim, p.country_id AS key
                  FROM subscription_subscription s
                  JOIN res_partner p ON p.id = s.commercial_partner_id
                 WHERE s.company_id = %(company)s
                 UNION ALL
                SELECT s.id, s.commercial_partner_id, 'salesperson', s.user_id
                  FROM subscription_subscription s
                 WHERE s.company_id = %(company)s
                 UNION ALL
                SELECT s.id, s.commercial_partner_id, 'segment', rel.category_id
                  FROM subscription_subscription s
                  JOIN res_partner_res_partner_category_rel rel
                    ON rel.partner_id = s.commercial_partner_id
                 WHERE s.company_id = %(company)s
            ), pair_open AS (
                SELECT k.dim, k.key, k.customer_id, SUM(prior.mrr) AS mrr,
                       SUM((prior.mrr > 0)::int) AS subs
                  FROM prior
                  JOIN sub_keys k ON k.subscription_id = prior.subscription_id
                 GROUP BY k.dim, k.key, k.customer_id
            ), pair_delta AS (
                SELECT k.dim, k.key, k.customer_id, r.day, SUM(r.delta) AS delta,
                       SUM((r.mrr_after > 0)::int - (r.mrr_after - r.delta > 0)::int) AS d_subs
                  FROM subs_run r
                  JOIN sub_keys k ON k.subscription_id = r.subscription_id
                 GROUP BY k.dim, k.key, k.customer_id, r.day
            ), pair_run AS (
                SELECT d.*, COALESCE(o.mrr, 0) + SUM(d.delta) OVER w AS mrr_after
                  FROM pair_delta d
                  LEFT JOIN pair_open o ON o.dim = d.dim AND o.customer_id = d.customer_id
                       AND o.key IS NOT DISTINCT FROM d.key
                WINDOW w AS (PARTITION BY d.dim, d.key, d.customer_id ORDER BY d.day)
            ), opening AS (
                SELECT dim, key, SUM(mrr) AS mrr, SUM((mrr > 0)::int) AS customers,
                       SUM(subs) AS subs
                  FROM pair_open GROUP BY dim, key
            ), daily AS (
                SELECT dim, key, day, SUM(delta) AS d_mrr,
                       SUM((mrr_after > 0)::int - (mrr_after - delta > 0)::int) AS d_customers,
                       SUM(d_subs) AS d_subs
                  FROM pair_run GROUP BY dim, key, day
            ), range_moves AS (
                SELECT * FROM subscription_metric_movement
                 WHERE company_id = %(company)s AND date BETWEEN %(date_from)s AND %(date_to)s
            ), move_keys AS (
                SELECT 'country' AS dim, p.country_id AS key, m.*
                  FROM range_moves m JOIN res_partner p ON p.id = m.partner_id
                 UNION ALL
                SELECT 'salesperson', s.user_id, m.*
                  FROM range_moves m LEFT JOIN subscription_subscription s
                    ON s.id = m.subscription_id
                 UNION ALL
                SELECT 'segment', rel.category_id, m.*
                  FROM range_moves m JOIN res_partner_res_partner_category_rel rel
                    ON rel.partner_id = m.partner_id
            ), moves AS (
                SELECT dim, key, date AS day, {movement_sums},
                       COUNT(*) FILTER (WHERE kind = 'new') AS new_customers,
                       COUNT(*) FILTER (WHERE kind IN ('churn_voluntary', 'churn_involuntary'))
                           AS churned_customers
                  FROM move_keys GROUP BY dim, key, date
            ), combos AS (
                SELECT dim, key FROM opening
                 UNION
                SELECT dim, key FROM daily
                 UNION
                SELECT dim, key FROM moves
            ), running AS (
                SELECT cb.dim, cb.key, g.day::date AS day,
                       COALESCE(o.mrr, 0) + SUM(COALESCE(d.d_mrr, 0)) OVER w AS mrr,
                       COALESCE(o.customers, 0) + SUM(COALESCE(d.d_customers, 0)) OVER w
                           AS customers,
                       COALESCE(o.subs, 0) + SUM(COALESCE(d.d_subs, 0)) OVER w AS subs,
                       {movement_values},
                       COALESCE(mv.new_customers, 0) AS new_customers,
                       COALESCE(mv.churned_customers, 0) AS churned_customers
                  FROM combos cb
                 CROSS JOIN generate_series(%(date_from)s::date, %(date_to)s::date,
                                            INTERVAL '1 day') AS g(day)
                  LEFT JOIN opening o ON o.dim = cb.dim AND o.key IS NOT DISTINCT FROM cb.key
                  LEFT JOIN daily d ON d.dim = cb.dim AND d.key IS NOT DISTINCT FROM cb.key
                       AND d.day = g.day::date
                  LEFT JOIN moves mv ON mv.dim = cb.dim AND mv.key IS NOT DISTINCT FROM cb.key
                       AND mv.day = g.day::date
                WINDOW w AS (PARTITION BY cb.dim, cb.key ORDER BY g.day)
            )
            INSERT INTO subscription_metric_snapshot (
                company_id, currency_id, date, dimension, {", ".join(DIMENSIONS.values())},
                mrr, arr, customer_count, subscription_count, arpu, {movement_columns},
                net_new_mrr, new_customer_count, churned_customer_count,
                create_uid, write_uid, create_date, write_date)
            SELECT %(company)s, c.currency_id, day, dim, {key_columns},
                   mrr, 12 * mrr, customers, subs,
                   CASE WHEN customers > 0 THEN ROUND(mrr / customers, 2) ELSE 0 END,
                   {movement_columns}, {net_new}, new_customers, churned_customers,
                   {self.env.uid}, {self.env.uid},
                   NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM running
              JOIN res_company c ON c.id = %(company)s
             WHERE mrr <> 0 OR customers <> 0 OR subs <> 0 OR new_customers <> 0
                OR churned_customers <> 0 OR {any_movement}
        """
