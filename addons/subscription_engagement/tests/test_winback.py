# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date, datetime

from werkzeug.urls import url_encode

from odoo import http
from odoo.tests import HttpCase, freeze_time, tagged

from .common_retention import RetentionCommon


class WinbackCommon(RetentionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmpl_winback = cls.env.ref("subscription_engagement.mail_template_winback")

    def _ended_subscription(self, partner=None):
        sub = self._started_subscription(on=date(2026, 1, 1), tier=self.tier_pro, partner=partner)
        with freeze_time("2026-02-10"):
            sub.action_cancel(self.reason.id, at_period_end=False)
        return sub


@tagged("post_install", "-at_install")
class TestWinback(WinbackCommon):
    def test_ended_on(self):
        sub = self._ended_subscription()
        self.assertEqual(sub.ended_on, date(2026, 2, 10))
        with freeze_time("2026-02-20"):
            sub.action_reactivate()
        self.assertFalse(sub.ended_on)

    def test_sent_30_days_after_the_end_once(self):
        sub = self._ended_subscription()
        self._run_automation_cron(datetime(2026, 3, 11, 23, 0))
        self.assertFalse(self._logs(sub, "winback"))
        self._run_automation_cron(datetime(2026, 3, 12, 1, 0))
        log = self._logs(sub, "winback")
        self.assertEqual(len(log), 1)
        self.assertEqual(log.period_key, "2026-02-10")
        mail = self._mails(sub, self.tmpl_winback)
        self.assertEqual(len(mail), 1)
        self.assertIn(f"/subscription/winback/{sub.id}?", mail.body_html)
        self.assertIn("20% off for 3 months", mail.body_html, "the win-back offer")
        self._run_automation_cron(datetime(2026, 3, 13, 1, 0))
        sub.invalidate_recordset()
        sub._engagement_send("winback", self.tmpl_winback, key_field="ended_on", marketing=True)
        self.assertEqual(len(self._logs(sub, "winback")), 1)
        self.assertEqual(len(self._mails(sub, self.tmpl_winback)), 1)

    def test_opted_out_customer_gets_none(self):
        sub = self._ended_subscription(partner=self.other_customer)
        self.other_customer._subscription_set_marketing_opt_out(True)
        self._run_automation_cron(datetime(2026, 3, 12, 1, 0))
        self.assertFalse(self._logs(sub, "winback"))

    def test_old_endings_are_not_written_to(self):
        sub = self._ended_subscription()
        self._run_automation_cron(datetime(2026, 6, 1, 1, 0))
        self.assertFalse(self._logs(sub, "winback"), "ended more than 60 days ago")

    def test_link_signature_and_expiry(self):
        sub = self._ended_subscription()
        with freeze_time("2026-03-12 10:00:00"):
            params = sub._winback_link_params(self.offer_discount)
            self.assertEqual(sub._winback_check_link(**self._args(params)), "ok")
        with freeze_time("2026-04-11 09:59:59"):
            self.assertEqual(sub._winback_check_link(**self._args(params)), "ok")
        with freeze_time("2026-04-11 10:00:00"):
            self.assertEqual(sub._winback_check_link(**self._args(params)), "expired")
        with freeze_time("2026-03-12 10:00:00"):
            other = self._ended_subscription(partner=self.other_customer)
            bad = [
                {**params, "offer": self.offer_pause.id},
                {**params, "expires": params["expires"] + 86400},
                # The last digit changed (a fixed "0" is the real one when the
                # token ends with 0: one run in sixteen).
                {
                    **params,
                    "token": params["token"][:-1] + ("1" if params["token"][-1] == "0" else "0"),
                },
                {**params, "token": ""},
                {**params, "expires": "soon"},
            ]
            for values in bad:
                with self.subTest(values=values):
                    self.assertEqual(sub._winback_check_link(**self._args(values)), "invalid")
            self.assertEqual(other._winback_check_link(**self._args(params)), "invalid")

    @staticmethod
    def _args(params):
        return {"offer_id": params["offer"], "expires": params["expires"], "token": params["token"]}

    def test_winback_offer_respects_the_window(self):
        sub = self._ended_subscription()
        self.assertEqual(sub._winback_offer(), self.offer_discount)
        self.offer_discount.winback = False
        self.assertFalse(sub._winback_offer())


@tagged("post_install", "-at_install")
class TestWinbackLink(WinbackCommon, HttpCase):
    def _url(self, sub, params):
        return f"/subscription/winback/{sub.id}?{url_encode(params)}"

    def _post(self, sub, params):
        data = {"csrf_token": http.Request.csrf_token(self), **params}
        return self.url_open(f"/subscription/winback/{sub.id}", data=data, allow_redirects=False)

    def test_one_click_reactivation_with_the_offer(self):
        sub = self._ended_subscription()
        params = sub._winback_link_params(self.offer_discount)
        response = self.url_open(self._url(sub, params))
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_subscription_winback_confirm", response.text)
        self.assertIn("20% off for 3 months", response.text)
        self.assertEqual(sub.state, "cancelled", "opening the link changes nothing")
        self.authenticate(None, None)
        response = self._post(sub, params)
        self.assertEqual(response.status_code, 303)
        self.assertIn("message=reactivated", response.headers["Location"])
        self.assertEqual(sub.state, "active")
        acceptance = sub.retention_acceptance_ids
        self.assertEqual(acceptance.offer_id, self.offer_discount)
        self.assertEqual(acceptance.source, "winback")
        self.assertIn("reactivated", sub.event_ids.mapped("event_type"))
        # Used again: nothing left to reactivate.
        response = self._post(sub, params)
        self.assertEqual(response.status_code, 200)
        self.assertIn("nothing to reactivate", response.text)
        self.assertEqual(len(sub.retention_acceptance_ids), 1)

    def test_expired_and_invalid_links_are_refused(self):
        sub = self._ended_subscription()
        with freeze_time("2026-03-12"):
            expired = sub._winback_link_params()
        response = self.url_open(self._url(sub, expired))
        self.assertIn("o_subscription_winback_expired", response.text)
        self.authenticate(None, None)
        response = self._post(sub, expired)
        self.assertIn("o_subscription_winback_expired", response.text)
        valid = sub._winback_link_params()
        for params in ({**valid, "token": "0" * 64}, {**valid, "offer": self.offer_discount.id}):
            with self.subTest(params=params):
                response = self._post(sub, params)
                self.assertIn("o_subscription_winback_invalid", response.text)
        response = self.url_open(f"/subscription/winback/999999999?{url_encode(valid)}")
        self.assertIn("o_subscription_winback_invalid", response.text)
        self.assertEqual(sub.state, "cancelled")
        self.assertFalse(sub.retention_acceptance_ids)

    def test_ended_fixed_term_starts_a_new_subscription(self):
        sub = self._started_subscription(
            on=date(2026, 1, 1), tier=self.tier_pro, date_end=date(2026, 3, 1)
        )
        self._renew(date(2026, 2, 1))
        self._renew(date(2026, 3, 1))
        self.assertEqual(sub.state, "expired")
        self.assertEqual(sub.ended_on, date(2026, 3, 1))
        params = sub._winback_link_params(self.offer_discount)
        self.authenticate(None, None)
        response = self._post(sub, params)
        self.assertEqual(response.status_code, 303)
        new = sub.winback_successor_id
        self.assertTrue(new)
        self.assertIn(f"/my/subscriptions/{new.id}?", response.headers["Location"])
        self.assertEqual(sub.state, "expired")
        self.assertEqual(new.state, "active")
        self.assertEqual(
            (new.partner_id, new.tier_id, new.cycle_id), (sub.partner_id, sub.tier_id, sub.cycle_id)
        )
        self.assertFalse(new.date_end)
        self.assertEqual(new.retention_acceptance_ids.offer_id, self.offer_discount)
        response = self._post(sub, params)
        self.assertIn("nothing to reactivate", response.text)
        self.assertEqual(
            self.env["subscription.subscription"].search_count(
                [("partner_id", "=", sub.partner_id.id), ("state", "=", "active")]
            ),
            1,
        )
