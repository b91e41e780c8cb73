# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models, tools

from ..tools.domains import literal_domain


class BaseAutomation(models.Model):
    """Odoo's automation rules, looked up and filtered at the cost of a batch.

    Odoo runs ``_get_actions`` (a search on the rules) on every create, write
    and stored recomputation of a model that has rules, and evaluates each
    rule's filter on the records before it looks at the rule's trigger
    fields. A renewal writes the subscription, recomputes its stored fields
    and logs an event: about five searches and twenty filter evaluations for
    rules that, but for one, do not apply. Here:

    * the rules of a model and trigger are read once per registry
      (``ormcache``), cleared where Odoo re-patches the models
      (``_update_registry``: a rule created or deleted, its model, trigger or
      active flag changed), and in the other workers through the registry's
      cache signalling;
    * on a write or recomputation, a rule whose trigger fields are not among
      the fields being written or recomputed is not filtered: Odoo's
      ``_process`` would drop those records anyway (``_check_trigger_fields``)
      and they are not marked done, exactly as there;
    * a filter written as a plain literal domain (``tools/domains.py``) is
      read once instead of going through ``safe_eval`` on every record set;
      filters that use ``uid``, ``time``... are evaluated as in Odoo.
    """

    _inherit = "base.automation"

    @api.model
    @tools.ormcache("model_name", "triggers")
    def _get_action_ids(self, model_name, triggers):
        # The same rules whatever the caller's context (cached for all).
        rules = self.sudo().with_context(active_test=True, base_automation_skip_batch=False)
        return tuple(
            rules.search([("model_name", "=", model_name), ("trigger", "in", list(triggers))]).ids
        )

    def _get_actions(self, records, triggers):
        # Same contract as Odoo's: the rules in this environment, with the
        # ``__action_done`` bookkeeping in their context.
        if "__action_done" not in self.env.context:
            self = self.with_context(__action_done={})
        return self.browse(self._get_action_ids(records._name, tuple(triggers)))

    def _filter_post_export_domain(self, records, feedback=False):
        old_values = self.env.context.get("old_values")
        if records and old_values:
            trigger_names = set(self.sudo().trigger_field_ids.mapped("name"))
            if trigger_names:
                changing = set().union(*(values.keys() for values in old_values.values()))
                if not trigger_names & changing:
                    return records.browse(), None
        domain = literal_domain(self.sudo().filter_domain)
        if records and domain is not None:
            return self._filter_literal(records, domain, feedback), domain
        return super()._filter_post_export_domain(records, feedback=feedback)

    def _filter_pre(self, records, feedback=False):
        domain = literal_domain(self.sudo().filter_pre_domain)
        if records and domain is not None:
            return self._filter_literal(records, domain, feedback)
        return super()._filter_pre(records, feedback=feedback)

    @api.model
    def _filter_literal(self, records, domain, feedback):
        """``records`` that satisfy ``domain``, as Odoo's filters select them."""
        if feedback:
            # As Odoo's: automations run while filtering are detected.
            records = records.with_context(__action_feedback=True)
        return records.sudo().filtered_domain(domain).with_env(records.env)

    def _update_registry(self):
        # Odoo calls it whenever a rule is created or deleted or its model,
        # trigger or active flag changes: exactly when the rules
        # ``_get_action_ids`` finds change (the scheduler's ``last_run``
        # writes do not call it).
        self.env.registry.clear_cache()
        return super()._update_registry()
