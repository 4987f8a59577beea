"""Write: atomic writes that never overwrite a different file without --force."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class Outcome(Enum):
    """What writing one file did or would do."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "exists"  # different content, no --force
    REFUSED = "refused"  # a symlink or not a regular file: never replaced


@dataclass(frozen=True)
class PlannedWrite:
    """A file to write and what writing it would do."""

    path: Path
    content: str | bytes
    outcome: Outcome


def plan_write(path: Path, content: str | bytes, force: bool) -> PlannedWrite:
    """Compare `content` with what is on disk now."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return PlannedWrite(path, content, Outcome.REFUSED)
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        return PlannedWrite(path, content, Outcome.CREATED)
    if current == _encoded(content):
        return PlannedWrite(path, content, Outcome.UNCHANGED)
    return PlannedWrite(path, content, Outcome.UPDATED if force else Outcome.CONFLICT)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write through a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(_encoded(content))
            stream.flush()
            os.fsync(stream.fileno())
        mode = 0o644 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _encoded(content: str | bytes) -> bytes:
    """Text as UTF-8; bytes (a PNG) as they are."""
    return content.encode("utf-8") if isinstance(content, str) else content


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
