"""Read a saved model's JSON safely: a `.keras` archive's config.json, or a `.json` file
(a `.h5` file's attributes are read by h5.py, then parsed here).

Nothing in the file is ever run or imported: only JSON is read, with limits on size,
compression ratio, nesting and numbers, so a zip bomb or a hostile file stops early.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import IO, Any

from generator.errors import Problem, SpecError

MAX_CONFIG_BYTES = 32 * 1024 * 1024  # NASNetLarge's config.json is about 2 MiB
MAX_RATIO = 200  # uncompressed / compressed: Keras's JSON compresses about 10 to 1
MAX_DEPTH = 64
MAX_ENTRIES = 10_000  # members of a .keras archive
_INT_DIGITS = 30
_CHUNK = 1024 * 1024
# A JSON string, as one unrolled loop (an alternation per character is three times slower).
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


@dataclass(frozen=True)
class SavedModel:
    """The model's serialized form and, from an archive, its compile config."""

    file: str
    model: dict[str, Any]  # {"class_name": "Functional", "config": {...}} or the bare config
    compile_config: dict[str, Any] | None = None


def read_saved_model(path: Path) -> SavedModel:
    """Read a .keras archive, a .h5 file or a .json file."""
    file = str(path)
    if not path.exists():
        raise _error(file, "no such file")
    if not path.is_file():
        raise _error(file, "not a regular file")
    if path.suffix.lower() in (".h5", ".hdf5"):
        from generator.importer.h5 import read_h5  # its module imports archive's helpers

        return read_h5(path)
    if path.suffix.lower() == ".keras" or zipfile.is_zipfile(path):
        return _read_archive(path, file)
    if path.suffix.lower() != ".json":
        raise _error(
            file, "expected a .keras archive, a .h5 file or a .json file with model.to_json()"
        )
    with path.open("rb") as stream:
        raw = _read_capped(stream, file, "the file")
    model = parse_json(raw, file)
    if not isinstance(model, dict):
        raise _error(file, "expected a JSON object (model.to_json() or a model config)")
    compile_config = model.get("compile_config")
    return SavedModel(file, model, compile_config if isinstance(compile_config, dict) else None)


def _read_archive(path: Path, file: str) -> SavedModel:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise _error(file, f"the archive holds more than {MAX_ENTRIES} files")
            names = [info.filename for info in infos]
            for wanted in ("config.json", "metadata.json"):
                if names.count(wanted) > 1:
                    raise _error(file, f"the archive holds {wanted} more than once")
            if "config.json" not in names:
                raise _error(file, "no config.json in the archive (not a Keras 3 .keras file?)")
            config = parse_json(_member(archive, "config.json", file), f"{file}:config.json")
    except zipfile.BadZipFile as error:
        raise _error(file, f"not a readable .keras archive ({error})") from None
    except (OSError, EOFError, NotImplementedError) as error:
        raise _error(file, f"cannot read the archive ({error})") from None
    if not isinstance(config, dict):
        raise _error(file, "config.json must hold a JSON object")
    config = without_sharing(config)
    compile_config = config.get("compile_config")
    return SavedModel(file, config, compile_config if isinstance(compile_config, dict) else None)


def _member(archive: zipfile.ZipFile, name: str, file: str) -> bytes:
    """A member's bytes, refused past the size cap or the compression ratio."""
    info = archive.getinfo(name)
    if info.file_size > MAX_CONFIG_BYTES:
        raise _error(file, f"{name} is larger than {MAX_CONFIG_BYTES} bytes")
    with archive.open(info) as stream:
        data = _read_capped(stream, file, name, compressed=max(info.compress_size, 1))
    return data


def _read_capped(stream: IO[bytes], file: str, what: str, compressed: int | None = None) -> bytes:
    """Read at most MAX_CONFIG_BYTES, in chunks, checking the ratio as the data grows."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > MAX_CONFIG_BYTES:
            raise _error(file, f"{what} is larger than {MAX_CONFIG_BYTES} bytes")
        if compressed is not None and total > MAX_RATIO * compressed + _CHUNK:
            raise _error(
                file,
                f"{what} expands more than {MAX_RATIO} times (a zip bomb?); not read",
            )
        chunks.append(chunk)


def without_sharing(value: Any) -> Any:
    """Drop the `shared_object_id` that an archive adds to objects several layers share
    (the float32 dtype policy of every layer): bookkeeping for loading, not an argument."""
    if isinstance(value, dict):
        return {k: without_sharing(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [without_sharing(item) for item in value]
    return value


def parse_json(raw: bytes, file: str) -> Any:
    """Strict JSON: UTF-8, finite numbers, bounded integers and nesting, no duplicate keys."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _error(file, f"not UTF-8 text (byte {error.start})") from None
    if _too_deep(text):
        raise _error(file, f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(
            text,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as error:
        raise SpecError(
            [Problem(f"malformed JSON: {error.msg}", (), file, error.lineno, error.colno)]
        ) from None
    except _Refused as refused:
        raise _error(file, str(refused)) from None
    except RecursionError:
        raise _error(file, f"JSON nested deeper than {MAX_DEPTH} levels") from None


class _Refused(ValueError):
    """A JSON value the importer does not read."""


def _too_deep(text: str) -> bool:
    """Brackets nested deeper than MAX_DEPTH, counted outside strings."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not allowed (a finite number is)")


def _bounded_int(literal: str) -> int:
    if len(literal) > _INT_DIGITS:
        raise _Refused(f"integer {literal[:20]}... is out of range")
    return int(literal)


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _Refused(f"number {literal[:20]} is out of range (a finite number is)")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"duplicate key {key!r} in a JSON object")
        result[key] = value
    return result


def _error(file: str, message: str) -> SpecError:
    return SpecError([Problem(message, (), file)])
