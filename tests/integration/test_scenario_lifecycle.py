# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Suite-wide scenarios: an integrator drives subscription_core over time.

Everything goes through the public names of DESIGN.md: the catalog models,
the lifecycle methods of ``subscription.subscription`` and the renewal
engine's scheduled action, run day by day under a frozen clock. The catalog
is built here from scratch (the test database has no demo data), by a
catalog manager; the subscriptions are run by a salesperson who only has
the "Subscriptions / User" group. Nothing private (``_...``) is called.
"""

from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, freeze_time

CRON_XMLID = "subscription_core.ir_cron_subscription_process_due"


def _prorated(amount, start, end, on):
    """Unused part of ``amount`` for the half-open period [start, end) on ``on``."""
    return round(amount * (end - on).days / (end - start).days, 2)


class ScenarioCase(TransactionCase):
    """Catalog (public models only) and the two people who use it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.env.company.currency_id
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.catalog_manager = Users.create(
            {
                "name": "Catalog Manager",
                "login": "scenario_catalog_manager",
                "email": "catalog.manager@example.com",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("base.group_partner_manager").id,
                            cls.env.ref("product.group_product_manager").id,
                            cls.env.ref("subscription_core.group_subscription_manager").id,
                        ]
                    )
                ],
            }
        )
        cls.salesperson = Users.create(
            {
                "name": "Subscription Salesperson",
                "login": "scenario_salesperson",
                "email": "salesperson@example.com",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("base.group_user").id,
                            cls.env.ref("subscription_core.group_subscription_user").id,
                        ]
                    )
                ],
            }
        )
        env = cls.env(user=cls.catalog_manager)
        Cycle = env["subscription.cycle"]
        cls.monthly = Cycle.create(
            {"name": "Scenario Monthly", "interval_unit": "month", "interval_count": 1}
        )
        cls.yearly = Cycle.create(
            {"name": "Scenario Yearly", "interval_unit": "year", "interval_count": 1}
        )
        cls.storage = cls._create_item(
            env, "subscription.addon", {"name": "Scenario Storage", "per_unit": True}, 5.0
        )
        cls.starter = cls._create_item(
            env,
            "subscription.tier",
            {"name": "Scenario Starter", "code": "scn-starter", "sequence": 10},
            10.0,
        )
        cls.growth = cls._create_item(
            env,
            "subscription.tier",
            {"name": "Scenario Growth", "code": "scn-growth", "sequence": 20, "trial_days": 14},
            30.0,
        )
        (cls.starter | cls.growth).write({"addon_ids": [Command.set(cls.storage.ids)]})
        # A tier sold yearly only: no monthly price on purpose.
        cls.annual_only = cls._create_item(
            env,
            "subscription.tier",
            {"name": "Scenario Annual", "code": "scn-annual", "sequence": 30},
            None,
        )
        env["subscription.price"].create(
            {
                "tier_id": cls.annual_only.id,
                "cycle_id": cls.yearly.id,
                "currency_id": cls.currency.id,
                "amount": 1000.0,
            }
        )
        cls.reason = env["subscription.cancel.reason"].create(
            {"name": "Scenario: too expensive", "kind": "voluntary"}
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Scenario Customer",
                "email": "scenario.customer@example.com",
                "is_company": True,
            }
        )
        cls.cron = cls.env.ref(CRON_XMLID)

    @classmethod
    def _create_item(cls, env, model, vals, monthly_amount):
        """A tier or add-on with its service product and its prices (yearly = 10 months)."""
        product = env["product.product"].create({"name": vals["name"], "type": "service"})
        item = env[model].create({**vals, "product_id": product.id})
        if monthly_amount is not None:
            field = "tier_id" if model == "subscription.tier" else "addon_id"
            env["subscription.price"].create(
                [
                    {
                        field: item.id,
                        "cycle_id": cycle.id,
                        "currency_id": cls.currency.id,
                        "amount": amount,
                    }
                    for cycle, amount in (
                        (cls.monthly, monthly_amount),
                        (cls.yearly, monthly_amount * 10),
                    )
                ]
            )
        return item

    # -- helpers -------------------------------------------------------------

    def _subscribe(self, day, partner=None, **vals):
        """Create a subscription as the salesperson and start it on ``day``."""
        with freeze_time(day):
            sub = self.env(user=self.salesperson)["subscription.subscription"].create(
                {
                    "partner_id": (partner or self.customer).id,
                    "tier_id": self.starter.id,
                    "cycle_id": self.monthly.id,
                    "date_start": day,
                    **vals,
                }
            )
            self.assertEqual(sub.state, "draft")
            sub.action_start()
        return sub

    def _run_cron(self, day):
        """The scheduler runs the renewal engine on ``day``."""
        with freeze_time(day):
            self.cron.method_direct_trigger()

    def _types(self, sub):
        return sub.event_ids.sorted("id").mapped("event_type")

    def assertPeriod(self, sub, start, end):
        self.assertEqual(
            (sub.current_period_start, sub.current_period_end),
            (start, end),
            f"{sub.name}: current period",
        )

    def assertLedger(self, sub):
        """The ledger is a chain (each event starts where the previous one
        ended) whose movements sum to the subscription's MRR."""
        events = sub.event_ids.sorted("id")
        previous = 0.0
        for event in events:
            self.assertAlmostEqual(
                event.mrr_before,
                previous,
                places=2,
                msg=f"{event.event_type}: mrr_before breaks the chain",
            )
            self.assertAlmostEqual(event.mrr_delta, event.mrr_after - event.mrr_before, places=2)
            previous = event.mrr_after
        self.assertAlmostEqual(
            sum(events.mapped("mrr_delta")),
            sub.mrr_company,
            places=2,
            msg=f"the ledger of {sub.name} does not sum to its MRR",
        )
        self.assertAlmostEqual(previous, sub.mrr_company, places=2)

    def assertPartner(self, partner, stage, mrr, churn_date=False):
        self.assertEqual(
            (partner.lifecycle_stage, partner.churn_date),
            (stage, churn_date),
            f"{partner.name}: lifecycle stage and churn date",
        )
        self.assertAlmostEqual(partner.mrr, mrr, places=2, msg=f"{partner.name}: MRR")


