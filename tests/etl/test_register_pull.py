"""`etl pull` against a real FTP server on loopback (pyftpdlib), plain FTP and FTPS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.config import APP_ROLE, FtpSettings
from core.db.engine import make_session_factory
from core.db.models.register import ExtractFile, Resident
from core.paths import DataLayout
from core.services.audit import Actor
from etl import first_load
from etl.pull import pull
from tests.conftest import real_now
from tests.etl.register_files import person, write_extract

ETL = Actor("etl:test", role="etl")


def self_signed(folder: Path) -> Path:
    """A certificate + key for 127.0.0.1 in one PEM file, valid around the machine's real time: OpenSSL checks
    it against the real clock, which MYNADESK_TEST_NOW (time-machine) does not move."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = real_now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = folder / "server.pem"
    pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return pem


class Server:
    """A pyftpdlib server on a free loopback port, serving FOLDER to user `city`."""

    def __init__(self, folder: Path, certfile: Path | None = None) -> None:
        authorizer = DummyAuthorizer()
        authorizer.add_user("city", "s3cret", str(folder), perm="elrdw")
        handler: type[FTPHandler]
        if certfile is None:
            handler = type("Handler", (FTPHandler,), {})
        else:
            handler = type(
                "TlsHandler",
                (TLS_FTPHandler,),
                {"certfile": str(certfile), "tls_control_required": True, "tls_data_required": True},
            )
        handler.authorizer = authorizer
        handler.passive_ports = None
        self.server = FTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"timeout": 0.2}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.close_all()
        self.thread.join(timeout=5)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    folder = tmp_path / "remote"
    folder.mkdir()
    return folder


@pytest.fixture
def ftp(remote: Path) -> Iterator[FtpSettings]:
    server = Server(remote)
    yield FtpSettings(host="127.0.0.1", port=server.port, user="city", password="s3cret")
    server.close()


def residents(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Resident)) or 0


def test_pull_loads_complete_files_in_date_order_and_skips_one_still_uploading(
    ftp: FtpSettings, remote: Path, tmp_path: Path, etl_factory: sessionmaker[Session]
) -> None:
    write_extract(remote, [person(1), person(2)], name="resident_20261101_full.csv")
    write_extract(remote, [person(3)], name="resident_20261102_delta.csv")
    write_extract(remote, [person(4)], name="resident_20261103_delta.csv", end=False)  # .end not there yet
    result = pull(ftp, DataLayout(tmp_path), etl_factory, ETL)
    assert [o.path.name for o in result.loaded] == [
        "resident_20261101_full.csv",
        "resident_20261102_delta.csv",
    ]
    assert [name for name, _ in result.skipped] == ["resident_20261103_delta.csv"]
    assert residents(etl_factory) == 3
    assert (tmp_path / "register" / "loaded" / "resident_20261102_delta.csv").is_file()
    for folder in ("register", "register/inbox", "register/loaded"):  # extracts hold personal data
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o700
    assert (remote / "resident_20261101_full.csv").is_file()  # nothing deleted on the server

    again = pull(ftp, DataLayout(tmp_path), etl_factory, ETL)
    assert again.loaded == []
    assert again.rejected == []
    assert sorted(name for name, why in again.skipped if "already loaded" in why) == [
        "resident_20261101_full.csv",
        "resident_20261102_delta.csv",
    ]


def test_a_rejected_file_stays_in_the_error_folder_with_its_report(
    ftp: FtpSettings, remote: Path, tmp_path: Path, etl_factory: sessionmaker[Session]
) -> None:
    write_extract(remote, [person(1), person(2, sex="7")], name="resident_20261101_full.csv")
    write_extract(remote, [person(3)], name="resident_20261102_delta.csv")
    result = pull(ftp, DataLayout(tmp_path), etl_factory, ETL)
    [rejected] = result.rejected
    errors = tmp_path / "register" / "errors"
    assert rejected.path == errors / "resident_20261101_full.csv"
    assert rejected.path.is_file()
    report = (errors / "resident_20261101_full.csv.report.txt").read_text(encoding="utf-8")
    assert "3行目 性別(sex)「7」" in report
    assert result.waiting == ["resident_20261102_delta.csv"]
    assert residents(etl_factory) == 0
    with etl_factory() as session:
        assert session.scalar(select(func.count()).select_from(ExtractFile)) == 0
    skipped = pull(ftp, DataLayout(tmp_path), etl_factory, ETL).skipped
    assert skipped[0][1].startswith("前回拒否")


def test_pull_deletes_on_the_server_only_when_configured(
    ftp: FtpSettings, remote: Path, tmp_path: Path, etl_factory: sessionmaker[Session]
) -> None:
    write_extract(remote, [person(1)], name="resident_20261101_full.csv")
    settings = FtpSettings(
        host=ftp.host, port=ftp.port, user=ftp.user, password=ftp.password, delete_after_load=True
    )
    assert len(pull(settings, DataLayout(tmp_path), etl_factory, ETL).loaded) == 1
    assert sorted(p.name for p in remote.iterdir()) == []


def test_pull_over_ftps(remote: Path, tmp_path: Path, etl_factory: sessionmaker[Session]) -> None:
    certfile = self_signed(tmp_path)
    server = Server(remote, certfile)
    try:
        write_extract(remote, [person(1)], name="resident_20261101_full.csv")
        settings = FtpSettings(
            host="127.0.0.1", port=server.port, user="city", password="s3cret", tls=True, ca_file=certfile
        )
        result = pull(settings, DataLayout(tmp_path), etl_factory, ETL)
    finally:
        server.close()
    assert [o.status for o in result.loaded] == ["loaded"]
    assert residents(etl_factory) == 1


def test_pull_loads_into_an_empty_register_as_the_owner_by_the_first_load_path_and_later_files_as_etl(
    ftp: FtpSettings,
    remote: Path,
    tmp_path: Path,
    etl_factory: sessionmaker[Session],
    committing_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads: list[tuple[str, bool]] = []  # (role of the session, did the first-load path load the file)
    original = first_load.try_first_load

    def spy(session: Session, *args: Any, **kwargs: Any) -> bool:
        loads.append((session.scalar(text("SELECT current_user")) or "", original(session, *args, **kwargs)))
        return loads[-1][1]

    monkeypatch.setattr(first_load, "try_first_load", spy)
    write_extract(remote, [person(1), person(2)], name="resident_20261101_full.csv")
    write_extract(remote, [person(3)], name="resident_20261102_delta.csv")
    owner = make_session_factory(committing_engine)
    result = pull(ftp, DataLayout(tmp_path), etl_factory, ETL, owner_factory=owner)
    assert [o.status for o in result.loaded] == ["loaded", "loaded"]
    assert residents(etl_factory) == 3
    owner_role = committing_engine.url.username
    assert loads == [(owner_role, True), (APP_ROLE, False)]
    with etl_factory() as session:  # the app role keeps its limits: it owns no register table
        owned = session.scalar(
            text(
                "SELECT bool_or(pg_has_role(relowner, 'USAGE')) FROM pg_class"
                " WHERE oid = 'register.residents'::regclass"
            )
        )
    assert owned is False
