# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import opt_out
from . import signup
from . import retention
from . import winback
