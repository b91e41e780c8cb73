# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import account_move
from . import account_move_line
from . import account_payment
from . import ir_actions_report
from . import payment_token
from . import payment_transaction
from . import payment_transaction_settlement
from . import res_company
from . import res_company_stripe
from . import res_config_settings
from . import res_config_settings_stripe
from . import subscription_billing_adjustment
from . import subscription_billing_period
from . import subscription_dunning_policy
from . import subscription_payment_attempt
from . import subscription_payment_attempt_stripe
from . import subscription_payment_attempt_transaction
from . import subscription_payment_attempt_batch
from . import subscription_stripe_event
from . import subscription_subscription

# Extensions of subscription.subscription, one concern per file (after the model).
from . import subscription_demo
from . import subscription_dunning
from . import subscription_invoicing
from . import subscription_credit
from . import subscription_proration
from . import subscription_payment_history
from . import subscription_payment_method
