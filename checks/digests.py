"""Secrets the sandbox holds, recognised without keeping them.

`sandbox apply` creates the program's resources with their secret inputs in plaintext (the emulated account must hold
what AWS would hold), so a live scan of the sandbox reads, say, a role whose name was secret in the program. A live
scan cannot know that by itself. `sandbox apply` therefore records, in a private file beside sandbox.json
(`sandbox-secrets.json`, mode 0600), a salted SHA-256 digest and the length of every secret plaintext it applied, never
the plaintext. A scan of that sandbox finds, in what it read, every substring whose digest is recorded: those are the
secrets, and the usual sealing (checks/normalize/secrets.py) keeps them out of every report.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.errors import InputError
from checks.fsutil import atomic_write

FILE_NAME = "sandbox-secrets.json"
MIN_LENGTH = 4  # shorter plaintexts are not searched for (they would match everywhere)


@dataclass(frozen=True)
class SecretDigests:
    salt: str
    digests: frozenset[str]
    lengths: frozenset[int]

    @classmethod
    def of(cls, texts: Iterable[str], salt: str | None = None) -> SecretDigests:
        salt = salt or secrets.token_hex(16)
        kept = [t for t in texts if len(t) >= MIN_LENGTH]
        return cls(salt, frozenset(_digest(salt, t) for t in kept), frozenset(len(t) for t in kept))

    def merged(self, texts: Iterable[str]) -> SecretDigests:
        more = SecretDigests.of(texts, self.salt)
        return SecretDigests(self.salt, self.digests | more.digests, self.lengths | more.lengths)

    def find(self, strings: Iterable[str]) -> frozenset[str]:
        """Every substring of `strings` whose digest is recorded."""
        if not self.digests:
            return frozenset()
        found: set[str] = set()
        for text in set(strings):
            for length in self.lengths:
                for start in range(len(text) - length + 1):
                    window = text[start:start + length]
                    if _digest(self.salt, window) in self.digests:
                        found.add(window)
        return frozenset(found)


def _digest(salt: str, text: str) -> str:
    return hashlib.sha256(f"{salt}\0{text}".encode()).hexdigest()


def strings_in(value: Any) -> Iterable[str]:
    """Every string inside a JSON-like value (keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings_in(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings_in(v)


def write_digests(folder: Path, texts: Iterable[str]) -> None:
    """Add the digests of `texts` to the folder's file (created private, replaced atomically)."""
    path = folder / FILE_NAME
    current = read_digests(folder)
    updated = current.merged(texts) if current is not None else SecretDigests.of(texts)
    data = {"salt": updated.salt, "digests": sorted(updated.digests), "lengths": sorted(updated.lengths)}
    atomic_write(path, json.dumps(data, indent=2) + "\n")
    os.chmod(path, 0o600)


def read_digests(folder: Path) -> SecretDigests | None:
    path = folder / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SecretDigests(str(data["salt"]), frozenset(map(str, data["digests"])),
                             frozenset(int(n) for n in data["lengths"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(f"not a readable sandbox secrets file ({err})", where=str(path),
                         hint="delete it and run 'clearance sandbox apply' again") from None
