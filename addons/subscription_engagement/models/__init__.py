# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import base_automation
from . import res_company_retention
from . import res_partner_feedback
from . import res_partner_opt_out
from . import subscription_cycle
from . import subscription_engagement_log
from . import subscription_event
from . import subscription_event_retention
from . import subscription_feedback
from . import subscription_retention_acceptance
from . import subscription_retention_offer
from . import subscription_segment
from . import subscription_subscription
from . import subscription_subscription_onboarding
from . import subscription_subscription_feedback
from . import subscription_subscription_retention
