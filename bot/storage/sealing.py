"""Sealing what must not be readable in the database, its dumps or its backups: a
person's safety plan. Fernet (AES-128-CBC with an HMAC, from ``cryptography``) under a
key the database never holds.

The key is ``privacy.plan_key`` when set (required when bot processes run on more than
one machine: they must share it), else a key file the first start creates
(``privacy.plan_key_file``, readable by its owner only). Losing the key loses the plans,
and nothing else: the bot then says it cannot open a plan and offers to make a new one.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

from cryptography.fernet import Fernet, InvalidToken


class SealError(Exception):
    """A sealed value that this key cannot open (another key, or damaged)."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        self.fernet = Fernet(key)

    @classmethod
    def from_settings(cls, key: Optional[str], key_file: Path) -> "Sealer":
        """The configured key, else the key file's (created with a new key on first use)."""
        return cls(key.encode() if key else key_from_file(key_file))

    def seal(self, data: Any) -> str:
        return self.fernet.encrypt(json.dumps(data, ensure_ascii=False).encode("utf-8")).decode("ascii")

    def open(self, token: str) -> Any:
        try:
            return json.loads(self.fernet.decrypt(token.encode("ascii")))
        except (InvalidToken, ValueError) as exc:
            raise SealError("a sealed value this key cannot open") from exc


def key_from_file(path: Path) -> bytes:
    """The key in ``path``, written there first (owner-only) if the file does not exist yet.
    The new key is written to a file of its own and linked into place, which fails if
    ``path`` exists: so two processes starting together end up with the same key, and
    neither can read a key file the other has created but not yet written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fresh = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
        try:
            os.link(fresh, path)
        except FileExistsError:
            pass  # another process linked its key first: theirs is the key
        finally:
            fresh.unlink()
    return path.read_bytes().strip()
