# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime
import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import split_every
from odoo.tools.safe_eval import safe_eval

from odoo.addons.base_automation.models.base_automation import (
    DATE_RANGE_FUNCTION,
    TIME_TRIGGERS,
)

_logger = logging.getLogger(__name__)

# Records handed to the server actions in one call.
BATCH_SIZE = 1000


class BaseAutomation(models.Model):
    """Time-based automation rules that run their actions in batches.

    Odoo's scheduler (``_check``) reads every record of a time-based rule's
    domain, tests each one's date in Python and runs the server action once
    per record. For a rule flagged *Run in Batch* the due records are found
    by the database (the date window is part of the domain) and the actions
    run once per chunk of ``BATCH_SIZE`` records (``records`` in the code is
    the chunk), so that sending 1,000 reminders is one claim and one batch of
    mails rather than 1,000 of each. Same window as Odoo's: the records whose
    date plus the delay falls in ``[last_run, now)``. A chunk whose action
    fails is run again record by record, each in its own savepoint, so that
    one bad record stays its own, as in Odoo's loop.
    """

    _inherit = "base.automation"

    batch_process = fields.Boolean(
        string="Run in Batch",
        help="Time-based rules only: find the due records in the database and run the "
        "actions once per chunk of records instead of once per record. The actions must "
        "handle several records (code actions use 'records').",
    )

    @api.constrains("batch_process", "trigger", "trg_date_calendar_id", "trg_date_id")
    def _check_batch_process(self):
        for automation in self.filtered("batch_process"):
            if automation.trigger not in TIME_TRIGGERS or automation.trg_date_calendar_id:
                raise ValidationError(
                    _(
                        "Rule %(name)s: only time-based rules without a working calendar "
                        "can run in batch.",
                        name=automation.name,
                    )
                )
            if not automation.trg_date_id or automation.trg_date_id.name == "date_automation_last":
                raise ValidationError(
                    _(
                        "Rule %(name)s: a rule that runs in batch needs a date field of "
                        "its model as trigger date.",
                        name=automation.name,
                    )
                )

    @api.model
    def _check(self, automatic=False, use_new_cursor=False):
        if "__action_done" not in self.env.context:
            self = self.with_context(__action_done={})
        batched = self.with_context(active_test=True).search(
            [("trigger", "in", TIME_TRIGGERS), ("batch_process", "=", True)]
        )
        for automation in batched:
            automation._run_time_batch(automatic=automatic)
        return super(BaseAutomation, self.with_context(base_automation_skip_batch=True))._check(
            automatic=automatic, use_new_cursor=use_new_cursor
        )

    @api.model
    def _search(self, domain, *args, **kwargs):
        # Odoo's scheduler leaves the rules that ran in batch above alone.
        if self.env.context.get("base_automation_skip_batch"):
            domain = expression.AND([domain, [("batch_process", "=", False)]])
        return super()._search(domain, *args, **kwargs)

    def _get_time_batch_domain(self, now):
        """The rule's domain plus the window of due dates: the records whose
        trigger date plus the delay falls in ``[last_run, now)``."""
        self.ensure_one()
        last_run = self.last_run or datetime.datetime.fromtimestamp(0)
        delay = DATE_RANGE_FUNCTION[self.trg_date_range_type](self.trg_date_range)
        low, high = last_run - delay, now - delay
        field = self.trg_date_id
        if field.ttype == "date":
            # A date counts as its midnight: d >= low and d < high.
            midnight = datetime.time.min
            low_day = low.date() if low.time() == midnight else low.date() + datetime.timedelta(1)
            high_day = (
                high.date() if high.time() == midnight else high.date() + datetime.timedelta(1)
            )
            window = [(field.name, ">=", low_day), (field.name, "<", high_day)]
        else:
            window = [(field.name, ">=", low), (field.name, "<", high)]
        domain = []
        if self.filter_domain:
            domain = safe_eval(self.filter_domain, self._get_eval_context())
        return expression.AND([domain, window])

    def _run_time_batch(self, automatic=False):
        self.ensure_one()
        now = datetime.datetime.now()
        Model = self.env[self.model_name]
        records = Model.search(self._get_time_batch_domain(now))
        _logger.info(
            "Time-based automation rule `%s` in batch: %d record(s) due.", self.name, len(records)
        )
        for ids in split_every(BATCH_SIZE, records.ids):
            self._process_batch(Model.browse(ids))
            if automatic:
                # commit: like Odoo's scheduler (base_automation._check), each
                # chunk run by the cron is kept whatever happens to the next.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        self.write({"last_run": now})
        if automatic:
            # commit: the rule's last run, as Odoo's scheduler commits it.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _process_batch(self, records):
        """Run the rule's actions once on ``records``; on failure, record by record."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._run_actions_on(records)
        except Exception:
            _logger.warning(
                "Automation rule `%s`: the batch of %d record(s) failed, running them one by one.",
                self.name,
                len(records),
                exc_info=True,
            )
            for record in records:
                try:
                    with self.env.cr.savepoint():
                        self._run_actions_on(record)
                except Exception:
                    _logger.exception(
                        "Automation rule `%s` failed on %s.", self.name, record.display_name
                    )

    def _run_actions_on(self, records):
        records = records.with_env(self.env)
        if "date_automation_last" in records._fields:
            records.date_automation_last = fields.Datetime.now()
        context = {
            "active_model": records._name,
            "active_ids": records.ids,
            "active_id": records[:1].id,
            "domain_post": None,
        }
        for action in self.sudo().action_server_ids:
            action.with_context(**context).run()
        records.env.flush_all()
