"""Write: atomic writes that never overwrite a different file without --force."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

from generator.records import record


class WriteOutcome(Enum):
    """What writing one file did or would do."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "exists"  # different content, no --force
    REFUSED = "refused"  # a symlink or not a regular file: never replaced
    UNWRITABLE = "unwritable"  # the place cannot hold a file (a parent is a file, no access)


@record
class PlannedWrite:
    """A file to write and what writing it would do."""

    path: Path
    content: str | bytes
    outcome: WriteOutcome
    reason: str = ""  # why, for UNWRITABLE


class WriteError(Exception):
    """Writing failed; says which files were written and which were not."""

    def __init__(
        self, path: Path, reason: str, written: Sequence[Path], not_written: Sequence[Path]
    ) -> None:
        self.path = path
        self.reason = reason
        self.written = tuple(written)
        self.not_written = tuple(not_written)
        super().__init__(f"{path}: {reason}")


def plan_write(path: Path, content: str | bytes, force: bool) -> PlannedWrite:
    """Compare `content` with what is on disk now."""
    try:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            return PlannedWrite(path, content, WriteOutcome.REFUSED)
        current = path.read_bytes()
    except FileNotFoundError:
        return PlannedWrite(path, content, WriteOutcome.CREATED)
    except OSError as error:
        return PlannedWrite(path, content, WriteOutcome.UNWRITABLE, _reason(error))
    if current == _encoded(content):
        return PlannedWrite(path, content, WriteOutcome.UNCHANGED)
    return PlannedWrite(path, content, WriteOutcome.UPDATED if force else WriteOutcome.CONFLICT)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write through a temporary file in the same folder, then rename over the target.

    A reader, or a crash at any moment, sees the old file or the new one, never a part.
    """
    temporary = _stage(path, content)
    try:
        os.replace(temporary, path)
    except BaseException:
        _discard([temporary])
        raise
    _sync_folder(path.parent)


def write_all(files: Sequence[tuple[Path, str | bytes]]) -> None:
    """Write several files all or nothing, as far as the file system allows.

    Every file is first written in full to a temporary file beside its target; only when all
    of them are on disk are they renamed into place. A failure while staging leaves nothing
    behind; a failure while renaming (rare: the disk is full or gone) raises a WriteError
    that says which files were written.
    """
    staged: list[tuple[Path, Path]] = []
    for path, content in files:
        try:
            staged.append((_stage(path, content), path))
        except BaseException as error:
            _discard([temporary for temporary, _ in staged])
            if isinstance(error, OSError):
                raise WriteError(path, _reason(error), [], [p for p, _ in files]) from None
            raise
    for index, (temporary, path) in enumerate(staged):
        try:
            os.replace(temporary, path)
        except BaseException as error:
            _discard([temporary for temporary, _ in staged[index:]])
            if isinstance(error, OSError):
                written = [p for _, p in staged[:index]]
                not_written = [p for _, p in staged[index:]]
                raise WriteError(path, _reason(error), written, not_written) from None
            raise
    for folder in dict.fromkeys(path.parent for _, path in staged):
        _sync_folder(folder)


def _stage(path: Path, content: str | bytes) -> Path:
    """`content` in a synced temporary file beside `path`, with the mode `path` should get."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(_encoded(content))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode(path))
    except BaseException:
        _discard([temporary])
        raise
    return temporary


def _mode(path: Path) -> int:
    """Keep the permissions of the file being replaced; new files get 0o644 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o644 & ~_umask()


def _discard(temporaries: Sequence[Path]) -> None:
    for temporary in temporaries:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _encoded(content: str | bytes) -> bytes:
    """Text as UTF-8; bytes (a PNG) as they are."""
    return content.encode("utf-8") if isinstance(content, str) else content


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
