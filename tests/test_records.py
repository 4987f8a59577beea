"""generator/records.py: a record behaves as the frozen dataclass it replaces."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from generator.records import field, record, record_fields


@record
class Point:
    """A record with a default and a factory."""

    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "point"


@dataclasses.dataclass(frozen=True)
class DataPoint:
    """The same as a frozen dataclass."""

    x: int
    y: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)
    kind: ClassVar[str] = "point"


@record
class Labelled(Point):
    """A subclass adds its fields after its base's."""

    label: str = ""


@record
class Checked:
    """`__post_init__` runs after the fields are set."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


@record
class Empty:
    """No fields at all."""


def test_construction_defaults_and_factories_match_a_dataclass() -> None:
    for args, kwargs in [((1,), {}), ((1, 2), {}), ((1,), {"y": 3}), ((), {"x": 4, "tags": ["a"]})]:
        made, expected = Point(*args, **kwargs), DataPoint(*args, **kwargs)
        assert (made.x, made.y, made.tags) == (expected.x, expected.y, expected.tags)
        assert repr(made) == repr(expected).replace("DataPoint", "Point")
    assert Point(1).tags is not Point(1).tags  # a new list for each
    assert record_fields(Point) == ("x", "y", "tags")
    assert Point.kind == "point" and "kind" not in vars(Point(1))


def test_equality_and_hash_compare_fields_of_the_same_class_only() -> None:
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    assert hash(Checked(1, 2)) == hash(Checked(1, 2)) and len({Checked(1, 2), Checked(1, 2)}) == 1
    assert Point(1) != Labelled(1)  # a subclass is another class, as for dataclasses
    assert Point(1) != (1, 0, [])
    assert Empty() == Empty() and hash(Empty()) == hash(Empty()) and repr(Empty()) == "Empty()"
    with pytest.raises(TypeError):
        hash(Point(1))  # a list field is unhashable, as in a frozen dataclass


def test_records_are_frozen() -> None:
    point = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.x


def test_subclasses_and_post_init() -> None:
    labelled = Labelled(1, 2, ["t"], "here")
    assert record_fields(Labelled) == ("x", "y", "tags", "label")
    assert repr(labelled) == "Labelled(x=1, y=2, tags=['t'], label='here')"
    assert Labelled(1, label="l").y == 0
    with pytest.raises(ValueError, match="low above high"):
        Checked(2, 1)
    assert Checked.__match_args__ == ("low", "high")


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((1, 2, [], 4), {}), ((1,), {"x": 2}), ((1,), {"z": 2})],
    ids=["missing", "too many", "repeated", "unknown"],
)
def test_wrong_arguments_are_type_errors(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    with pytest.raises(TypeError):
        Point(*args, **kwargs)  # type: ignore[arg-type]
