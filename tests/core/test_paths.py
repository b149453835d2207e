"""The data dir's layout is named in one place, and what holds personal data or secrets is private."""

from __future__ import annotations

import stat
from pathlib import Path

from core.config import Settings
from core.paths import DataLayout, private_dir, private_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_room_lives_under_the_data_dir(tmp_path: Path) -> None:
    layout = Settings.from_env({"MYNADESK_DATA_DIR": str(tmp_path)}).layout
    assert layout == DataLayout(tmp_path.resolve())
    rooms = {
        "pg": layout.pg,
        "secrets": layout.secrets,
        "run": layout.run,
        "analytics": layout.analytics,
        "register": layout.register,
        "generated": layout.generated,
        "backups": layout.backups,
        "documents": layout.documents,
    }
    for name, path in rooms.items():
        assert path == tmp_path.resolve() / name
    assert layout.register_errors == layout.register / "errors"
    assert layout.console_secret_key.parent == layout.run
    assert layout.db_password("mynadesk_app") == layout.secrets / "db-mynadesk_app.password"


def test_a_private_folder_is_0700_and_its_existing_parent_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    folder = private_dir(DataLayout(tmp_path).backups)
    assert _mode(folder) == 0o700
    assert _mode(tmp_path) == 0o755


def test_a_private_file_is_made_once_0600_and_read_back_after(tmp_path: Path) -> None:
    path = DataLayout(tmp_path).console_secret_key
    made = private_file(path, lambda: "first")
    assert made == "first"
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert private_file(path, lambda: "second") == "first"  # the file wins; a second process agrees
