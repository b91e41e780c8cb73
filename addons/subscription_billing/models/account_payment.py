# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Settlement of a batch of charges: the payments of many invoices created,
posted and reconciled in three passes instead of one chain per invoice."""

from odoo import api, models

from .account_move import BATCH_FOLLOWERS_KEY


class AccountPayment(models.Model):
    _inherit = "account.payment"

    @api.model
    def _subscription_settle(self, vals_list, invoices_list):
        """Create and post the payments ``vals_list`` and reconcile each with
        the receivable lines of its invoices (``invoices_list``, same order),
        as Odoo's ``payment.transaction._create_payment`` does one at a time:
        one ``create``, one ``action_post`` and one reconciliation plan for
        the whole batch, without field tracking or notifications (the
        caller logs what the chatter must say); the partner of each entry made
        a follower in one pass (``account.move._subscription_subscribe_partners``).

        An invoice already paid meanwhile has no open line left: its payment
        stays unreconciled, as with Odoo's own settlement.

        The callers' values carry no ``write_off_line_vals`` (Odoo's
        ``_create_payment`` passes an empty list): with the key,
        ``account.payment.create`` makes each payment's journal entry on its
        own (half of the charging job's time, profiled); without it,
        ``action_post`` makes them all in one ``account.move.create``. An
        empty list and no key give the same lines.

        :param list vals_list: ``account.payment`` values, one per charge
        :param list invoices_list: ``account.move`` recordsets, one per charge
        :return: the payments, in the order of ``vals_list``
        """
        if not vals_list:
            return self.browse()
        Payment = self.sudo().with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_notrack=True,
            **{BATCH_FOLLOWERS_KEY: True},
        )
        payments = Payment.create(vals_list)
        payments.action_post()
        plan = []
        for payment, invoices in zip(payments, invoices_list, strict=True):
            account = payment.destination_account_id
            lines = (payment.move_id.line_ids + invoices.line_ids).filtered(
                lambda line, account=account: line.account_id == account and not line.reconciled
            )
            if lines:
                plan.append(lines)
        if plan:
            self.env["account.move.line"].sudo()._reconcile_plan(plan)
        return payments.with_env(self.env)
