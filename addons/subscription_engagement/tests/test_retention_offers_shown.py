# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from odoo import http
from odoo.tests import Form, HttpCase, freeze_time, tagged

from .common_retention import RetentionCommon


@tagged("post_install", "-at_install")
class TestRetentionOffersShown(RetentionCommon, HttpCase):
    """The save offers a cancellation flow showed are kept on the event that
    ended it: the 'Saved by Offer' event (one taken) or the cancellation
    (all declined); a cancellation without the flow keeps none."""

    def _event(self, sub, *types):
        return sub.event_ids.filtered(lambda e: e.event_type in types)

    def test_wizard_keeps_the_offers_shown(self):
        shown = self.offer_pause | self.offer_downgrade
        with freeze_time("2026-01-20"):
            saved = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro)
            form = Form(
                self.env["subscription.cancel"].with_context(default_subscription_id=saved.id)
            )
            form.reason_id = self.reason_other
            form.offer_id = self.offer_pause
            form.save().action_accept_offer()
            event = self._event(saved, "saved_by_offer")
            self.assertEqual(event.retention_offer_id, self.offer_pause)
            self.assertEqual(event.retention_offer_shown_ids, shown)

            declined = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro)
            form = Form(
                self.env["subscription.cancel"].with_context(default_subscription_id=declined.id)
            )
            form.reason_id = self.reason_other
            form.save().action_confirm()
            event = self._event(declined, "cancel_scheduled")
            self.assertEqual(event.retention_offer_shown_ids, shown)
            self.assertFalse(event.retention_offer_id)

            # No offer matches a Basic subscription for this reason: none kept.
            basic = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_basic)
            self.offer_pause.reason_ids = self.reason
            wizard = self.env["subscription.cancel"].create(
                {"subscription_id": basic.id, "reason_id": self.reason_other.id}
            )
            self.assertFalse(wizard.offer_ids)
            wizard.action_confirm()
            self.assertFalse(self._event(basic, "cancel_scheduled").retention_offer_shown_ids)

    def test_cancel_outside_the_flow_keeps_none(self):
        sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro)
        sub.action_cancel(self.reason_other.id, at_period_end=False)
        self.assertFalse(self._event(sub, "cancelled").retention_offer_shown_ids)

    def test_portal_keeps_the_offers_shown(self):
        accepted = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro)
        declined = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro)
        self.authenticate(self.portal_user.login, self.portal_user.login + "_password")

        def post(url, data):
            payload = {"csrf_token": http.Request.csrf_token(self), **data}
            return self.url_open(url, data=payload, allow_redirects=False)

        form = {"reason_id": self.reason.id, "feedback": "", "when": "period_end"}
        response = post(f"/my/subscriptions/{declined.id}/cancel", form)
        self.assertIn("20% off for 3 months", response.text)
        self.assertFalse(self._event(declined, "cancel_scheduled"), "shown, not decided yet")
        response = post(f"/my/subscriptions/{declined.id}/cancel", {**form, "offers_declined": "1"})
        self.assertEqual(response.status_code, 303)
        event = self._event(declined, "cancel_scheduled")
        self.assertEqual(
            event.retention_offer_shown_ids,
            self.offer_discount | self.offer_pause | self.offer_downgrade,
        )
        response = post(
            f"/my/subscriptions/{accepted.id}/cancel/offer",
            {"reason_id": self.reason.id, "offer_id": self.offer_downgrade.id},
        )
        self.assertEqual(response.status_code, 303)
        event = self._event(accepted, "saved_by_offer")
        self.assertEqual(event.retention_offer_id, self.offer_downgrade)
        self.assertEqual(
            event.retention_offer_shown_ids,
            self.offer_discount | self.offer_pause | self.offer_downgrade,
        )
