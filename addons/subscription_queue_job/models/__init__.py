# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import subscription_billing_period
from . import subscription_payment_attempt
from . import subscription_queue_dispatcher
from . import subscription_subscription
