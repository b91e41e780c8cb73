# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engagement data for the reports benchmark (``bench_reports.py``), when
subscription_engagement is installed: what its rules and the customers
would have written over the seeded ledger, straight into the tables with
INSERT ... SELECT, so that the NPS, save rate, save offer and win-back
reports and the dashboard's engagement KPIs read realistic data.

* **Cancellation requests**: the voluntary cancellations of the ledger get
  their reasons spread over the five voluntary reasons; 80% of them went
  through the cancellation flow, which showed the save offers that answer
  their reason (kept on the ``cancelled`` event: all declined).
* **Saves**: about 30% of the customers shown the discount offer took it
  (a ``saved_by_offer`` event one second after a ``renewed`` one, no MRR
  movement) and 25% of those shown the pause (after a ``paused`` event of
  the ledger: the pause is the offer), each with its acceptance row and
  the offers shown.
* **NPS**: an invitation 30 days after the start, then every 90 days, while
  the ledger has the subscription billing (not in trial, paused, suspended
  or ended), each with its engagement log row; 35% answered within a week
  (a scale answer line), scores skewed to an NPS of about 30.
* **Win-back**: a message (engagement log) 30 days after each ending, for
  the 90% of customers that did not opt out; those the ledger reactivates
  on or after it count as won back.