class TestScenarioLifecycle(ScenarioCase):
    def test_catalog_is_built_through_public_models(self):
        self.assertEqual(self.starter.price_ids.mapped("amount"), [10.0, 100.0])
        self.assertEqual(self.storage.tier_ids, self.starter | self.growth)
        self.assertEqual(self.customer.lifecycle_stage, "prospect")
        self.assertEqual(self.customer.subscription_count, 0)
        # The salesperson reads the catalog but cannot change it.
        catalog = self.env(user=self.salesperson)["subscription.tier"]
        self.assertIn(self.growth, catalog.search([("code", "like", "scn-")]))
        self.assertFalse(catalog.has_access("write"))

    def test_trial_downgrade_addon_cancel_reactivate(self):
        """One customer's year: trial, activation by the engine, a downgrade
        at period end, an add-on mid-period, a cancellation at period end,
        the end of service and a comeback."""
        customer = self.customer
        sub = self._subscribe(date(2026, 1, 17), tier_id=self.growth.id, quantity=2)
        self.assertEqual(sub.state, "trial")
        self.assertEqual(sub.trial_end_date, date(2026, 1, 31), "14 days from 17 Jan")
        self.assertEqual(sub.next_action_date, date(2026, 1, 31))
        self.assertEqual(sub.mrr, 0.0)
        self.assertEqual(sub.user_id, self.salesperson)
        self.assertPartner(customer, "trial", 0.0)
        self.assertEqual(customer.first_subscription_date, date(2026, 1, 17))
        self.assertEqual(customer.subscription_count, 1)

        # The trial runs until the engine activates it on its last day + 1.
        self._run_cron(date(2026, 1, 30))
        self.assertEqual(sub.state, "trial")
        self._run_cron(date(2026, 1, 31))
        self.assertEqual(sub.state, "active")
        self.assertPeriod(sub, date(2026, 1, 31), date(2026, 2, 28))
        self.assertEqual((sub.recurring_amount, sub.mrr, sub.mrr_company), (60.0, 60.0, 60.0))
        self.assertPartner(customer, "active", 60.0)
        activated = sub.event_ids.filtered(lambda e: e.event_type == "activated")
        self.assertEqual(activated.effective_date, date(2026, 1, 31))
        # Re-running the engine the same day changes nothing.
        events = len(sub.event_ids)
        self._run_cron(date(2026, 1, 31))
        self.assertEqual(len(sub.event_ids), events)

        # 10 Feb: the customer downgrades; by default it waits for the renewal.
        sub = sub.with_user(self.salesperson)
        with freeze_time("2026-02-10"):
            preview = sub.preview_change(tier_id=self.starter.id)
            self.assertEqual(preview["change_type"], "downgrade")
            self.assertEqual(preview["effective"], "period_end")
            self.assertEqual(preview["effective_date"], date(2026, 2, 28))
            self.assertEqual(
                (preview["credit"], preview["charge"], preview["net"]), (0.0, 0.0, 0.0)
            )
            self.assertEqual(preview["recurring_amount_after"], 20.0)
            self.assertEqual(len(sub.event_ids), events, "a preview writes nothing")
            self.assertEqual(sub.tier_id, self.growth)
            result = sub.change_plan(tier_id=self.starter.id)
        self.assertEqual(result["effective_date"], date(2026, 2, 28))
        self.assertTrue(sub.has_pending_change)
        self.assertEqual(sub.tier_id, self.growth, "still Growth until the renewal")
        self.assertEqual(sub.mrr, 60.0)
        self.assertEqual(len(sub.event_ids), events, "scheduling is not a movement yet")

        # 28 Feb: the engine renews into [28 Feb, 31 Mar) on the new plan.
        self._run_cron(date(2026, 2, 27))
        self.assertPeriod(sub, date(2026, 1, 31), date(2026, 2, 28))
        self._run_cron(date(2026, 2, 28))
        self.assertPeriod(sub, date(2026, 2, 28), date(2026, 3, 31))
        self.assertEqual(sub.tier_id, self.starter)
        self.assertFalse(sub.has_pending_change)
        self.assertEqual((sub.recurring_amount, sub.mrr), (20.0, 20.0))
        self.assertEqual(self._types(sub)[-2:], ["downgraded", "renewed"])
        downgraded = sub.event_ids.filtered(lambda e: e.event_type == "downgraded")
        self.assertEqual(
            (downgraded.tier_from_id, downgraded.tier_to_id), (self.growth, self.starter)
        )
        self.assertEqual(downgraded.mrr_delta, -40.0)
        self.assertPartner(customer, "active", 20.0)

        # 15 Mar: two units of storage, an upgrade applied now, prorated by day.
        with freeze_time("2026-03-15"):
            preview = sub.preview_change(addons={self.storage.id: 2})
            result = sub.change_plan(addons={str(self.storage.id): 2})
        period = (date(2026, 2, 28), date(2026, 3, 31))
        credit = _prorated(20.0, *period, date(2026, 3, 15))
        charge = _prorated(30.0, *period, date(2026, 3, 15))
        self.assertEqual(result, preview, "change_plan applies what preview_change showed")
        self.assertEqual(preview["change_type"], "upgrade")
        self.assertEqual(preview["effective"], "now")
        self.assertEqual(preview["effective_date"], date(2026, 3, 15))
        self.assertEqual((preview["credit"], preview["charge"]), (credit, charge))
        self.assertAlmostEqual(preview["net"], charge - credit, places=2)
        self.assertEqual(
            [(line["name"], line["quantity"], line["price_unit"]) for line in preview["lines"]],
            [("Scenario Starter", 2, 10.0), ("Scenario Storage", 2, 5.0)],
        )
        self.assertPeriod(sub, *period)
        self.assertEqual(sub.addon_line_ids.mapped("quantity"), [2])
        self.assertEqual(sub.mrr, 30.0)
        added = sub.event_ids.sorted("id")[-1]
        self.assertEqual(added.event_type, "addon_added")
        self.assertEqual((added.amount_credit, added.amount_charge), (credit, charge))
        self.assertEqual(added.mrr_delta, 10.0)

        self._run_cron(date(2026, 3, 31))
        self.assertPeriod(sub, date(2026, 3, 31), date(2026, 4, 30))

        # 10 Apr: cancellation at period end; the service runs until 30 Apr.
        with freeze_time("2026-04-10"):
            sub.action_cancel(self.reason.id, feedback="Budget cut")
            with self.assertRaisesRegex(UserError, "cancelling"):
                sub.change_plan(quantity=3)
        self.assertEqual(sub.state, "active")
        self.assertTrue(sub.cancel_at_period_end)
        self.assertEqual(sub.cancel_reason_id, self.reason)
        self.assertEqual(sub.mrr, 30.0, "paid until the end of the period")
        self.assertPartner(customer, "active", 30.0)
        self._run_cron(date(2026, 4, 29))
        self.assertEqual(sub.state, "active")
        self._run_cron(date(2026, 4, 30))
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(sub.cancel_date, date(2026, 4, 30))
        self.assertFalse(sub.next_action_date)
        self.assertEqual(sub.mrr, 0.0)
        cancelled = sub.event_ids.sorted("id")[-1]
        self.assertEqual(
            (
                cancelled.event_type,
                cancelled.effective_date,
                cancelled.reason_id,
                cancelled.mrr_delta,
            ),
            ("cancelled", date(2026, 4, 30), self.reason, -30.0),
        )
        self.assertPartner(customer, "churned", 0.0, date(2026, 4, 30))
        # A cancelled subscription is no longer the engine's business.
        events = len(sub.event_ids)
        self._run_cron(date(2026, 5, 31))
        self.assertEqual(len(sub.event_ids), events)

        # 15 May: the customer comes back; a new period starts that day.
        with freeze_time("2026-05-15"):
            sub.action_reactivate()
        self.assertEqual(sub.state, "active")
        self.assertPeriod(sub, date(2026, 5, 15), date(2026, 6, 15))
        self.assertFalse(sub.cancel_date)
        self.assertFalse(sub.cancel_at_period_end)
        self.assertEqual(sub.mrr, 30.0)
        self.assertPartner(customer, "active", 30.0)
        self._run_cron(date(2026, 6, 15))
        self.assertPeriod(sub, date(2026, 6, 15), date(2026, 7, 15))

        self.assertEqual(
            self._types(sub),
            [
                "created",
                "trial_started",
                "activated",
                "downgraded",
                "renewed",
                "addon_added",
                "renewed",
                "cancel_scheduled",
                "cancelled",
                "reactivated",
                "renewed",
            ],
        )
        self.assertEqual(
            sub.event_ids.sorted("id").mapped("mrr_after"),
            [0.0, 0.0, 60.0, 20.0, 20.0, 30.0, 30.0, 30.0, 0.0, 30.0, 30.0],
        )
        self.assertLedger(sub)

    def test_fixed_term_expiry_with_missed_runs(self):
        """A fixed term ending mid-period: the last period is cut short, and
        an engine that missed days catches up in one run."""
        sub = self._subscribe(date(2026, 1, 31), date_end=date(2026, 4, 15), kind="membership")
        self.assertEqual(sub.state, "active")
        self.assertPeriod(sub, date(2026, 1, 31), date(2026, 2, 28))
        self._run_cron(date(2026, 2, 28))
        self.assertPeriod(sub, date(2026, 2, 28), date(2026, 3, 31))
        # The scheduler is down from 1 March to 19 April.
        self._run_cron(date(2026, 4, 20))
        self.assertEqual(sub.state, "expired")
        self.assertEqual(sub.date_end, date(2026, 4, 15))
        self.assertEqual(sub.mrr, 0.0)
        self.assertFalse(sub.next_action_date)
        events = sub.event_ids.sorted("id")
        self.assertEqual(
            [(e.event_type, e.effective_date) for e in events[1:]],
            [
                ("activated", date(2026, 1, 31)),
                ("renewed", date(2026, 2, 28)),
                ("renewed", date(2026, 3, 31)),
                ("expired", date(2026, 4, 15)),
            ],
        )
        self.assertEqual(sub.current_period_end, date(2026, 4, 15), "last period clipped")
        self.assertLedger(sub)
        self.assertPartner(self.customer, "churned", 0.0, date(2026, 4, 15))
        with freeze_time("2026-04-21"), self.assertRaisesRegex(UserError, "fixed term"):
            sub.with_user(self.salesperson).action_reactivate()
        self.assertEqual(sub.state, "expired")

    def test_no_auto_renew_expires_at_period_end(self):
        sub = self._subscribe(date(2026, 1, 31), auto_renew=False)
        self._run_cron(date(2026, 2, 27))
        self.assertEqual(sub.state, "active")
        self._run_cron(date(2026, 2, 28))
        self.assertEqual(sub.state, "expired")
        self.assertEqual(sub.date_end, date(2026, 2, 28))
        self.assertEqual(self._types(sub), ["created", "activated", "expired"])
        self.assertLedger(sub)
        self.assertPartner(self.customer, "churned", 0.0, date(2026, 2, 28))

    def test_pause_resume_upgrade_and_cancel_now(self):
        sub = self._subscribe(date(2026, 1, 31), quantity=3).with_user(self.salesperson)
        self.assertEqual(sub.mrr, 30.0)
        # Pause on 10 Feb until 10 Mar: the unused days are credited.
        with freeze_time("2026-02-10"):
            with self.assertRaisesRegex(UserError, "after today"):
                sub.action_pause(until="2026-02-10")
            sub.action_pause(until="2026-03-10")
        self.assertEqual(sub.state, "paused")
        self.assertEqual(
            (sub.pause_until, sub.next_action_date), (date(2026, 3, 10), date(2026, 3, 10))
        )
        self.assertEqual(sub.mrr, 0.0)
        paused = sub.event_ids.sorted("id")[-1]
        self.assertEqual(paused.event_type, "paused")
        self.assertEqual(
            paused.amount_credit,
            _prorated(30.0, date(2026, 1, 31), date(2026, 2, 28), date(2026, 2, 10)),
        )
        self.assertPartner(self.customer, "paused", 0.0)
        # The old renewal date passes without a renewal; the engine resumes it.
        self._run_cron(date(2026, 2, 28))
        self.assertEqual(sub.state, "paused")
        self._run_cron(date(2026, 3, 10))
        self.assertEqual(sub.state, "active")
        self.assertPeriod(sub, date(2026, 3, 10), date(2026, 4, 10))
        self.assertFalse(sub.pause_until)
        self.assertPartner(self.customer, "active", 30.0)

        # 25 Mar: upgrade to Growth, yearly. A new cycle starts a new period now.
        with freeze_time("2026-03-25"):
            preview = sub.preview_change(tier_id=self.growth.id, cycle_id=self.yearly.id)
            self.assertEqual(sub.tier_id, self.starter, "a preview writes nothing")
            result = sub.change_plan(tier_id=self.growth.id, cycle_id=self.yearly.id)
        self.assertEqual(result, preview)
        self.assertEqual((preview["change_type"], preview["effective"]), ("upgrade", "now"))
        self.assertEqual(
            preview["credit"],
            _prorated(30.0, date(2026, 3, 10), date(2026, 4, 10), date(2026, 3, 25)),
        )
        self.assertEqual(preview["charge"], 900.0, "a full yearly period of 3 Growth seats")
        self.assertEqual((sub.tier_id, sub.cycle_id), (self.growth, self.yearly))
        self.assertPeriod(sub, date(2026, 3, 25), date(2027, 3, 25))
        self.assertEqual(sub.mrr, 75.0)
        self.assertEqual(sub.state, "active", "no new trial on an upgrade")
        # A renewal date that is not due any more is left alone.
        self._run_cron(date(2026, 4, 10))
        self.assertPeriod(sub, date(2026, 3, 25), date(2027, 3, 25))

        # A pause without an end date, resumed by hand.
        with freeze_time("2026-04-01"):
            sub.action_pause()
        self.assertEqual(sub.state, "paused")
        self.assertFalse(sub.next_action_date)
        self._run_cron(date(2026, 4, 14))
        self.assertEqual(sub.state, "paused")
        with freeze_time("2026-04-15"):
            sub.action_resume()
        self.assertPeriod(sub, date(2026, 4, 15), date(2027, 4, 15))
        self.assertEqual(sub.mrr, 75.0)

        # 20 Apr: cancelled now, the unused part credited on the event.
        with freeze_time("2026-04-20"):
            sub.action_cancel(self.reason.id, feedback="Closing down", at_period_end=False)
        self.assertEqual(sub.state, "cancelled")
        self.assertEqual(sub.cancel_date, date(2026, 4, 20))
        self.assertEqual(sub.cancel_feedback, "Closing down")
        cancelled = sub.event_ids.sorted("id")[-1]
        self.assertEqual(
            cancelled.amount_credit,
            _prorated(900.0, date(2026, 4, 15), date(2027, 4, 15), date(2026, 4, 20)),
        )
        self.assertEqual(
            self._types(sub),
            [
                "created",
                "activated",
                "paused",
                "resumed",
                "upgraded",
                "paused",
                "resumed",
                "cancelled",
            ],
        )
        self.assertLedger(sub)
        self.assertPartner(self.customer, "churned", 0.0, date(2026, 4, 20))

    def test_customer_view_over_several_subscriptions(self):
        """The partner's stage is the most pressing one of its subscriptions;
        its MRR is their sum; it churns when the last one ends."""
        customer = self.customer
        contact = self.env(user=self.catalog_manager)["res.partner"].create(
            {"name": "Scenario Contact", "parent_id": customer.id}
        )
        trial = self._subscribe(date(2026, 1, 1), partner=contact, tier_id=self.growth.id)
        self.assertPartner(customer, "prospect", 0.0)
        self.assertPartner(contact, "trial", 0.0)
        self.assertEqual(trial.commercial_partner_id, customer)
        monthly = self._subscribe(date(2026, 1, 5), quantity=2)
        yearly = self._subscribe(date(2026, 1, 5), cycle_id=self.yearly.id)
        self.assertPartner(customer, "active", 20.0 + round(100.0 / 12, 2))
        self.assertEqual(customer.subscription_count, 2)
        self.assertEqual(customer.first_subscription_date, date(2026, 1, 5))
        with freeze_time("2026-01-10"):
            (monthly | yearly).with_user(self.salesperson).action_cancel(
                self.reason.id, at_period_end=False
            )
        self.assertPartner(customer, "churned", 0.0, date(2026, 1, 10))
        self._run_cron(date(2026, 1, 15))
        self.assertEqual(trial.state, "active")
        self.assertPartner(contact, "active", 30.0)
        for sub in trial | monthly | yearly:
            self.assertLedger(sub)
        self.assertEqual(trial.with_user(self.salesperson).event_ids.mapped("partner_id"), contact)

    def test_bad_requests_are_refused_and_write_nothing(self):
        Subscription = self.env(user=self.salesperson)["subscription.subscription"]
        with freeze_time("2026-01-10"):
            no_price = Subscription.create(
                {
                    "partner_id": self.customer.id,
                    "tier_id": self.annual_only.id,
                    "cycle_id": self.monthly.id,
                }
            )
            with self.assertRaisesRegex(UserError, "no price"):
                no_price.action_start()
            self.assertEqual(no_price.state, "draft")
            self.assertEqual(self._types(no_price), ["created"])
            future = Subscription.create(
                {
                    "partner_id": self.customer.id,
                    "tier_id": self.starter.id,
                    "cycle_id": self.monthly.id,
                    "date_start": "2026-02-01",
                }
            )
            with self.assertRaisesRegex(UserError, "2026-02-01"):
                future.action_start()
        sub = self._subscribe(date(2026, 1, 10)).with_user(self.salesperson)
        before = (sub.state, sub.tier_id, sub.quantity, len(sub.event_ids))
        with freeze_time("2026-01-12"):
            for call in (
                lambda: sub.action_resume(),
                lambda: sub.action_cancel(False),
                lambda: sub.change_plan(quantity=0),
                lambda: sub.change_plan(tier_id=999999999),
                lambda: sub.change_plan(addons={self.storage.id: -1}),
                lambda: sub.change_plan(tier_id=self.starter.id),
                lambda: sub.preview_change(effective="tomorrow", quantity=2),
            ):
                with self.assertRaises(UserError):
                    call()
        self.assertEqual((sub.state, sub.tier_id, sub.quantity, len(sub.event_ids)), before)
