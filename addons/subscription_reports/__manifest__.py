# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Subscription Reports",
    "summary": "MRR and its movements, churn, retention, ARPU, LTV and cohorts from "
    "the subscription event ledger, with daily snapshots and a reconciliation",
    "version": "18.0.1.1.0",
    "category": "Sales/Subscriptions",
    "website": "https://github.com/subscription-suite/subscription-suite",
    "author": "Subscription Suite Authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["subscription_core", "subscription_billing", "spreadsheet_dashboard"],
    "data": [
        # Security first: the group before the ACLs that name it.
        "security/subscription_reports_security.xml",
        "security/ir.model.access.csv",
        # Record data.
        "data/ir_cron.xml",
        # Depends on the reader group.
        "data/spreadsheet_dashboard_data.xml",
        # Reports, wizards and model views.
        "report/subscription_mrr_movement_report_views.xml",
        "report/subscription_cohort_report_views.xml",
        "report/subscription_retention_report_views.xml",
        "report/subscription_dunning_report_views.xml",
        "report/subscription_revenue_report_views.xml",
        "report/subscription_engagement_report_views.xml",
        "report/subscription_quick_ratio_report_views.xml",
        "report/subscription_trial_report_views.xml",
        "report/subscription_ltv_forecast_report_views.xml",
        "views/subscription_metric_snapshot_views.xml",
        "views/subscription_metric_health_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/subscription_metric_reconcile_views.xml",
        "wizards/subscription_metric_health_backtest_views.xml",
        # Last because it references the actions defined above.
        "views/subscription_reports_menus.xml",
    ],
}
