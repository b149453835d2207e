"""Where the database is and how to connect to it, as the owner, the app role or the site role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from core.config import APP_ROLE, DEFAULT_DATABASE, SITE_ROLE, Settings
from core.db.embedded import ensure_database, role_password, start_embedded


@dataclass(frozen=True)
class DatabaseLocation:
    """The owner's URL plus a description of where the data lives."""

    owner_url: URL
    embedded: bool
    description: str


def _psycopg(url: URL) -> URL:
    return url.set(drivername="postgresql+psycopg")


def locate_database(settings: Settings) -> DatabaseLocation:
    """The owner URL; without a configured one, start the embedded server and create its database."""
    if settings.database_url:
        url = _psycopg(make_url(settings.database_url))
        where = url.render_as_string()
        return DatabaseLocation(url, False, f"外部 PostgreSQL / external server: {where}")
    admin_uri = start_embedded(settings.pgdata_dir)
    ensure_database(admin_uri, DEFAULT_DATABASE)
    url = _psycopg(make_url(admin_uri)).set(database=DEFAULT_DATABASE)
    return DatabaseLocation(url, True, f"組込み PostgreSQL / embedded server in {settings.pgdata_dir}")


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
        password = role_password(settings.pgdata_dir, libpq_uri(owner_url), role)
    return role_url(owner_url, role, password, override)


def app_url(settings: Settings, owner_url: URL) -> URL:
    """URL of the console/ETL role."""
    return _login(settings, owner_url, APP_ROLE, settings.app_db_password, settings.app_database_url)


def site_url(settings: Settings, owner_url: URL) -> URL:
    """URL of the reservation-site role (booking schema only)."""
    return _login(settings, owner_url, SITE_ROLE, settings.site_db_password, settings.site_database_url)


def make_engine(url: URL, **kwargs: Any) -> Engine:
    """An engine with the options every MynaDesk connection uses. hide_parameters: an error's text (and so
    every log line or page that shows it) never carries the statement's values, which are names, birth dates,
    phone numbers and secrets."""
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True, **kwargs}
    return create_engine(url, **options)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory; callers own the transaction (`with factory.begin() as s:`)."""
    return sessionmaker(engine, expire_on_commit=False)


def app_engine(settings: Settings) -> Engine:
    """An engine logged in as the console/ETL role on the configured (or embedded) database."""
    return make_engine(app_url(settings, locate_database(settings).owner_url))
