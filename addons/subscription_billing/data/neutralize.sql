-- License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
-- Run by `odoo-bin neutralize` (and when a database is duplicated or restored
-- as a neutralized copy): a copy must never charge the live customers.

-- disable the direct Stripe path and clear its keys
UPDATE res_company
   SET subscription_stripe_enabled = false,
       subscription_stripe_secret_key = NULL,
       subscription_stripe_webhook_secret = NULL;

-- disable charging, retries and dunning
UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'subscription_billing'
          AND name IN ('ir_cron_subscription_process_attempts', 'ir_cron_subscription_dunning')
);
