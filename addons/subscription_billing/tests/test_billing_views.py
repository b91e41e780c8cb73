# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingViews(BillingCommon):
    """The billing views load (every field they name exists and every
    inheritance applies), the forms work as the users who open them, and the
    settings save on the company."""

    def _assert_views_load(self, model, view_types, user=None):
        Model = self.env[model].with_user(user) if user else self.env[model]
        result = Model.get_views([(False, view_type) for view_type in view_types])
        for view_type in view_types:
            self.assertIn(view_type, result["views"], f"{model}: no {view_type} view")
        return result

    def _open_form(self, record, user):
        """Open ``record`` in its form view as ``user``, reading every field
        (and related display names) the way the web client does."""
        return Form(record.with_user(user))

    # ------------------------------------------------------------
    # Views render
    # ------------------------------------------------------------

    def test_views_load(self):
        for model, view_types in (
            ("subscription.subscription", ["form", "list", "search", "kanban"]),
            ("subscription.payment.attempt", ["form", "list", "search"]),
            ("subscription.dunning.policy", ["form", "list", "search"]),
            ("account.move", ["form", "list", "search"]),
            ("res.config.settings", ["form"]),
        ):
            with self.subTest(model=model):
                self._assert_views_load(model, view_types)

    def test_subscription_form_has_billing(self):
        arch = self._assert_views_load("subscription.subscription", ["form"])["views"]["form"][
            "arch"
        ]
        for needle in (
            'name="billing"',
            'name="action_view_invoices"',
            'name="action_retry_payment_now"',
            'name="action_stop_dunning"',
            'name="payment_attempt_ids"',
            "o_subscription_past_due_banner",
        ):
            self.assertIn(needle, arch)
        # Billing staff only: a subscription user does not get the dunning buttons.
        user_arch = self._assert_views_load(
            "subscription.subscription", ["form"], user=self.sub_user
        )["views"]["form"]["arch"]
        self.assertNotIn('name="action_retry_payment_now"', user_arch)
        self.assertNotIn('name="action_stop_dunning"', user_arch)
        self.assertIn('name="billing"', user_arch)

    def test_staff_open_subscription_with_billing_data(self):
        """A subscription with a saved card, an invoice and a failed attempt
        opens for subscription users and managers, with or without access to
        invoicing; the invoices button is for invoicing users."""
        sub = self._billed_subscription(on=fields.Date.today(), token=self.token_fail)
        self._process_attempts(fields.Datetime.now())
        self.assertTrue(sub.payment_attempt_ids)
        billing_staff = mail_new_test_user(
            self.env,
            login="billing_staff",
            name="Billing Staff",
            groups="subscription_core.group_subscription_manager,account.group_account_invoice",
        )
        for user in (self.sub_user, self.sub_manager, billing_staff):
            with self.subTest(user=user.login):
                form = self._open_form(sub, user)
                self.assertEqual(form.payment_token_id, self.token_fail)
                self.assertEqual(len(form.payment_attempt_ids), len(sub.payment_attempt_ids))
                self.assertEqual(form.dunning_state, sub.dunning_state)
        self.assertEqual(self._open_form(sub, billing_staff).invoice_count, 1)

    def test_staff_can_pick_the_customers_saved_card(self):
        """The payment method field of the Billing tab offers the customer's
        saved tokens to the people who manage subscriptions (payment's own
        rule only shows employees their own tokens)."""
        sub = self._new_subscription()
        domain = [
            ("partner_id", "child_of", sub.commercial_partner_id.id),
            ("active", "=", True),
        ]
        for user in (self.sub_user, self.sub_manager):
            with self.subTest(user=user.login):
                # What the field's radio widget reads.
                found = (
                    self.env["payment.token"].with_user(user).search_read(domain, ["display_name"])
                )
                self.assertIn(self.token_ok.id, [token["id"] for token in found])

    def test_attempt_and_policy_forms_open(self):
        sub = self._billed_subscription(on=fields.Date.today(), token=self.token_fail)
        attempt = sub.payment_attempt_ids[:1]
        self.assertTrue(attempt)
        for user in (self.sub_manager, self.sub_user):
            with self.subTest(user=user.login):
                form = self._open_form(attempt, user)
                self.assertEqual(form.state, attempt.state)
        policy = self.env.ref("subscription_billing.dunning_policy_default")
        form = self._open_form(policy, self.sub_manager)
        self.assertEqual(len(form.step_ids), len(policy.step_ids))

    # ------------------------------------------------------------
    # Forms edit
    # ------------------------------------------------------------

    def test_subscription_form_billing_fields(self):
        sub = self._new_subscription()
        with Form(sub.with_user(self.sub_manager)) as form:
            form.payment_token_id = self.token_ok
            form.billing_mode = "auto_charge"
        self.assertEqual(sub.payment_token_id, self.token_ok)
        self.assertEqual(sub.billing_mode, "auto_charge")

    def test_dunning_policy_form_edits_steps(self):
        template = self.env.ref("subscription_billing.mail_template_payment_failed")
        with Form(self.env["subscription.dunning.policy"].with_user(self.sub_manager)) as form:
            form.name = "Two tries"
            with form.step_ids.new() as step:
                step.day_offset = 0
                step.retry = False
                step.mail_template_id = template
            with form.step_ids.new() as step:
                step.day_offset = 5
                step.create_activity = True
                step.activity_user_id = self.sub_manager
                step.final_action = "suspend"
        policy = form.record
        steps = policy._ordered_steps()
        self.assertEqual(steps.mapped("day_offset"), [0, 5])
        self.assertEqual(steps[0].mail_template_id, template)
        self.assertEqual(steps[1].final_action, "suspend")

    def test_settings_app(self):
        arch = self._assert_views_load("res.config.settings", ["form"])["views"]["form"]["arch"]
        self.assertIn('name="subscription_billing"', arch)
        for field in (
            "subscription_journal_id",
            "subscription_proration_mode",
            "subscription_credit_on_cancel",
            "subscription_send_receipts",
            "subscription_dunning_policy_id",
        ):
            self.assertIn(f'name="{field}"', arch)

    def test_settings_save_on_company(self):
        journal = self.env["account.journal"].create(
            {"name": "Subscriptions", "code": "SUBS", "type": "sale", "company_id": self.company.id}
        )
        policy = self.env["subscription.dunning.policy"].create({"name": "Strict"})
        # Not through Form: the settings onchanges of account (cash basis
        # taxes of the test company) log warnings unrelated to this module.
        self.env["res.config.settings"].create(
            {
                "subscription_journal_id": journal.id,
                "subscription_proration_mode": "next_invoice",
                "subscription_credit_on_cancel": True,
                "subscription_send_receipts": True,
                "subscription_dunning_policy_id": policy.id,
            }
        ).execute()
        self.assertEqual(self.company.subscription_journal_id, journal)
        self.assertEqual(self.company.subscription_proration_mode, "next_invoice")
        self.assertTrue(self.company.subscription_credit_on_cancel)
        self.assertTrue(self.company.subscription_send_receipts)
        self.assertEqual(self.company.subscription_dunning_policy_id, policy)

    # ------------------------------------------------------------
    # Mail templates
    # ------------------------------------------------------------

    def test_mail_templates_render(self):
        sub = self._billed_subscription(on=fields.Date.today(), token=self.token_fail)
        self._process_attempts(fields.Datetime.now())
        for xmlid in (
            "mail_template_payment_failed",
            "mail_template_payment_retry_failed",
            "mail_template_card_update_needed",
            "mail_template_subscription_suspended",
            "mail_template_payment_recovered",
        ):
            with self.subTest(template=xmlid):
                template = self.env.ref(f"subscription_billing.{xmlid}")
                self.assertEqual(template.model, "subscription.subscription")
                body = template._render_field("body_html", sub.ids)[sub.id]
                self.assertIn(sub.name, body)
                self.assertIn(f"/my/subscriptions/{sub.id}", body)
                subject = template._render_field("subject", sub.ids)[sub.id]
                self.assertIn(sub.name, subject)
                partner_to = template._render_field("partner_to", sub.ids)[sub.id]
                self.assertEqual(partner_to, str(sub.partner_id.id))
