# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Subscription Billing",
    "summary": "Period invoices, automatic charging of saved payment methods, "
    "decline-aware dunning and a direct Stripe path for subscriptions",
    "version": "18.0.1.1.0",
    "category": "Sales/Subscriptions",
    "website": "https://github.com/subscription-suite/subscription-suite",
    "author": "Subscription Suite Authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["subscription_core", "account_payment"],
    "external_dependencies": {"python": ["stripe"]},
    "data": [
        "security/subscription_billing_security.xml",
        "security/ir.model.access.csv",
        "security/subscription_billing_period_security.xml",
        "data/mail_template_data.xml",
        # Depends on the mail templates.
        "data/subscription_dunning_policy_data.xml",
        "data/ir_cron.xml",
        # Model views.
        "views/account_move_views.xml",
        "views/subscription_payment_attempt_views.xml",
        "views/subscription_billing_adjustment_views.xml",
        "views/subscription_dunning_policy_views.xml",
        "views/subscription_subscription_views.xml",
        "views/res_config_settings_views.xml",
        # Inherits the settings view above.
        "views/res_config_settings_stripe_views.xml",
        # QWeb templates.
        "views/subscription_billing_portal_templates.xml",
        # Last because it references the actions defined above.
        "views/subscription_billing_menus.xml",
    ],
    "post_init_hook": "post_init_hook",
    "demo": [
        "demo/subscription_billing_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "subscription_billing/static/tests/tours/**/*",
        ],
    },
}
