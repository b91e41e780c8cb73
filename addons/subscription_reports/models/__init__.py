# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import res_config_settings
from . import res_partner
from . import subscription_metric_movement
from . import subscription_metric_customer_month
from . import subscription_metric_month
from . import subscription_metric_health
from . import subscription_metric_health_history
from . import subscription_metric_snapshot
from . import subscription_metric_snapshot_dimension
from . import subscription_metric_snapshot_forecast
from . import subscription_metric_snapshot_revenue
from . import subscription_metrics
from . import subscription_revenue_month
