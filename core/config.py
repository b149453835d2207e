"""Settings: one typed object, read once from the environment and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.domain.documents import Retention, parse_retention
from core.domain.errors import DomainError
from core.paths import DataLayout

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


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(
            f"MYNADESK_SMTP_PORT は 1〜65535 の数字です: {raw}", f"MYNADESK_SMTP_PORT must be 1-65535: {raw}"
        )
    return int(raw)


def _site_settings(env: Mapping[str, str]) -> dict[str, object]:
    """Mail and web settings of the site (MYNADESK_SMTP_*, MYNADESK_MAIL_FROM, MYNADESK_SITE_*)."""
    values: dict[str, object] = {}
    if env.get("MYNADESK_SMTP_HOST"):
        values["smtp_host"] = env["MYNADESK_SMTP_HOST"]
    if env.get("MYNADESK_SMTP_PORT"):
        values["smtp_port"] = _port(env["MYNADESK_SMTP_PORT"])
    values["smtp_user"] = _read(env, "MYNADESK_SMTP_USER")
    values["smtp_password"] = _read(env, "MYNADESK_SMTP_PASSWORD")
    values["smtp_starttls"] = env.get("MYNADESK_SMTP_STARTTLS", "").lower() in ("1", "true", "yes")
    if env.get("MYNADESK_MAIL_FROM"):
        values["mail_from"] = env["MYNADESK_MAIL_FROM"]
    if env.get("MYNADESK_SITE_BASE_URL"):
        values["site_base_url"] = env["MYNADESK_SITE_BASE_URL"].rstrip("/")
    if env.get("MYNADESK_SITE_PROXIES", "").isdigit():
        values["site_proxies"] = int(env["MYNADESK_SITE_PROXIES"])
    for name, key in (("site_tls_cert", "MYNADESK_SITE_TLS_CERT"), ("site_tls_key", "MYNADESK_SITE_TLS_KEY")):
        if env.get(key):
            values[name] = Path(env[key])
    return values


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = (env.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(
        f"{name} は 1 か 0 で指定してください: {value}", f"{name} must be 1 or 0, not {value!r}"
    )


@dataclass(frozen=True)
class FtpSettings:
    """Where the city's resident system drops register extracts (MYNADESK_FTP_*)."""

    host: str
    port: int = 21
    user: str = "anonymous"
    password: str | None = field(default=None, repr=False)
    directory: str = "/"
    tls: bool = False
    ca_file: Path | None = None  # a private CA for FTPS; the system's trust store otherwise
    delete_after_load: bool = False  # nothing is deleted on the server unless this is set

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> FtpSettings | None:
        """The FTP settings, or None when MYNADESK_FTP_HOST is not set."""
        host = env.get("MYNADESK_FTP_HOST")
        if not host:
            return None
        port = env.get("MYNADESK_FTP_PORT") or "21"
        if not port.isdigit():
            raise ConfigError(
                f"MYNADESK_FTP_PORT は数字です: {port}", f"MYNADESK_FTP_PORT must be a number: {port}"
            )
        ca_file = env.get("MYNADESK_FTP_CA_FILE")
        return cls(
            host=host,
            port=int(port),
            user=env.get("MYNADESK_FTP_USER") or "anonymous",
            password=_read(env, "MYNADESK_FTP_PASSWORD"),
            directory=env.get("MYNADESK_FTP_DIR") or "/",
            tls=_flag(env, "MYNADESK_FTP_TLS"),
            ca_file=Path(ca_file) if ca_file else None,
            delete_after_load=_flag(env, "MYNADESK_FTP_DELETE"),
        )


