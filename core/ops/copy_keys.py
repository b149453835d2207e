"""The key of the off-machine copy: an age X25519 key pair (pyrage, the Rust `age` implementation).

Why age and not a format of our own: it is a published, reviewed format (a header MAC, then the payload in
64 KiB chunks sealed with ChaCha20-Poly1305 and a final-chunk flag), so a flipped byte, a reordered or a cut
file fails to decrypt; and a city that has lost MynaDesk can still decrypt its copy with the `age` tool. The
server that writes the copy needs only the public half (a file holding `age1…`): the secret key can stay in
the safe.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage

from core.domain.errors import DomainError

SECRET_PREFIX = "AGE-SECRET-KEY-1"  # noqa: S105 - the format's marker, not a secret
PUBLIC_PREFIX = "age1"


class CopyKeyError(DomainError):
    """A key file is missing, unreadable, badly placed or open to other users."""


@dataclass(frozen=True)
class CopyKey:
    """What a key file holds: always the public half; the secret one only in a secret key file."""

    path: Path
    recipient: Any  # pyrage.x25519.Recipient
    identity: Any | None  # pyrage.x25519.Identity

    @property
    def public(self) -> str:
        return str(self.recipient)


def create_key(path: Path) -> str:
    """Write a new secret key to PATH (0600 from its first byte; never over an existing file) and PATH.pub
    (its public half); return the public key."""
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    text = (
        "# MynaDesk backup copy key (age X25519). Keep it away from the copy and its NAS.\n"
        f"# public key: {public}\n{identity}\n"
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CopyKeyError(
            f"{path} は既にあります。鍵は上書きしません(古い鍵で暗号化した複製が読めなくなるため)",
            f"{path} exists; a key is never overwritten (copies made with it could no longer be read)",
        ) from None
    except OSError as error:
        raise CopyKeyError(f"{path} に書けません: {error}", f"cannot write {path}: {error}") from error
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text)
    Path(f"{path}.pub").write_text(public + "\n", encoding="ascii")
    return public


def load_key(path: Path) -> CopyKey:
    """Read a secret key file (0600 only) or a public key file (`age1…`)."""
    try:
        mode = path.stat().st_mode
        lines = [line.strip() for line in path.read_text(encoding="ascii").splitlines()]
    except (OSError, UnicodeDecodeError) as error:
        raise CopyKeyError(
            f"鍵ファイル {path} を読めません: {error}", f"cannot read key file {path}: {error}"
        ) from error
    secret = [line for line in lines if line.startswith(SECRET_PREFIX)]
    public = [line for line in lines if line.startswith(PUBLIC_PREFIX)]
    try:
        if secret:
            if stat.S_IMODE(mode) & 0o077:
                raise CopyKeyError(
                    f"鍵ファイル {path} が他のユーザーにも読めます。`chmod 600 {path}` にしてください",
                    f"key file {path} is open to other users (mode {stat.S_IMODE(mode):o}); chmod 600 it",
                )
            identity = pyrage.x25519.Identity.from_str(secret[0])
            return CopyKey(path, identity.to_public(), identity)
        if public:
            return CopyKey(path, pyrage.x25519.Recipient.from_str(public[0]), None)
    except (pyrage.IdentityError, pyrage.RecipientError, ValueError) as error:
        raise CopyKeyError(f"鍵ファイル {path} の鍵が不正です", f"key file {path} holds a bad key") from error
    raise CopyKeyError(
        f"{path} は鍵ファイルではありません(`mynadesk backup key create` で作ります)",
        f"{path} is not a key file (make one with `mynadesk backup key create`)",
    )


def refuse_inside(key: CopyKey, folders: list[tuple[str, str, Path]]) -> None:
    """Refuse a secret key kept inside any of FOLDERS (name in Japanese, in English, path): the key must
    never sit beside what it opens. A public key may be anywhere."""
    if key.identity is None:
        return
    where = key.path.resolve()
    for label_ja, label_en, folder in folders:
        if folder.resolve() in where.parents:
            raise CopyKeyError(
                f"鍵ファイル {key.path} が{label_ja}の中にあります。"
                "鍵は複製と別の場所(別の機械・金庫)に置いてください",
                f"key file {key.path} is inside the {label_en}; keep the key apart from the copy",
            )