Pseudo-random draws are seeded (``setseed``): the same ledger gives the
same data.
"""

from datetime import timedelta

# Cancellation reasons (subscription_core's data) of the voluntary
# cancellations, with their upper bound on a draw in [0, 1).
REASON_SHARES = (
    ("cancel_reason_too_expensive", 0.30),
    ("cancel_reason_missing_features", 0.50),
    ("cancel_reason_switched", 0.65),
    ("cancel_reason_not_using", 0.90),
    ("cancel_reason_other", 1.0),
)
FLOW_SHARE = 0.8  # voluntary cancellations that went through the save flow
# Per offer kind: the share of flows showing it that took it, and the ledger
# events that carry the acceptance.
ACCEPTED = {"discount": (0.30, "renewed"), "pause": (0.25, "paused")}
# NPS scores 10 down to 0 with the upper bound of their draw: 50% promoters,
# 30% passives, 20% detractors.
SCORE_BOUNDS = [0.27, 0.50, 0.66, 0.80, 0.87, 0.92, 0.95, 0.97, 0.98, 0.99]
ANSWERED = 0.35
WINBACK_DELAY = 30
WINBACK_SENT = 0.9  # the others opted out of marketing messages


def engagement_installed(env):
    return "subscription.engagement.log" in env and "subscription_id" in env["survey.user_input"]


def seed_engagement(env, today):
    """Seed the engagement tables over the ledger already in the database
    (see the module's docstring); returns the counts by name."""
    cr = env.cr
    cr.execute("SELECT setseed(0.42)")
    counts = {}
    reasons = [env.ref(f"subscription_core.{xmlid}").id for xmlid, _bound in REASON_SHARES]
    counts["voluntary_cancellations"] = _seed_cancellation_reasons(cr, reasons)
    counts.update(_seed_saves(env, reasons, today))
    counts["cancellation_requests"] = counts["voluntary_cancellations"] + counts["saves"]
    counts.update(_seed_nps(env, today))
    counts.update(_seed_winback(env, today))
    for table in (
        "subscription_event",
        "subscription_event_retention_offer_shown_rel",
        "subscription_retention_acceptance",
        "survey_user_input",
        "survey_user_input_line",
        "subscription_engagement_log",
    ):
        cr.execute(f"ANALYZE {table}")  # pylint: disable=sql-injection
    cr.commit()
    return counts


def _offers_by_reason(env, reasons):
    """{reason id: the ids of the active offers the flow shows for it}."""
    offers = env["subscription.retention.offer"].search([("kind", "in", list(ACCEPTED))])
    return {
        reason: [
            offer.id for offer in offers if not offer.reason_ids or reason in offer.reason_ids.ids
        ]
        for reason in reasons
    }


def _seed_cancellation_reasons(cr, reasons):
    """Spread the reasons of the voluntary cancellations; returns their
    number."""
    cr.execute(
        """
        UPDATE subscription_event e
           SET reason_id = (%(reasons)s::int[])[1 + width_bucket(random(), %(bounds)s::float8[])]
          FROM subscription_cancel_reason r
         WHERE e.event_type = 'cancelled' AND r.id = e.reason_id AND r.kind != 'involuntary'
        """,
        {"reasons": reasons, "bounds": [bound for _xmlid, bound in REASON_SHARES[:-1]]},
    )
    return cr.rowcount


def _seed_saves(env, reasons, today):
    """The offers shown on the voluntary cancellations (declined), then the
    saves: for each offer, as many acceptances as its acceptance share
    gives against its declines."""
    cr = env.cr
    by_reason = _offers_by_reason(env, reasons)
    pairs = [(reason, offer) for reason, offers in by_reason.items() for offer in offers]
    cr.execute(
        """
        INSERT INTO subscription_event_retention_offer_shown_rel (event_id, offer_id)
        SELECT e.id, m.offer_id
          FROM (SELECT id, reason_id FROM subscription_event
                 WHERE event_type = 'cancelled' AND reason_id = ANY(%(reasons)s)
                   AND random() < %(flow)s) e
          JOIN unnest(%(pair_reasons)s::int[], %(pair_offers)s::int[]) AS m(reason_id, offer_id)
               ON m.reason_id = e.reason_id
        """,
        {
            "reasons": reasons,
            "flow": FLOW_SHARE,
            "pair_reasons": [reason for reason, _offer in pairs],
            "pair_offers": [offer for _reason, offer in pairs],
        },
    )
    counts = {"save_offers_declined": cr.rowcount, "saves": 0}
    cr.execute(
        "SELECT offer_id, COUNT(*) FROM subscription_event_retention_offer_shown_rel"
        " GROUP BY offer_id"
    )
    declined = dict(cr.fetchall())
    for offer in env["subscription.retention.offer"].search([("kind", "in", list(ACCEPTED))]):
        share, source_type = ACCEPTED[offer.kind]
        reason = next((r for r in reasons if offer.id in by_reason[r]), None)
        wanted = share / (1 - share) * declined.get(offer.id, 0)
        cr.execute("SELECT COUNT(*) FROM subscription_event WHERE event_type = %s", [source_type])
        available = cr.fetchone()[0]
        if not reason or not wanted or not available:
            continue
        cr.execute(
            """
            WITH picked AS (
                SELECT subscription_id, partner_id, company_id, currency_id, date,
                       effective_date, mrr_after, tier_to_id
                  FROM subscription_event
                 WHERE event_type = %(source_type)s AND random() < %(share)s
            ), saved AS (
                INSERT INTO subscription_event
                    (subscription_id, partner_id, company_id, currency_id, date, effective_date,
                     event_type, mrr_before, mrr_after, mrr_delta, tier_to_id, reason_id,
                     retention_offer_id, note, create_uid, create_date, write_uid, write_date)
                SELECT subscription_id, partner_id, company_id, currency_id,
                       date + interval '1 second', effective_date, 'saved_by_offer',
                       mrr_after, mrr_after, 0, tier_to_id, %(reason)s, %(offer)s,
                       %(note)s, 1, date, 1, date
                  FROM picked
                RETURNING id, subscription_id, company_id, effective_date
            ), shown AS (
                INSERT INTO subscription_event_retention_offer_shown_rel (event_id, offer_id)
                SELECT saved.id, shown.offer_id
                  FROM saved, unnest(%(shown)s::int[]) AS shown(offer_id)
            )
            INSERT INTO subscription_retention_acceptance
                (subscription_id, company_id, offer_id, kind, source, reason_id, date,
                 event_id, discount_percent, discount_periods, discount_periods_used,
                 create_uid, create_date, write_uid, write_date)
            SELECT subscription_id, company_id, %(offer)s, %(kind)s, 'cancellation',
                   %(reason)s, effective_date, id, %(percent)s, %(periods)s,
                   LEAST(%(periods)s, (%(today)s - effective_date) / 30), 1, now(), 1, now()
              FROM saved
            """,
            {
                "source_type": source_type,
                "share": min(1.0, wanted / available),
                "reason": reason,
                "offer": offer.id,
                "note": f"Save offer taken: {offer.name}",
                "shown": by_reason[reason],
                "kind": offer.kind,
                "percent": offer.discount_percent if offer.kind == "discount" else 0,
                "periods": offer.discount_periods if offer.kind == "discount" else 0,
                "today": today,
            },
        )
        counts["saves"] += cr.rowcount
    cr.execute("SELECT COUNT(*) FROM subscription_event_retention_offer_shown_rel")
    counts["save_offers_shown"] = cr.fetchone()[0]
    return counts


def _seed_nps(env, today):
    """NPS invitations while the ledger has the subscription billing, their
    log rows, and the answers (with their scale line)."""
    cr = env.cr
    survey = env.ref("subscription_engagement.survey_nps")
    question = env.ref("subscription_engagement.survey_nps_question_score")
    template = env.ref("subscription_engagement.mail_template_nps_invitation")
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM survey_user_input")
    first_id = cr.fetchone()[0] + 1
    # The invitation days of each subscription, among its events in ledger
    # order (an invitation after the events of its day): each takes the MRR
    # of the last event before it (grp counts the events up to it).
    cr.execute(
        """
        WITH marks AS (
            SELECT subscription_id, effective_date AS day, id AS event_id, mrr_after
              FROM subscription_event
            UNION ALL
            SELECT s.id, s.date_start + 30 + 90 * k, NULL, NULL
              FROM subscription_subscription s,
                   generate_series(0, (%(today)s::date - s.date_start - 30) / 90) k
        ), grouped AS (
            SELECT *, COUNT(event_id) OVER (PARTITION BY subscription_id
                                            ORDER BY day, event_id NULLS LAST) AS grp
              FROM marks
        ), invitations AS (
            SELECT subscription_id, day, event_id,
                   FIRST_VALUE(mrr_after) OVER (PARTITION BY subscription_id, grp
                                                ORDER BY event_id NULLS LAST) AS mrr
              FROM grouped
        ), drawn AS (
            SELECT i.subscription_id, sub.partner_id,
                   i.day + time '08:00' AS invited_at,
                   i.day + time '08:00'
                       + interval '1 day' * floor(7 * random() ^ 3)
                       + interval '1 minute' * floor(600 * random()) AS answered_at,
                   random() < %(answered)s AS answers,
                   (ARRAY[10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0])[
                       1 + width_bucket(random(), %(bounds)s::float8[])] AS score
              FROM invitations i
              JOIN subscription_subscription sub ON sub.id = i.subscription_id
             WHERE i.event_id IS NULL AND i.mrr > 0
             ORDER BY i.day, i.subscription_id
        ), answered AS (
            SELECT *, answers AND answered_at < %(now)s AS done FROM drawn
        )
        INSERT INTO survey_user_input
            (survey_id, partner_id, subscription_id, state, access_token, test_entry,
             is_session_answer, start_datetime, end_datetime, subscription_scored,
             subscription_score, survey_first_submitted, scoring_percentage, scoring_total,
             scoring_success, create_uid, create_date, write_uid, write_date)
        SELECT %(survey)s, partner_id, subscription_id,
               CASE WHEN done THEN 'done' ELSE 'new' END, gen_random_uuid()::text, false,
               false, CASE WHEN done THEN answered_at - interval '1 minute' END,
               CASE WHEN done THEN answered_at END, done, CASE WHEN done THEN score END,
               done, 0, 0, false, 1, invited_at, 1,
               CASE WHEN done THEN answered_at ELSE invited_at END
          FROM answered
        """,
        {
            "today": today,
            "now": today + timedelta(days=1),
            "answered": ANSWERED,
            "bounds": SCORE_BOUNDS,
            "survey": survey.id,
        },
    )
    counts = {"nps_invitations": cr.rowcount}
    cr.execute(
        """
        INSERT INTO survey_user_input_line
            (user_input_id, survey_id, question_id, question_sequence, answer_type,
             value_scale, skipped, create_uid, create_date, write_uid, write_date)
        SELECT ui.id, ui.survey_id, %(question)s, %(sequence)s, 'scale',
               ui.subscription_score, false, 1, ui.end_datetime, 1, ui.end_datetime
          FROM survey_user_input ui
         WHERE ui.id >= %(first)s AND ui.subscription_scored
        """,
        {"question": question.id, "sequence": question.sequence, "first": first_id},
    )
    counts["nps_answers"] = cr.rowcount
    cr.execute(
        """
        INSERT INTO subscription_engagement_log
            (subscription_id, company_id, occasion, period_key, template_id, date,
             create_uid, create_date, write_uid, write_date)
        SELECT ui.subscription_id, sub.company_id, 'nps_invitation',
               to_char(ui.create_date, 'YYYY-MM-DD'), %(template)s, ui.create_date,
               1, ui.create_date, 1, ui.create_date
          FROM survey_user_input ui
          JOIN subscription_subscription sub ON sub.id = ui.subscription_id
         WHERE ui.id >= %(first)s
        ON CONFLICT (subscription_id, occasion, period_key) DO NOTHING
        """,
        {"template": template.id, "first": first_id},
    )
    return counts


def _seed_winback(env, today):
    """A win-back message 30 days after each ending (unless the customer
    opted out); returns the messages and how many the ledger wins back."""
    cr = env.cr
    template = env.ref("subscription_engagement.mail_template_winback")
    cr.execute(
        """
        INSERT INTO subscription_engagement_log
            (subscription_id, company_id, occasion, period_key, template_id, date,
             create_uid, create_date, write_uid, write_date)
        SELECT subscription_id, company_id, 'winback', to_char(effective_date, 'YYYY-MM-DD'),
               %(template)s, sent, 1, sent, 1, sent
          FROM (SELECT subscription_id, company_id, effective_date,
                       effective_date + %(delay)s + time '09:00' AS sent
                  FROM subscription_event
                 WHERE event_type = 'cancelled' AND effective_date + %(delay)s <= %(today)s
                   AND random() < %(sent)s) ended
        ON CONFLICT (subscription_id, occasion, period_key) DO NOTHING
        """,
        {"template": template.id, "delay": WINBACK_DELAY, "today": today, "sent": WINBACK_SENT},
    )
    counts = {"winback_messages": cr.rowcount}
    cr.execute(
        """
        SELECT COUNT(*)
          FROM subscription_engagement_log log
         WHERE log.occasion = 'winback'
           AND EXISTS (SELECT FROM subscription_event e
                        WHERE e.subscription_id = log.subscription_id
                          AND e.event_type = 'reactivated'
                          AND e.effective_date >= log.date::date)
        """
    )
    counts["winback_reactivated"] = cr.fetchone()[0]
    return counts
