"""Settings: one typed object, read once from the environment and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.domain.errors import DomainError

APP_ROLE = "mynadesk_app"
SITE_ROLE = "mynadesk_site"
DEFAULT_DATABASE = "mynadesk"


class ConfigError(DomainError):
    """A setting is missing or malformed."""


def _read(env: Mapping[str, str], name: str) -> str | None:
    """Return NAME from the environment, or the contents of the file named by NAME_FILE."""
    value = env.get(name)
    if value:
        return value
    file_name = env.get(f"{name}_FILE")
    if not file_name:
        return None
    path = Path(file_name)
    if not path.is_file():
        raise ConfigError(
            f"{name}_FILE のファイル {path} が見つかりません",
            f"{name}_FILE points to {path}, which does not exist",
        )
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class Settings:
    """Everything MynaDesk reads from its environment."""

    data_dir: Path
    database_url: str | None = None
    app_database_url: str | None = None
    site_database_url: str | None = None
    app_db_password: str | None = field(default=None, repr=False)
    site_db_password: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from MYNADESK_* variables (secrets may come from *_FILE)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("MYNADESK_DATA_DIR") or Path.cwd() / "data").expanduser().resolve()
        return cls(
            data_dir=data_dir,
            database_url=_read(env, "MYNADESK_DATABASE_URL"),
            app_database_url=_read(env, "MYNADESK_APP_DATABASE_URL"),
            site_database_url=_read(env, "MYNADESK_SITE_DATABASE_URL"),
            app_db_password=_read(env, "MYNADESK_APP_DB_PASSWORD"),
            site_db_password=_read(env, "MYNADESK_SITE_DB_PASSWORD"),
            secret_key=_read(env, "MYNADESK_SECRET_KEY"),
        )

    @property
    def embedded(self) -> bool:
        """True when MynaDesk runs its own PostgreSQL under the data dir."""
        return self.database_url is None

    @property
    def pgdata_dir(self) -> Path:
        """Where the embedded PostgreSQL keeps its files."""
        return self.data_dir / "pg"
