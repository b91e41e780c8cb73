# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import test_sale_access
from . import test_sale_access_rpc
from . import test_sale_change
from . import test_sale_invoicing
from . import test_sale_new
from . import test_sale_portal
