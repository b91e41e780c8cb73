# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Customer portal, the self-service routes: change plan (form, preview,
confirmation), pause, resume, undo a scheduled change or cancellation, cancel.

Each route checks access like the pages do (``_get_subscription_or_refuse``),
then checks that the action is offered (``_get_subscription_portal_actions``)
and runs the model's public method in a savepoint: on a business error the
customer sees the message and nothing is written. Only ids, quantities, dates
and free text are read from the browser: prices always come from the catalog.
"""

import re

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from .portal_pages import SubscriptionPortalPages

ADDON_INPUT = re.compile(r"^addon_(\d+)$")
# Well below PostgreSQL's int4 limit: a typo must give a message, not a crash.
MAX_PORTAL_QUANTITY = 1000000


class SubscriptionPortalActions(SubscriptionPortalPages):
    """Self-service routes; ``portal.SubscriptionPortal`` is the class to inherit."""

    # ------------------------------------------------------------
    # Change plan: form, preview, confirmation
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>/change",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
    )
    def portal_subscription_change(self, subscription_id, access_token=None, **kwargs):
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, access_token)
        if "change" not in self._get_subscription_portal_actions(subscription_sudo):
            return request.redirect(
                self._get_subscription_portal_url(subscription_sudo, access_token)
            )
        # Coming back from the preview page: keep the customer's choices.
        data = kwargs if "tier_id" in kwargs else None
        return self._render_subscription_change(subscription_sudo, access_token, data)

    @http.route(
        "/my/subscriptions/<int:subscription_id>/change/preview",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_change_preview(self, subscription_id, access_token=None, **post):
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, access_token)
        options = self._prepare_subscription_change_options(subscription_sudo)
        try:
            self._check_subscription_portal_action(subscription_sudo, "change")
            choices = self._parse_subscription_change(options, post)
            preview = subscription_sudo.preview_change(**choices)
        except (UserError, ValueError) as error:  # ValidationError is a UserError
            return self._render_subscription_change(
                subscription_sudo,
                access_token,
                post,
                error=self._error_message(error),
                options=options,
            )
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(
            {
                "subscription_step": request.env._("Change plan"),
                "preview": preview,
                "choices": choices,
                "new_tier": options["tiers"].filtered(lambda t: t.id == choices["tier_id"]),
                "new_cycle": options["cycles"].filtered(lambda c: c.id == choices["cycle_id"]),
                "currency": subscription_sudo.currency_id,
                "back_url": self._get_subscription_portal_url(
                    subscription_sudo,
                    access_token,
                    "/change",
                    **self._get_subscription_change_query(choices),
                ),
            }
        )
        return request.render("subscription_core.subscription_portal_change_preview", values)

    @http.route(
        "/my/subscriptions/<int:subscription_id>/change/confirm",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_change_confirm(self, subscription_id, access_token=None, **post):
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, access_token)
        options = self._prepare_subscription_change_options(subscription_sudo)
        try:
            self._check_subscription_portal_action(subscription_sudo, "change")
            choices = self._parse_subscription_change(options, post)
            with request.env.cr.savepoint():
                result = subscription_sudo.change_plan(**choices)
        except (UserError, ValueError) as error:
            return self._render_subscription_change(
                subscription_sudo,
                access_token,
                post,
                error=self._error_message(error),
                options=options,
            )
        scheduled = isinstance(result, dict) and result.get("effective") == "period_end"
        return request.redirect(
            self._get_subscription_portal_url(
                subscription_sudo,
                access_token,
                message="change_scheduled" if scheduled else "plan_changed",
            )
        )

    def _render_subscription_change(
        self, subscription_sudo, access_token, data, error=None, options=None
    ):
        options = options or self._prepare_subscription_change_options(subscription_sudo)
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(options)
        values.update(
            {
                "subscription_step": request.env._("Change plan"),
                "form": self._get_subscription_change_form(subscription_sudo, data),
                "error": error,
            }
        )
        return request.render("subscription_core.subscription_portal_change", values)

    def _prepare_subscription_change_options(self, subscription_sudo):
        """What the customer may choose from, with catalog prices for display.

        Tiers and cycles are those of the subscription's company with a
        catalog price in its currency (the current ones are always listed).

        :return: dict with ``tiers``, ``cycles``, ``addons`` (recordsets, sudo)
            and ``tier_prices``/``addon_prices`` ({id: amount} for the
            subscription's current cycle and currency).
        """
        env = request.env
        company = subscription_sudo.company_id
        cycle = subscription_sudo.cycle_id
        tiers = env["subscription.tier"].sudo().search([("company_id", "in", [False, company.id])])
        addons = tiers.addon_ids.filtered("active")
        prices = (
            env["subscription.price"]
            .sudo()
            .search(
                [
                    "|",
                    ("tier_id", "in", tiers.ids),
                    ("addon_id", "in", addons.ids),
                    ("currency_id", "=", subscription_sudo.currency_id.id),
                ]
            )
        )
        tier_prices = prices.filtered("tier_id")
        tiers = tiers.filtered(lambda t: t in tier_prices.tier_id or t == subscription_sudo.tier_id)
        cycles = (tier_prices.cycle_id.filtered("active") | cycle).sorted()
        current_prices = prices.filtered(lambda p: p.cycle_id == cycle)
        return {
            "tiers": tiers,
            "cycles": cycles,
            "addons": addons.filtered(lambda a: a.tier_ids & tiers),
            "tier_prices": {p.tier_id.id: p.amount for p in current_prices if p.tier_id},
            "addon_prices": {p.addon_id.id: p.amount for p in current_prices if p.addon_id},
        }

    def _get_subscription_change_form(self, subscription_sudo, data=None):
        """Values to fill the change form with: ``data`` (what the customer
        posted) when given, else the current plan."""
        if data is None:
            return {
                "tier_id": subscription_sudo.tier_id.id,
                "cycle_id": subscription_sudo.cycle_id.id,
                "quantity": subscription_sudo.quantity,
                "addons": {
                    line.addon_id.id: line.quantity for line in subscription_sudo.addon_line_ids
                },
            }
        addons = {}
        for key, value in data.items():
            match = ADDON_INPUT.match(key)
            if match:
                addons[int(match.group(1))] = value
        return {
            "tier_id": self._parse_portal_id(data.get("tier_id")),
            "cycle_id": self._parse_portal_id(data.get("cycle_id")),
            "quantity": data.get("quantity", ""),
            "addons": addons,
        }

    def _parse_subscription_change(self, options, data):
        """Turn the posted change form into ``preview_change``/``change_plan``
        arguments.

        Only ids and quantities are read; any price or amount in ``data`` is
        ignored. The add-on set is the whole desired set (what is not posted
        is removed), as the model expects.

        :raise UserError: on any invalid choice.
        """
        tier_id = self._parse_portal_id(data.get("tier_id"))
        tier = options["tiers"].filtered(lambda t: t.id == tier_id)
        if not tier:
            raise UserError(request.env._("Please choose one of the plans offered."))
        cycle_id = self._parse_portal_id(data.get("cycle_id"))
        cycle = options["cycles"].filtered(lambda c: c.id == cycle_id)
        if not cycle:
            raise UserError(request.env._("Please choose one of the billing cycles offered."))
        quantity = self._parse_portal_quantity(data.get("quantity"), request.env._("Seats"))
        offered_addons = {addon.id: addon for addon in options["addons"]}
        addons = {}
        for key, value in data.items():
            match = ADDON_INPUT.match(key)
            if not match:
                continue
            addon = offered_addons.get(int(match.group(1)))
            if not addon:
                raise UserError(request.env._("This add-on is not available."))
            value = str(value).strip()
            if not value:  # an empty quantity field: none
                continue
            quantity_addon = self._parse_portal_quantity(value, addon.name, minimum=0)
            if not quantity_addon:
                continue
            if addon not in tier.addon_ids:
                raise UserError(
                    request.env._(
                        "The add-on %(addon)s is not available with the %(tier)s plan.",
                        addon=addon.name,
                        tier=tier.name,
                    )
                )
            addons[addon.id] = quantity_addon if addon.per_unit else 1
        return {
            "tier_id": tier.id,
            "cycle_id": cycle.id,
            "quantity": quantity,
            "addons": addons,
        }

    def _get_subscription_change_query(self, choices):
        query = {
            "tier_id": choices["tier_id"],
            "cycle_id": choices["cycle_id"],
            "quantity": choices["quantity"],
        }
        query.update({f"addon_{addon_id}": qty for addon_id, qty in choices["addons"].items()})
        return query

    # ------------------------------------------------------------
    # Pause, resume, undo, cancel
    # ------------------------------------------------------------

    @http.route(
        "/my/subscriptions/<int:subscription_id>/pause",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_pause(self, subscription_id, access_token=None, until=None, **_post):
        def pause(subscription_sudo):
            try:
                until_date = fields.Date.to_date(until) if until else None
            except ValueError:
                raise UserError(request.env._("Please enter a valid resume date.")) from None
            subscription_sudo.action_pause(until=until_date)

        return self._do_subscription_portal_action(
            subscription_id, access_token, "pause", pause, "paused"
        )

    @http.route(
        "/my/subscriptions/<int:subscription_id>/resume",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_resume(self, subscription_id, access_token=None, **_post):
        return self._do_subscription_portal_action(
            subscription_id,
            access_token,
            "resume",
            lambda subscription_sudo: subscription_sudo.action_resume(),
            "resumed",
        )

    @http.route(
        "/my/subscriptions/<int:subscription_id>/reactivate",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_reactivate(self, subscription_id, access_token=None, **_post):
        return self._do_subscription_portal_action(
            subscription_id,
            access_token,
            "reactivate",
            lambda subscription_sudo: subscription_sudo.action_undo_cancel(),
            "reactivated",
        )

    @http.route(
        "/my/subscriptions/<int:subscription_id>/undo_change",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_subscription_undo_change(self, subscription_id, access_token=None, **_post):
        def undo_change(subscription_sudo):
            subscription_sudo.action_cancel_pending_change()
            # A withdrawn change leaves no ledger event: tell the staff here.
            subscription_sudo.message_post(
                body=request.env._("The customer withdrew the scheduled plan change."),
                subtype_xmlid="mail.mt_note",
            )

        return self._do_subscription_portal_action(
            subscription_id, access_token, "undo_change", undo_change, "change_undone"
        )

    @http.route(
        "/my/subscriptions/<int:subscription_id>/cancel",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_subscription_cancel(self, subscription_id, access_token=None, **post):
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, access_token)
        if "cancel" not in self._get_subscription_portal_actions(subscription_sudo):
            if request.httprequest.method == "POST":
                return self._render_subscription_page(
                    subscription_sudo, access_token, error=self._action_unavailable_message()
                )
            return request.redirect(
                self._get_subscription_portal_url(subscription_sudo, access_token)
            )
        reasons = (
            request.env["subscription.cancel.reason"].sudo().search([("kind", "=", "voluntary")])
        )
        error = None
        if request.httprequest.method == "POST":
            at_period_end = post.get("when") != "now"
            try:
                reason_id = self._parse_portal_id(post.get("reason_id"))
                reason = reasons.filtered(lambda r: r.id == reason_id)
                if not reason:
                    raise UserError(request.env._("Please tell us why you are cancelling."))
                feedback = (post.get("feedback") or "").strip() or None
                with request.env.cr.savepoint():
                    subscription_sudo.action_cancel(
                        reason.id, feedback=feedback, at_period_end=at_period_end
                    )
            except (UserError, ValueError) as exc:
                error = self._error_message(exc)
            else:
                return request.redirect(
                    self._get_subscription_portal_url(
                        subscription_sudo,
                        access_token,
                        message="cancel_scheduled" if at_period_end else "cancelled",
                    )
                )
        values = self._prepare_subscription_common_values(subscription_sudo, access_token)
        values.update(
            {
                "subscription_step": request.env._("Cancel"),
                "reasons": reasons,
                "form": {
                    "reason_id": self._parse_portal_id(post.get("reason_id")),
                    "feedback": post.get("feedback") or "",
                    "when": "now" if post.get("when") == "now" else "period_end",
                },
                "error": error,
            }
        )
        return request.render("subscription_core.subscription_portal_cancel", values)

    def _do_subscription_portal_action(
        self, subscription_id, access_token, action, callback, message
    ):
        """Check access, check ``action`` is offered, run ``callback`` on the
        sudo'ed record in a savepoint and redirect to the detail page; on a
        business error show it on the detail page, nothing written."""
        subscription_sudo = self._get_subscription_or_refuse(subscription_id, access_token)
        try:
            self._check_subscription_portal_action(subscription_sudo, action)
            with request.env.cr.savepoint():
                callback(subscription_sudo)
        except (UserError, ValueError) as error:
            return self._render_subscription_page(
                subscription_sudo, access_token, error=self._error_message(error)
            )
        return request.redirect(
            self._get_subscription_portal_url(subscription_sudo, access_token, message=message)
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _check_subscription_portal_action(self, subscription_sudo, action):
        if action not in self._get_subscription_portal_actions(subscription_sudo):
            raise UserError(self._action_unavailable_message())

    def _action_unavailable_message(self):
        return request.env._("This action is not available for this subscription.")

    @staticmethod
    def _parse_portal_quantity(value, label, minimum=1):
        try:
            number = int(str(value).strip())
        except ValueError:
            raise UserError(
                request.env._("%(label)s: please enter a whole number.", label=label)
            ) from None
        if number < minimum:
            raise UserError(
                request.env._(
                    "%(label)s: the quantity must be at least %(minimum)s.",
                    label=label,
                    minimum=minimum,
                )
            )
        if number > MAX_PORTAL_QUANTITY:
            raise UserError(
                request.env._(
                    "%(label)s: the quantity cannot exceed %(maximum)s.",
                    label=label,
                    maximum=MAX_PORTAL_QUANTITY,
                )
            )
        return number

    @staticmethod
    def _error_message(error):
        if isinstance(error, UserError):
            return error.args[0] if error.args else str(error)
        return str(error)
