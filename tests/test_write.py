"""Nothing lost: atomic writes, failures that leave nothing behind, kills mid-write."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.cli import write as write_module
from generator.cli.write import WriteError, write_all, write_atomic
from tests.conftest import REPO, VALID_SPEC, files_under

OLD = "# the old file, which must survive\n"


def _env() -> dict[str, str]:
    """Subprocesses import this checkout's generator, whatever is installed."""
    return dict(os.environ, PYTHONPATH=str(REPO))


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def _fail(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_rename_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.py"
    target.write_text(OLD)
    monkeypatch.setattr(write_module.os, "replace", _fail)
    with pytest.raises(OSError):
        write_atomic(target, "new content\n")
    assert target.read_text() == OLD
    assert _temporaries(tmp_path) == []


@pytest.mark.parametrize("failing_call", [1, 2, 3])
def test_a_failure_while_staging_writes_nothing(
    failing_call: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = [tmp_path / "a.py", tmp_path / "sub" / "b.py", tmp_path / "c.py"]
    targets[0].write_text(OLD)
    real_fsync = os.fsync
    calls = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == failing_call:
            _fail()
        real_fsync(fd)

    monkeypatch.setattr(write_module.os, "fsync", fsync)
    before = files_under(tmp_path)
    with pytest.raises(WriteError) as error:
        write_all([(path, f"new {path.name}\n") for path in targets])
    assert error.value.path == targets[failing_call - 1]
    assert error.value.written == ()
    assert error.value.reason == "No space left on device"
    assert files_under(tmp_path) == before
    assert _temporaries(tmp_path) == []


def test_a_failure_while_renaming_says_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = [tmp_path / "a.py", tmp_path / "b.py", tmp_path / "c.py"]
    real_replace = os.replace
    calls = []

    def replace(source: str, destination: str) -> None:
        calls.append(destination)
        if len(calls) == 2:
            _fail()
        real_replace(source, destination)

    monkeypatch.setattr(write_module.os, "replace", replace)
    with pytest.raises(WriteError) as error:
        write_all([(path, "new\n") for path in targets])
    assert error.value.written == (targets[0],)
    assert error.value.not_written == (targets[1], targets[2])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_an_interrupt_between_staging_and_rename_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.py"
    target.write_text(OLD)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(write_module.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_all([(target, "new\n")])
    assert target.read_text() == OLD
    assert _temporaries(tmp_path) == []


def test_the_cli_reports_a_failed_write_and_writes_nothing(
    cli, spec_file, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = spec_file(name="a.yaml")
    second = spec_file(VALID_SPEC.replace("name: small", "name: other"), name="b.yaml")
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "small.py").write_text(OLD)
    real_fsync = os.fsync
    calls = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the second script, after the first is staged
            _fail()
        real_fsync(fd)

    monkeypatch.setattr(write_module.os, "fsync", fsync)
    before = files_under(tmp_path)
    result = cli("generate", first, second, "--force")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: output/other.py: cannot write: No space left on device (nothing written)\n"
    )
    assert files_under(tmp_path) == before
    assert _temporaries(tmp_path) == []


def test_the_cli_refuses_a_place_that_cannot_hold_a_file(cli, spec_file, tmp_path: Path) -> None:
    name = spec_file()
    (tmp_path / "afile").write_text("x")
    for output in ("afile/", "afile/model.py"):
        result = cli("generate", name, "-o", output)
        assert result.exit_code == 2
        assert result.stderr.endswith(": cannot write: Not a directory (nothing written)\n")
    result = cli("generate", name, "-o", "afile/", "--check")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: afile/small.py: cannot read: Not a directory\n",
    )
    assert files_under(tmp_path).keys() == {"afile", name}


def test_a_symlink_that_appears_late_is_replaced_not_written_through(tmp_path: Path) -> None:
    # plan_write refuses symlinks; if one appears after that check, the rename replaces the
    # link itself and never writes into the file it points to.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "model.py"
    link.symlink_to(victim)
    write_atomic(link, "new\n")
    assert victim.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text() == "new\n"


def test_dangling_and_folder_symlinks_are_refused(cli, spec_file, tmp_path: Path) -> None:
    name = spec_file()
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "small.py").symlink_to(tmp_path / "elsewhere.py")
    result = cli("generate", name, "--force")
    assert result.exit_code == 2
    assert not (tmp_path / "elsewhere.py").exists()
    (tmp_path / "output" / "small.py").unlink()
    (tmp_path / "output" / "small.py").mkdir()
    result = cli("generate", name, "--force")
    assert result.exit_code == 2
    assert "is a symlink or not a regular file" in result.stderr


