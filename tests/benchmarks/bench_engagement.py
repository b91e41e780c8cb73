# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of subscription_engagement (not a test: run it with ``bin/bench``).

On a database where subscription_engagement is installed (without demo data),
it seeds N active monthly subscriptions in SQL (``bench_core.seed``), makes
1,000 of them due a renewal reminder and 1,000 an NPS invitation today, then
measures:

* the daily run of Odoo's scheduler for the time-based rules
  (``base.automation._check``, the shipped rules in batch): 1,000 renewal
  reminders and 1,000 NPS invitations due (with their survey answers):
  messages queued per second and queries per message;
* the same number of messages sent with a naive ``mail.template.send_mail``
  loop on other subscriptions, in the same run, as the reference;
* the refresh of every shipped customer segment over the N subscriptions.

Each measure is printed as a line ``RESULT <name> <value>``.

    python tests/benchmarks/bench_engagement.py -c odoo.conf -d DB --count 10000
"""

import argparse
import sys
import time
from datetime import date, datetime, timedelta

from bench_core import peak_rss_mb, result, seed

DUE = 1000


def column_defaults(env):
    """SQL defaults for the required columns other addons added to
    subscriptions, so that ``bench_core.seed``'s INSERT fills them."""
    from odoo.tools import SQL

    Subscription = env["subscription.subscription"]
    for name, field in Subscription._fields.items():
        if field.store and field.required and field.type == "selection" and field.default:
            env.cr.execute(
                SQL(
                    "ALTER TABLE subscription_subscription ALTER COLUMN %s SET DEFAULT %s",
                    SQL.identifier(name),
                    field.default(Subscription),
                )
            )


def make_due(env, count):
    """1,000 subscriptions due a renewal reminder today (their period ends in
    3 days) and 1,000 others due an NPS invitation today."""
    cr = env.cr
    today = date.today()
    cr.execute(
        """
        UPDATE subscription_subscription
           SET renewal_reminder_date = current_period_end - 3
         WHERE name LIKE 'BENCH/%%'
        """
    )
    cr.execute(
        """
        UPDATE subscription_subscription
           SET current_period_end = %(end)s, renewal_reminder_date = %(today)s
         WHERE id IN (SELECT id FROM subscription_subscription
                       WHERE name LIKE 'BENCH/%%' ORDER BY id LIMIT %(due)s)
        """,
        {"end": today + timedelta(days=3), "today": today, "due": min(DUE, count // 4)},
    )
    cr.execute(
        "UPDATE subscription_subscription SET nps_next_date = %s WHERE name LIKE 'BENCH/%%'",
        [today + timedelta(days=30)],
    )
    cr.execute(
        """
        UPDATE subscription_subscription SET nps_next_date = %(today)s
         WHERE id IN (SELECT id FROM subscription_subscription
                       WHERE name LIKE 'BENCH/%%' AND renewal_reminder_date <> %(today)s
                       ORDER BY id LIMIT %(due)s)
        """,
        {"today": today, "due": min(DUE, count // 4)},
    )
    cr.execute(
        "UPDATE res_partner SET email = 'bench' || id || '@example.com' "
        "WHERE name LIKE 'Bench customer %%'"
    )
    env.invalidate_all()


def bench_daily_jobs(env):
    """The scheduler's daily run: every time-based rule, of which the
    renewal reminder and the NPS invitation have 1,000 subscriptions due."""
    Automation = env["base.automation"]
    yesterday_evening = datetime.combine(date.today(), datetime.min.time()) - timedelta(hours=1)
    Automation.search([("trigger", "in", ("on_time", "on_time_created", "on_time_updated"))]).write(
        {"last_run": yesterday_evening}
    )
    env.flush_all()
    Mail = env["mail.mail"]
    mails_before = Mail.search_count([])
    q0 = env.cr.sql_log_count
    t0 = time.perf_counter()
    Automation._check()
    env.flush_all()
    batch_seconds = time.perf_counter() - t0
    batch_queries = env.cr.sql_log_count - q0
    sent = Mail.search_count([]) - mails_before
    if not sent:
        raise SystemExit("the reminder rule queued no message")
    result("engagement_batch_seconds", round(batch_seconds, 2))
    result("engagement_batch_messages", sent)
    result("engagement_batch_messages_per_second", round(sent / batch_seconds, 1))
    result("engagement_batch_queries_per_message", round(batch_queries / sent, 2))
    env.cr.commit()

    # The reference: the same messages, a naive loop of send_mail on other
    # subscriptions (half reminders, half NPS invitations with their answer).
    reminder = env.ref("subscription_engagement.mail_template_renewal_reminder")
    nps = env.ref("subscription_engagement.mail_template_nps_invitation")
    others = env["subscription.subscription"].search(
        [("name", "=like", "BENCH/%"), ("engagement_log_ids", "=", False)],
        limit=sent,
        order="id desc",
    )
    mails_before = Mail.search_count([])
    q0 = env.cr.sql_log_count
    t0 = time.perf_counter()
    survey = env.ref("subscription_engagement.survey_nps").sudo()
    today = date.today()
    for index, sub in enumerate(others):
        if index % 2:
            reminder.send_mail(sub.id)
            continue
        # The same NPS invitation, one at a time: its answer (the link's
        # token), the invitation dates, then the mail.
        survey._create_answer(partner=sub.partner_id, check_attempts=False, subscription_id=sub.id)
        sub.nps_invited_date = today
        sub.partner_id.subscription_nps_invited_date = today
        nps.send_mail(sub.id)
    env.flush_all()
    naive_seconds = time.perf_counter() - t0
    naive_queries = env.cr.sql_log_count - q0
    naive_sent = Mail.search_count([]) - mails_before
    result("engagement_naive_messages_per_second", round(naive_sent / naive_seconds, 1))
    result("engagement_naive_queries_per_message", round(naive_queries / naive_sent, 2))
    result(
        "engagement_batch_vs_naive",
        round((sent / batch_seconds) / (naive_sent / naive_seconds), 2),
    )
    env.cr.commit()


def bench_segments(env):
    Segment = env["subscription.segment"]
    segments = Segment.search([])
    t0 = time.perf_counter()
    Segment._cron_refresh_segments()
    env.flush_all()
    seconds = time.perf_counter() - t0
    result("segment_refresh_segments", len(segments))
    result("segment_refresh_seconds", round(seconds, 2))
    result("segment_refresh_members", sum(segments.mapped("member_count")))
    t0 = time.perf_counter()
    Segment._cron_refresh_segments()
    result("segment_refresh_again_seconds", round(time.perf_counter() - t0, 2))
    env.cr.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--count", type=int, default=10000)
    args, _unknown = parser.parse_known_args()

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    odoo.netsvc.init_logger()
    odoo.sql_db.Cursor.sql_log_count = 0
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        t0 = time.perf_counter()
        column_defaults(env)
        seed(env, args.count, portal_subs=0)
        make_due(env, args.count)
        cr.commit()
        print(
            f"seeded {args.count} subscriptions in {time.perf_counter() - t0:.1f}s", file=sys.stderr
        )
        rss_before = peak_rss_mb()
        bench_daily_jobs(env)
        bench_segments(env)
        result("engagement_peak_rss_mb", round(peak_rss_mb(), 1))
        result("engagement_rss_growth_mb", round(peak_rss_mb() - rss_before, 1))


if __name__ == "__main__":
    main()