# --- Backups (issue 15): where base backups and archived WAL go, how many are kept, when the nightly runs ---
@dataclass(frozen=True)
class BackupSettings:
    """MYNADESK_BACKUP_DIR, MYNADESK_BACKUP_KEEP_DAILY/WEEKLY/MONTHLY, MYNADESK_BACKUP_AT (HH:MM, JST) and the
    off-machine copy: MYNADESK_BACKUP_COPY_DIR and MYNADESK_BACKUP_COPY_KEY_FILE (a public key suffices)."""

    directory: Path | None = None  # None: <data dir>/backups
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12
    nightly_at: str = "02:30"
    copy_dir: Path | None = None  # None: the nightly makes no off-machine copy
    copy_key_file: Path | None = None  # None: the copy is not encrypted

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BackupSettings:
        """The backup settings; unset ones take the defaults above."""
        values: dict[str, object] = {}
        if env.get("MYNADESK_BACKUP_DIR"):
            values["directory"] = Path(env["MYNADESK_BACKUP_DIR"]).expanduser().resolve()
        for name in ("copy_dir", "copy_key_file"):
            raw_path = env.get(f"MYNADESK_BACKUP_{name.upper()}")
            if raw_path:
                values[name] = Path(raw_path).expanduser().resolve()
        for name in ("daily", "weekly", "monthly"):
            raw = env.get(f"MYNADESK_BACKUP_KEEP_{name.upper()}")
            if raw is not None:
                if not raw.isdigit():
                    raise ConfigError(
                        f"MYNADESK_BACKUP_KEEP_{name.upper()} は 0 以上の数字です: {raw}",
                        f"MYNADESK_BACKUP_KEEP_{name.upper()} must be a number >= 0: {raw}",
                    )
                values[f"keep_{name}"] = int(raw)
        at = env.get("MYNADESK_BACKUP_AT")
        if at:
            hours, _, minutes = at.partition(":")
            if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
                raise ConfigError(
                    f"MYNADESK_BACKUP_AT は HH:MM です: {at}", f"MYNADESK_BACKUP_AT must be HH:MM: {at}"
                )
            values["nightly_at"] = f"{int(hours):02d}:{int(minutes):02d}"
        return cls(**values)  # type: ignore[arg-type]


# --- Service levels (issue 16): the contract's targets and the console's planned service hours ---
@dataclass(frozen=True)
class SlaSettings:
    """MYNADESK_SLA_TARGET (99.5), MYNADESK_SLA_RESPONSE_TARGET (99), MYNADESK_SLA_NOTICE_DAYS (30) and
    MYNADESK_SLA_CONSOLE_HOURS (08:30-17:00, JST; weekdays and the 2nd/4th Saturdays)."""

    availability_target: float = 99.5
    response_target: float = 99.0
    notice_days: int = 30
    console_hours: tuple[str, str] = ("08:30", "17:00")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlaSettings:
        """The SLA settings; unset ones take the contract's defaults above."""
        values: dict[str, object] = {}
        for name, key in (("TARGET", "availability_target"), ("RESPONSE_TARGET", "response_target")):
            raw = env.get(f"MYNADESK_SLA_{name}")
            if raw:
                values[key] = _percent(f"MYNADESK_SLA_{name}", raw)
        days = env.get("MYNADESK_SLA_NOTICE_DAYS")
        if days:
            if not days.isdigit():
                raise ConfigError(
                    f"MYNADESK_SLA_NOTICE_DAYS は日数です: {days}",
                    f"MYNADESK_SLA_NOTICE_DAYS must be days: {days}",
                )
            values["notice_days"] = int(days)
        hours = env.get("MYNADESK_SLA_CONSOLE_HOURS")
        if hours:
            opens, _, closes = hours.partition("-")
            if not (_hhmm(opens) and _hhmm(closes) and opens.strip() < closes.strip()):
                raise ConfigError(
                    f"MYNADESK_SLA_CONSOLE_HOURS は HH:MM-HH:MM です: {hours}",
                    f"MYNADESK_SLA_CONSOLE_HOURS must be HH:MM-HH:MM: {hours}",
                )
            values["console_hours"] = (opens.strip(), closes.strip())
        return cls(**values)  # type: ignore[arg-type]


def _percent(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 100:
        raise ConfigError(
            f"{name} は 0〜100 の数字(%)です: {raw}", f"{name} must be a percentage in (0, 100]"
        )
    return value


def _hhmm(text: str) -> bool:
    hours, _, minutes = text.strip().partition(":")
    return len(hours) == 2 and hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60


# --- Service levels (issue 16): where the probes look, when an outage opens, how requests are timed ---
def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} は 1 以上の数字です: {raw}", f"{name} must be a number >= 1: {raw}")
    return int(raw)


