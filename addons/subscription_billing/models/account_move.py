# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import drop_index, index_exists

from ..tools import descriptions

#: Context key of a background batch that posts many moves at once (the
#: charging job's settlement): ``_post`` subscribes their partners in one pass.
BATCH_FOLLOWERS_KEY = "subscription_batch_followers"


class AccountMove(models.Model):
    _inherit = "account.move"

    subscription_id = fields.Many2one(
        "subscription.subscription", index="btree_not_null", copy=False, readonly=True
    )
    subscription_period_start = fields.Date(copy=False, readonly=True)
    subscription_period_end = fields.Date(
        copy=False, readonly=True, help="First day after the invoiced period."
    )
    subscription_period_last_day = fields.Date(
        string="Subscription Period Last Day",
        compute="_compute_subscription_period_last_day",
        help="Last day of the invoiced period (included): what the invoice shows as the "
        "period's end.",
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

    @api.depends("subscription_period_end")
    def _compute_subscription_period_last_day(self):
        for move in self:
            move.subscription_period_last_day = descriptions.last_day(move.subscription_period_end)

    def init(self):
        res = super().init()
        # One live invoice per subscription period, whatever runs the engine
        # and however often: the database refuses a second one. A cancelled
        # invoice is outside the rule, so that the period can be invoiced
        # again (action_reissue_period_invoice). Replaces the index of
        # 18.0.1.0.0, which counted cancelled invoices too.
        drop_index(self.env.cr, "account_move_subscription_period_uniq", self._table)
        if not index_exists(self.env.cr, "account_move_subscription_period_live_uniq"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX account_move_subscription_period_live_uniq "
                    "ON account_move (subscription_id, subscription_period_start) "
                    "WHERE subscription_id IS NOT NULL "
                    "AND subscription_invoice_kind = 'period' AND state != 'cancel'"
                )
            )
        return res

    @api.model
    def _subscription_create_batch(self, vals_list):
        """Create the invoices of a background batch with their chatter told
        in one pass: Odoo's creation note of each ("Invoice Created", subtype
        ``account.mt_invoice_created``, by the job's user) logged in one
        create of messages rather than a ``message_post`` per invoice, and the
        job's user not made a follower of each (``mail.thread.create``
        otherwise does both, one invoice at a time)."""
        moves = self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True).create(
            vals_list
        )
        moves = moves.with_env(self.env)
        if moves:
            body = Markup('<div summary="o_mail_notification"><p>%s</p></div>')
            messages = moves._message_log_batch(
                bodies={move.id: body % move._creation_message() for move in moves},
                author_id=self.env.user.partner_id.id,
            )
            # Odoo's own subtype (_creation_subtype), as its create does: it
            # depends on the move type, so it is asked once per type (each
            # call looks its subtype up with a query).
            subtypes, by_subtype = {}, defaultdict(list)
            for move, message in zip(moves, messages, strict=True):
                if move.move_type not in subtypes:
                    subtypes[move.move_type] = move._creation_subtype()
                by_subtype[subtypes[move.move_type]].append(message.id)
            for subtype, message_ids in by_subtype.items():
                if subtype:
                    messages.browse(message_ids).subtype_id = subtype
            moves._subscription_subscribe_partners()
        return moves

    def _post(self, soft=True):
        # The charging job's settlement posts the journal entries of a whole
        # batch of payments: their partners are subscribed in one pass first,
        # not one entry at a time by Odoo's _post.
        if self.env.context.get(BATCH_FOLLOWERS_KEY):
            self._subscription_subscribe_partners()
        return super()._post(soft=soft)

    def _subscription_subscribe_partners(self):
        """Make the partner of each move a follower, as posting does one move
        at a time (``_post``: a search, a check and two inserts per move),
        for the whole batch in one check and one create: active partners
        only, with Odoo's default subtypes (the external ones for customers,
        ``mail.followers._add_default_followers``), existing followers left
        as they are. Posting then finds them subscribed."""
        moves = self.filtered(lambda move: move.partner_id.active)
        if not moves:
            return
        partners = moves.partner_id
        Followers = self.env["mail.followers"].sudo().with_context(default_partner_id=False)
        existing = {
            (res_id, partner_id)
            for _fid, res_id, partner_id, _sids in Followers._get_subscription_data(
                [(self._name, moves.ids)], partners.ids
            )
        }
        customers = partners.filtered("partner_share").ids
        values = []
        for partner, partner_moves in moves.grouped("partner_id").items():
            res_ids = [move.id for move in partner_moves if (move.id, partner.id) not in existing]
            if not res_ids:
                continue
            new, _update = Followers._add_default_followers(
                self._name, res_ids, partner.ids, customer_ids=customers, check_existing=False
            )
            values += [
                dict(vals, res_id=res_id) for res_id, vals_list in new.items() for vals in vals_list
            ]
        Followers.create(values)
        moves.invalidate_recordset(["message_follower_ids", "message_partner_ids"])

    def action_reissue_period_invoice(self):
        """Invoice again the subscription period of these cancelled period
        invoices (e.g. cancelled for a wrong address or tax): a new invoice
        for the same period, with the subscription's current partner data and
        taxes, posted and then charged or sent like any period invoice."""
        self.check_access("write")
        Period = self.env["subscription.billing.period"].sudo()
        invoices = self.env["account.move"]
        for move in self:
            if move.subscription_invoice_kind != "period" or move.state != "cancel":
                raise UserError(
                    _(
                        "Only a cancelled subscription period invoice can be issued again "
                        "(%(name)s is not one).",
                        name=move.display_name,
                    )
                )
            period = Period.search(
                [
                    ("subscription_id", "=", move.subscription_id.id),
                    ("date_start", "=", move.subscription_period_start),
                ]
            ) or Period._create_from_invoice(move)
            invoices |= period._reissue()
        if len(invoices) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": invoices.id,
                "view_mode": "form",
            }
        return True

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self.subscription_id._on_invoice_paid(self)
        return res
