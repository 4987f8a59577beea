"""Compiled templates are kept between runs, and a cache that fails is passed over."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from generator.codegen.render import TEMPLATE_DIRS, TemplateCache, environment, template_cache

TEMPLATES = next(path for path in TEMPLATE_DIRS if path.is_dir())


def _fresh(cache: jinja2.BytecodeCache | None) -> jinja2.Environment:
    """environment() with `cache`, and no templates in memory yet."""
    env = environment().overlay(bytecode_cache=cache)
    env.cache = None
    return env


def _code(name: str) -> bytes:
    """The template's render function compiled without any cache."""
    return _fresh(None).get_template(name).root_render_func.__code__.co_code


def _compiled(cache: TemplateCache, name: str) -> jinja2.bccache.Bucket:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    return cache.get_bucket(environment(), name, str(TEMPLATES / name), source)


def test_the_environment_keeps_compiled_templates() -> None:
    assert isinstance(template_cache(), TemplateCache)
    assert isinstance(environment().bytecode_cache, TemplateCache)


def test_a_template_compiled_once_is_loaded_not_compiled(tmp_path: Path) -> None:
    cache = TemplateCache(str(tmp_path))
    _fresh(cache).get_template("script.py.jinja")
    assert len(os.listdir(tmp_path)) == 1
    assert _compiled(cache, "script.py.jinja").code is not None  # found, with its code


def test_the_key_depends_on_the_generator_not_only_the_file(tmp_path: Path) -> None:
    plain = jinja2.FileSystemBytecodeCache(str(tmp_path))
    ours = TemplateCache(str(tmp_path))
    assert ours.get_cache_key("script.py.jinja", "f") != plain.get_cache_key("script.py.jinja", "f")


BROKEN = [b"", b"garbage", jinja2.bccache.bc_magic + b"\x80", jinja2.bccache.bc_magic]


@pytest.mark.parametrize("content", BROKEN, ids=["empty", "garbage", "cut", "no checksum"])
def test_a_broken_cache_file_is_compiled_over(tmp_path: Path, content: bytes) -> None:
    cache = TemplateCache(str(tmp_path))
    _fresh(cache).get_template("compile.py.jinja")
    for path in tmp_path.iterdir():
        path.write_bytes(content)
    loaded = _fresh(cache).get_template("compile.py.jinja").root_render_func.__code__
    assert loaded.co_code == _code("compile.py.jinja")
    assert _compiled(cache, "compile.py.jinja").code is not None  # written anew


def test_an_unwritable_cache_folder_is_passed_over(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    cache = TemplateCache(str(folder))  # the folder does not exist: nothing can be written
    assert _fresh(cache).get_template("compile.py.jinja").filename is not None
    assert not folder.exists()
