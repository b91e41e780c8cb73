# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL


class AccountMove(models.Model):
    _inherit = "account.move"

    subscription_id = fields.Many2one(
        "subscription.subscription", index="btree_not_null", copy=False, readonly=True
    )
    subscription_period_start = fields.Date(copy=False, readonly=True)
    subscription_period_end = fields.Date(
        copy=False, readonly=True, help="First day after the invoiced period."
    )
    subscription_invoice_kind = fields.Selection(
        selection=[
            ("period", "Period"),
            ("proration", "Proration"),
            ("credit", "Credit"),
        ],
        copy=False,
        readonly=True,
    )

    def _auto_init(self):
        res = super()._auto_init()
        # One invoice per subscription period, whatever runs the engine and
        # however often: the database refuses the second one.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS account_move_subscription_period_uniq "
                "ON account_move (subscription_id, subscription_period_start) "
                "WHERE subscription_id IS NOT NULL AND subscription_invoice_kind = 'period'"
            )
        )
        return res

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self.subscription_id._on_invoice_paid(self)
        return res
