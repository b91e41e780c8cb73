# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tools import SQL


def lock_for_processing(model, domain, limit, order=("id",)):
    """Return up to ``limit`` records of ``model`` matching ``domain``, locked
    with ``FOR UPDATE SKIP LOCKED``: rows another transaction holds (another
    server running the same job) are skipped, never waited for or processed
    twice. Pending ORM writes are flushed first so that the query sees them.
    """
    model.env.flush_all()
    query = model._where_calc(domain)
    model._apply_ir_rules(query, "read")
    model.env.cr.execute(
        SQL(
            "SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %s FOR UPDATE OF %s SKIP LOCKED",
            SQL.identifier(model._table, "id"),
            query.from_clause,
            query.where_clause or SQL("TRUE"),
            SQL(", ").join(SQL.identifier(model._table, name) for name in order),
            limit,
            SQL.identifier(model._table),
        )
    )
    return model.browse(row[0] for row in model.env.cr.fetchall())
