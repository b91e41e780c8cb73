# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import test_access
from . import test_metrics_history
from . import test_dashboard
from . import test_dunning_revenue
from . import test_deferred_revenue
from . import test_health
from . import test_health_history
from . import test_settings
from . import test_engagement_reports
from . import test_dashboard_kpis_tour
from . import test_quick_ratio_trial_reports
from . import test_ltv_forecast_reports
from . import test_metrics_dimensions
from . import test_revenue_month
