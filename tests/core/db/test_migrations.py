"""Migrations: an empty database upgrades, downgrades to base and upgrades again; models match migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL

from core.db import models  # noqa: F401
from core.db.base import SCHEMAS, Base
from core.db.engine import make_engine
from core.db.migrate import current_revisions, downgrade, head_revisions, upgrade
from tests.conftest import recreate_database


def _tables(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    return {
        f"{s}.{t}" for s in SCHEMAS if s in inspector.get_schema_names() for t in inspector.get_table_names(s)
    }


def test_upgrade_downgrade_upgrade_on_an_empty_database(server_url: URL) -> None:
    url = recreate_database(server_url, "mynadesk_migration_test")
    engine = make_engine(url)
    try:
        assert current_revisions(engine) == ()
        upgrade(url)
        assert current_revisions(engine) == head_revisions()
        created = _tables(engine)
        assert {"register.residents", "cards.cards", "booking.slots", "staff.users", "audit.log"} <= created

        downgrade(url, "base")
        assert current_revisions(engine) == ()
        assert _tables(engine) == set()
        assert not set(SCHEMAS) & set(inspect(engine).get_schema_names())

        upgrade(url)
        assert _tables(engine) == created
    finally:
        engine.dispose()


def test_models_and_migrations_describe_the_same_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_schemas": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_no_table_has_a_column_for_the_individual_number(engine: Engine) -> None:
    forbidden = ("kojin", "bango", "my_number", "mynumber", "個人番号")
    inspector = inspect(engine)
    columns = [
        f"{schema}.{table}.{column['name']}"
        for schema in SCHEMAS
        for table in inspector.get_table_names(schema)
        for column in inspector.get_columns(table, schema)
    ]
    assert len(columns) > 100
    assert [c for c in columns if any(word in c.lower() for word in forbidden)] == []
