# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.0.0 -> 18.0.1.1.0

- Every company gets a default dunning policy (the standard one) when it has
  none: subscriptions created before billing was installed have no policy of
  their own and follow their company's.
- Billing periods: one ``subscription.billing.period`` per live period
  invoice (state *invoiced*), and one *to invoice* period for the current
  period of each subscription that was flagged ``invoice_pending`` (that
  column is no longer stored; the invoicing job bills the period).
- The unique index on period invoices now leaves cancelled invoices out
  (done by ``account.move.init``).
"""

from odoo import SUPERUSER_ID, api
from odoo.tools.sql import column_exists


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.company"].search([])._set_default_subscription_dunning_policy()
    cr.execute(
        """
        INSERT INTO subscription_billing_period
            (subscription_id, company_id, date_start, date_end, state, invoice_id,
             amount_untaxed, create_uid, write_uid, create_date, write_date)
        SELECT DISTINCT ON (m.subscription_id, m.subscription_period_start)
               m.subscription_id, s.company_id, m.subscription_period_start,
               m.subscription_period_end, 'invoiced', m.id, m.amount_untaxed,
               %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM account_move m
          JOIN subscription_subscription s ON s.id = m.subscription_id
         WHERE m.subscription_invoice_kind = 'period' AND m.state != 'cancel'
           AND m.subscription_period_end > m.subscription_period_start
         ORDER BY m.subscription_id, m.subscription_period_start, m.id
        ON CONFLICT DO NOTHING
        """,
        {"uid": SUPERUSER_ID},
    )
    if column_exists(cr, "subscription_subscription", "invoice_pending"):
        cr.execute(
            "SELECT id FROM subscription_subscription WHERE invoice_pending "
            "AND state IN ('active', 'past_due')"
        )
        subs = env["subscription.subscription"].browse(row[0] for row in cr.fetchall())
        for sub in subs:
            sub._add_billing_period()
        cr.execute("UPDATE subscription_subscription SET invoice_pending = NULL")
