# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Subscription Engagement",
    "summary": "Lifecycle messages of subscriptions as mail templates and "
    "automation rules, each sent at most once per subscription and occasion",
    "version": "18.0.1.0.0",
    "category": "Sales/Subscriptions",
    "website": "https://github.com/subscription-suite/subscription-suite",
    "author": "Subscription Suite Authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": [
        "subscription_core",
        "subscription_billing",
        "mail",
        "base_automation",
        "auth_signup",
        "survey",
        "crm",
    ],
    "data": [
        "security/subscription_engagement_security.xml",
        "security/ir.model.access.csv",
        "security/subscription_feedback_security.xml",
        "security/subscription_retention_security.xml",
        # Templates before the automation rules whose actions name them.
        "data/mail_template_data.xml",
        "data/base_automation_data.xml",
        "data/mail_template_lifecycle_data.xml",
        "data/base_automation_lifecycle_data.xml",
        "data/base_automation_batch_data.xml",
        "data/subscription_segment_data.xml",
        "views/subscription_engagement_log_views.xml",
        "views/subscription_segment_views.xml",
        "views/subscription_cycle_views.xml",
        "views/subscription_subscription_views.xml",
        "views/res_partner_opt_out_views.xml",
        "views/opt_out_templates.xml",
        "views/subscription_feedback_views.xml",
        "views/subscription_retention_offer_views.xml",
        "views/res_config_settings_retention_views.xml",
        "wizards/subscription_cancel_views.xml",
        # Last because it references the actions defined above.
        "views/subscription_engagement_menus.xml",
    ],
}