@dataclass(frozen=True)
class ServiceLevelSettings:
    """MYNADESK_CONSOLE_URL, MYNADESK_INCIDENT_AFTER, MYNADESK_PROBE_SECONDS, MYNADESK_REQUEST_FLUSH_SECONDS,
    MYNADESK_OUTBOX_STUCK_MINUTES and MYNADESK_ANALYTICS_MAX_AGE_HOURS."""

    console_url: str = "http://127.0.0.1:8050"
    incident_after: int = 5  # consecutive failed probes of a target that open an outage
    probe_seconds: int = 60
    request_flush_seconds: int = 10  # request timings are written at most this often per process
    outbox_stuck_minutes: int = 30  # /readyz fails when a mail has waited longer than this
    analytics_max_age_hours: int = 26  # the console's /readyz fails when the analytics build is older

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServiceLevelSettings:
        """The service-level settings; unset ones take the defaults above."""
        return cls(
            console_url=(env.get("MYNADESK_CONSOLE_URL") or cls.console_url).rstrip("/"),
            incident_after=_positive(env, "MYNADESK_INCIDENT_AFTER", cls.incident_after),
            probe_seconds=_positive(env, "MYNADESK_PROBE_SECONDS", cls.probe_seconds),
            request_flush_seconds=_positive(env, "MYNADESK_REQUEST_FLUSH_SECONDS", cls.request_flush_seconds),
            outbox_stuck_minutes=_positive(env, "MYNADESK_OUTBOX_STUCK_MINUTES", cls.outbox_stuck_minutes),
            analytics_max_age_hours=_positive(
                env, "MYNADESK_ANALYTICS_MAX_AGE_HOURS", cls.analytics_max_age_hours
            ),
        )


# --- Document store (issue 17): where the files go and how long each kind is kept ---
@dataclass(frozen=True)
class DocumentSettings:
    """MYNADESK_DOCUMENTS_DIR (default <data dir>/documents), MYNADESK_DOCUMENT_RETENTION
    (`receipt=10,application=15,*=15`: years after the form's date, per kind; `*` for the rest),
    MYNADESK_DOCUMENT_OCR (1 by default: imported sheets get Tesseract's text; 0 turns it off) and
    MYNADESK_OCR_WORKERS (Tesseract processes at once; one per core by default)."""

    directory: Path | None = None
    retention: Retention = field(default_factory=Retention)
    ocr: bool = True
    ocr_workers: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DocumentSettings:
        """The document store's settings."""
        directory = env.get("MYNADESK_DOCUMENTS_DIR")
        try:
            retention = parse_retention(env.get("MYNADESK_DOCUMENT_RETENTION") or "")
        except DomainError as error:
            raise ConfigError(
                f"MYNADESK_DOCUMENT_RETENTION: {error.message_ja}",
                f"MYNADESK_DOCUMENT_RETENTION: {error.message_en}",
            ) from error
        ocr = _flag(env, "MYNADESK_DOCUMENT_OCR") if env.get("MYNADESK_DOCUMENT_OCR", "").strip() else True
        workers = _positive(env, "MYNADESK_OCR_WORKERS", 0) or None
        return cls(Path(directory).expanduser().resolve() if directory else None, retention, ocr, workers)


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
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    mail_from: str = "予約窓口 <no-reply@mynadesk.invalid>"
    site_base_url: str = "http://127.0.0.1:8080"
    site_tls_cert: Path | None = None
    site_tls_key: Path | None = None
    site_proxies: int = 0  # how many reverse proxies (nginx) in front of the site to trust for X-Forwarded-*
    ftp: FtpSettings | None = None
    backup: BackupSettings = field(default_factory=BackupSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    service_levels: ServiceLevelSettings = field(default_factory=ServiceLevelSettings)
    documents: DocumentSettings = field(default_factory=DocumentSettings)

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
            **_site_settings(env),  # type: ignore[arg-type]
            ftp=FtpSettings.from_env(env),
            backup=BackupSettings.from_env(env),
            sla=SlaSettings.from_env(env),
            service_levels=ServiceLevelSettings.from_env(env),
            documents=DocumentSettings.from_env(env),
        )

    @property
    def embedded(self) -> bool:
        """True when MynaDesk runs its own PostgreSQL under the data dir."""
        return self.database_url is None

    @property
    def layout(self) -> DataLayout:
        """Where each thing lives under the data dir (core.paths)."""
        return DataLayout(self.data_dir)

    @property
    def backup_dir(self) -> Path:
        """Where base backups (base/) and archived WAL (wal/) go: MYNADESK_BACKUP_DIR or DATA/backups."""
        return self.backup.directory or self.layout.backups

    @property
    def documents_dir(self) -> Path:
        """Where the document store keeps its files: MYNADESK_DOCUMENTS_DIR or DATA/documents."""
        return self.documents.directory or self.layout.documents
