# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import subscription_cycle
from . import subscription_engagement_log
from . import subscription_subscription
