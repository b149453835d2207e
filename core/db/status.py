"""What `mynadesk db status` reports: where the data lives, the server, the migration state, row counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, inspect, select, text

from core.config import Settings
from core.db import models  # noqa: F401  (registers every table)
from core.db.base import SCHEMAS, Base
from core.db.engine import locate_database, make_engine
from core.db.migrate import current_revisions, head_revisions


@dataclass(frozen=True)
class DatabaseStatus:
    """A snapshot of the database for people and scripts."""

    description: str
    server_version: str
    current: tuple[str, ...]
    head: tuple[str, ...]
    rows_by_schema: dict[str, int] = field(default_factory=dict)


def database_status(settings: Settings) -> DatabaseStatus:
    """Connect as the owner and describe the database."""
    location = locate_database(settings)
    engine = make_engine(location.owner_url)
    try:
        current = current_revisions(engine)
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
            present = {
                (schema, name) for schema in SCHEMAS for name in inspect(conn).get_table_names(schema=schema)
            }
            rows: dict[str, int] = {}
            for table in Base.metadata.sorted_tables:
                if (table.schema, table.name) in present and table.schema is not None:
                    count = conn.execute(select(func.count()).select_from(table)).scalar_one()
                    rows[table.schema] = rows.get(table.schema, 0) + int(count)
    finally:
        engine.dispose()
    return DatabaseStatus(location.description, version, current, head_revisions(), rows)