def test_overwriting_keeps_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    target.write_text(OLD)
    target.chmod(0o750)
    write_atomic(target, "new\n")
    assert target.stat().st_mode & 0o777 == 0o750


# Killing the writer ------------------------------------------------------------------------

SLOW_WRITER = """
import os, sys, time
from pathlib import Path
import generator.cli.write as w

def slow_fsync(fd):
    Path(sys.argv[2]).write_text("staged")  # tell the test we are mid-write
    time.sleep(60)

w.os.fsync = slow_fsync
w.write_atomic(Path(sys.argv[1]), "NEW\\n" * 100_000)
"""


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_killed_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    target.write_text(OLD)
    signal_file = tmp_path / "signal"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(target), str(signal_file)],
        env=_env(),
        stderr=subprocess.PIPE,
    )
    _wait_for(signal_file, process)
    process.kill()
    process.wait()
    assert target.read_text() == OLD
    # A kill cannot clean up: the staged temporary stays, hidden, beside the target.
    assert all(name.startswith(".model.py.") for name in _temporaries(tmp_path))
    write_atomic(target, "after\n")
    assert target.read_text() == "after\n"


REWRITER = """
import sys
from pathlib import Path
from generator.cli.write import write_atomic

target = Path(sys.argv[1])
contents = ["A" * 2_000_000, "B" * 2_000_000]
Path(sys.argv[2]).write_text("started")
i = 0
while True:
    write_atomic(target, contents[i % 2])
    i += 1
"""


@pytest.mark.slow
def test_killed_at_random_moments_the_file_is_always_whole(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    target.write_text("A" * 2_000_000)
    whole = {"A" * 2_000_000, "B" * 2_000_000}
    chance = random.Random(5)
    for attempt in range(4):
        signal_file = tmp_path / f"started{attempt}"
        process = subprocess.Popen(
            [sys.executable, "-c", REWRITER, str(target), str(signal_file)], env=_env()
        )
        _wait_for(signal_file, process)
        time.sleep(chance.uniform(0.0, 0.15))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert target.read_text() in whole
        # A kill between mkstemp and rename leaves a temporary (measured: 1 to 3 of 6
        # kills do); the deterministic test above kills mid-write every time.
        for temporary in tmp_path.glob(".model.py.*.tmp"):
            temporary.unlink()


CLI_WITH_SLOW_WRITE = """
import os, sys, time
from pathlib import Path
import generator.cli.write as w

real_fsync = os.fsync

def slow_fsync(fd):
    real_fsync(fd)
    Path("signal").write_text("staged")
    time.sleep(60)

w.os.fsync = slow_fsync
from generator.cli.app import main
sys.argv = ["mergegen", "generate", "a.yaml", "b.yaml", "--force"]
main()
"""


@pytest.mark.slow
def test_killing_mergegen_generate_mid_write_leaves_every_old_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID_SPEC)
    (tmp_path / "b.yaml").write_text(VALID_SPEC.replace("name: small", "name: other"))
    (tmp_path / "output").mkdir()
    for name in ("small.py", "other.py"):
        (tmp_path / "output" / name).write_text(OLD)
    process = subprocess.Popen(
        [sys.executable, "-c", CLI_WITH_SLOW_WRITE],
        cwd=tmp_path,
        env=_env(),
        stderr=subprocess.PIPE,
    )
    _wait_for(tmp_path / "signal", process)
    process.kill()
    process.wait()
    for name in ("small.py", "other.py"):
        assert (tmp_path / "output" / name).read_text() == OLD
