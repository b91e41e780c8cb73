# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import subscription_mrr_movement_report
from . import subscription_cohort_report
from . import subscription_retention_report
from . import subscription_dunning_report
from . import subscription_revenue_report
from . import subscription_engagement_report
from . import subscription_quick_ratio_report
from . import subscription_trial_report
from . import subscription_ltv_forecast_report
