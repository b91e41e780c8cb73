-- License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
-- Run by `odoo-bin neutralize` (and when a database is duplicated or restored
-- as a neutralized copy): a copy must never notify the live platforms.

-- disable outgoing webhooks (deliveries are only sent to active endpoints)
UPDATE subscription_webhook
   SET active = false;

-- disable the webhook delivery scheduled action
UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'subscription_core'
          AND name = 'ir_cron_subscription_webhook_deliver'
);
