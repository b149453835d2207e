"""Where the database is and how to connect to it, as the owner, the app role or the site role.

Every entry point (the CLI, the console, the site, the worker) gets its sessions from
`session_factory(settings, role)` (or its engine from `engine_for`); code that needs psycopg itself (COPY,
driver-level settings) asks `psycopg_connection(session)` for the connection under the current transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import psycopg
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from core.config import APP_ROLE, DEFAULT_DATABASE, SITE_ROLE, Settings
from core.db.embedded import OWNER, ensure_database, owner_password, role_password, start_embedded
from core.ops.cluster_state import load_state, multi_host_url

Role = Literal["owner", "app", "site"]
"""owner: the schema owner (migrations, seeding, staff accounts, a first register load); app: the console, ETL
and the site's worker; site: the reservation site (booking schema only)."""


@dataclass(frozen=True)
class DatabaseLocation:
    """The owner's URL plus a description of where the data lives."""

    owner_url: URL
    embedded: bool
    description: str


def _psycopg(url: URL) -> URL:
    return url.set(drivername="postgresql+psycopg")


def locate_database(settings: Settings) -> DatabaseLocation:
    """The owner URL; without a configured one, start the embedded server and create its database. Once the
    embedded server has a standby (`mynadesk db standby create`, DATA/cluster.json), the URL names every
    node and libpq connects to whichever accepts writes: after a failover the apps' pools (pre-ping) reach
    the new primary without a restart, and nothing starts a fenced old primary."""
    if settings.database_url:
        url = _psycopg(make_url(settings.database_url))
        where = url.render_as_string()
        return DatabaseLocation(url, False, f"外部 PostgreSQL / external server: {where}")
    pgdata = settings.layout.pg
    cluster = load_state(settings.data_dir)
    if cluster is not None:
        url = _psycopg(make_url(multi_host_url(cluster, OWNER, DEFAULT_DATABASE)))
        url = url.set(password=owner_password(pgdata))
        names = ", ".join(node.name for node in cluster.nodes)
        return DatabaseLocation(url, True, f"組込み PostgreSQL クラスタ / embedded cluster: {names}")
    admin_uri = start_embedded(pgdata)
    ensure_database(admin_uri, DEFAULT_DATABASE)
    url = _psycopg(make_url(admin_uri)).set(database=DEFAULT_DATABASE)
    return DatabaseLocation(url, True, f"組込み PostgreSQL / embedded server in {pgdata}")


def role_url(owner_url: URL, role: str, password: str | None, override: str | None = None) -> URL:
    """The URL for one of MynaDesk's login roles: an explicit override, else the owner's server as ROLE."""
    if override:
        return _psycopg(make_url(override))
    return owner_url.set(username=role, password=password)


def libpq_uri(url: URL) -> str:
    """URL as libpq (psycopg) wants it, password included."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _login(settings: Settings, owner_url: URL, role: str, password: str | None, override: str | None) -> URL:
    """ROLE's URL; on the embedded server without a configured password, the role's generated one."""
    if password is None and override is None and not settings.database_url:
        password = role_password(settings.layout.pg, libpq_uri(owner_url), role)
    return role_url(owner_url, role, password, override)


def database_url(settings: Settings, role: Role) -> URL:
    """The URL ROLE logs in with on the configured (or embedded, started if needed) database."""
    owner = locate_database(settings).owner_url
    if role == "owner":
        return owner
    if role == "app":
        return _login(settings, owner, APP_ROLE, settings.app_db_password, settings.app_database_url)
    return _login(settings, owner, SITE_ROLE, settings.site_db_password, settings.site_database_url)


def make_engine(url: URL, **kwargs: Any) -> Engine:
    """An engine with the options every MynaDesk connection uses. hide_parameters: an error's text (and so
    every log line or page that shows it) never carries the statement's values, which are names, birth dates,
    phone numbers and secrets."""
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True, **kwargs}
    return create_engine(url, **options)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory on ENGINE; callers own the transaction (`with factory.begin() as s:`)."""
    return sessionmaker(engine, expire_on_commit=False)


def engine_for(settings: Settings, role: Role, **kwargs: Any) -> Engine:
    """An engine logged in as ROLE (KWARGS: pool options); for callers that dispose of it or share it."""
    return make_engine(database_url(settings, role), **kwargs)


def session_factory(settings: Settings, role: Role) -> sessionmaker[Session]:
    """Sessions logged in as ROLE: the one way an entry point gets them."""
    return make_session_factory(engine_for(settings, role))


def psycopg_connection(db: Session | Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under DB's current transaction, for COPY and driver-level statements."""
    connection = db.connection() if isinstance(db, Session) else db
    driver = connection.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise TypeError(f"MynaDesk connects through psycopg, not {type(driver).__name__}")
    return driver
