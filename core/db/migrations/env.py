"""Alembic environment: migrates the database the caller names, or the one Settings points to."""

from __future__ import annotations

import logging.config

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.engine import URL

from core.config import Settings
from core.db import models  # noqa: F401  (registers every table on Base.metadata)
from core.db.base import Base
from core.db.engine import database_url, make_engine

config = context.config
if config.config_file_name and not config.attributes.get("quiet"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> URL:
    url: URL | None = config.attributes.get("url")
    return url if url is not None else database_url(Settings.from_env(), "owner")


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, include_schemas=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Write the SQL instead of running it (`alembic upgrade head --sql`)."""
    url = _url().render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, include_schemas=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection, or on a fresh one."""
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
