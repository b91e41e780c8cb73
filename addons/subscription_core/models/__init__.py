# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import ir_http
from . import res_company
from . import res_config_settings
from . import res_partner
from . import subscription_addon
from . import subscription_addon_line
from . import subscription_cancel_reason
from . import subscription_cycle
from . import subscription_event
from . import subscription_price
from . import subscription_subscription

# Extensions of subscription.subscription, one concern per file (after the model).
from . import subscription_demo
from . import subscription_subscription_gate
from . import subscription_subscription_lifecycle
from . import subscription_subscription_pause
from . import subscription_subscription_plan
from . import subscription_subscription_renewal
from . import subscription_tier
from . import subscription_webhook
from . import subscription_webhook_delivery
