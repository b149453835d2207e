"""Run Alembic migrations from code (`mynadesk db upgrade`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import URL

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: URL) -> Config:
    """An Alembic config that migrates the database at URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    config.attributes["quiet"] = True
    return config


def upgrade(url: URL, revision: str = "heads") -> None:
    """Apply migrations up to REVISION."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: URL, revision: str = "base") -> None:
    """Undo migrations down to REVISION."""
    command.downgrade(alembic_config(url), revision)


def head_revisions() -> tuple[str, ...]:
    """The newest migrations this code knows (one, unless branches are waiting to be merged)."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config(URL.create("postgresql"))).get_heads()))


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The migrations the database is at (empty when it was never migrated)."""
    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
