"""The 1-D/2-D/3-D spatial layers and data_format, without TensorFlow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.analysis.catalog import CATALOG
from generator.analysis.layers.base import Shape, ShapeError
from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.values import padding_sides
from tests.spatial_cases import CASES

IDS = [f"{row[0]}-{index}" for index, row in enumerate(CASES)]


def infer(type_name: str, args: dict[str, Any], shape: list[int | None]) -> tuple[Shape, int]:
    output = CATALOG[type_name].infer(args, [(None, *shape)])
    return output.shape, output.trainable + output.non_trainable


@pytest.mark.parametrize(("type_name", "args", "shape", "expected", "weights"), CASES, ids=IDS)
def test_shapes_and_weights_are_keras_own(
    type_name: str, args: dict[str, Any], shape: list[int | None], expected: list[int | None],
    weights: int,
) -> None:  # fmt: skip
    assert infer(type_name, args, shape) == (tuple(expected), weights)


def _flip(shape: list[int | None], lead: int, to_first: bool) -> list[int | None]:
    """Move the channel axis between the end and just after the `lead` axes."""
    if to_first:
        return [*shape[:lead], shape[-1], *shape[lead:-1]]
    return [*shape[:lead], *shape[lead + 1 :], shape[lead]]


@pytest.mark.parametrize(("type_name", "args", "shape", "expected", "weights"), CASES, ids=IDS)
def test_the_other_layout_is_the_transpose(
    type_name: str, args: dict[str, Any], shape: list[int | None], expected: list[int | None],
    weights: int,
) -> None:  # fmt: skip
    if "data_format" not in CATALOG[type_name].args:
        pytest.skip(f"{type_name} has no data_format")
    to_first = args.get("data_format", "channels_last") == "channels_last"
    flipped = {**args, "data_format": "channels_first" if to_first else "channels_last"}
    recurrent = type_name.startswith("ConvLSTM")
    batched = [None, *shape]
    out_lead = 2 if recurrent and args.get("return_sequences") else 1
    out = expected if len(expected) == 2 else _flip(expected, out_lead, to_first)
    got = infer(type_name, flipped, _flip(batched, 2 if recurrent else 1, to_first)[1:])
    assert got == (tuple(out), weights)


def test_errors_name_the_layout() -> None:
    args = {"filters": 2, "kernel_size": 2, "data_format": "channels_first"}
    with pytest.raises(ShapeError, match=r"Conv3D expects a 5-D input \(batch, channels, depth"):
        infer("Conv3D", args, [2, 5, 5])
    with pytest.raises(ShapeError, match=r"\(batch, time, steps, channels\)"):
        infer("ConvLSTM1D", {"filters": 2, "kernel_size": 2}, [4, 2])
    with pytest.raises(ShapeError, match="on axis 3 with padding='valid'"):
        infer("Conv2D", {**args, "kernel_size": [1, 4]}, [1, 5, 3])


def test_conv_lstm_needs_known_spatial_dimensions() -> None:
    with pytest.raises(ShapeError, match="ConvLSTM2D needs known spatial dimensions"):
        infer("ConvLSTM2D", {"filters": 2, "kernel_size": 2}, [3, None, 4, 1])
    # The time axis may vary.
    assert infer("ConvLSTM2D", {"filters": 1, "kernel_size": 1}, [None, 2, 2, 1])[0] == (
        None, 2, 2, 1,
    )  # fmt: skip


def test_cropping_defaults_follow_keras_and_refuse_too_much() -> None:
    assert infer("Cropping1D", {}, [3, 2])[0] == (None, 1, 2)
    assert infer("Cropping2D", {}, [3, 3, 2])[0] == (None, 3, 3, 2)
    with pytest.raises(ShapeError, match="Cropping3D removes 2 of 2 on axis 2"):
        infer("Cropping3D", {"data_format": "channels_first"}, [1, 2, 5, 5])


@pytest.mark.parametrize(
    ("dims", "value", "ok"),
    [
        (1, 2, True),
        (1, [0, 3], True),
        (1, [1, 2, 3], False),
        (1, [[1, 2]], False),
        (3, [1, 2, 3], True),
        (3, [[1, 1], [0, 0], [2, 2]], True),
        (3, [1, 2], False),
        (3, [[1, 1], [0, 0]], False),
        (3, -1, False),
        (3, [1, [1, 2], 3], False),
    ],
)
def test_padding_sides(dims: int, value: Any, ok: bool) -> None:
    assert (padding_sides(dims).problem(value) is None) == ok


def _checked(inputs: list[dict[str, Any]], layers: list[dict[str, Any]]) -> Any:
    spec = {"name": "m", "inputs": inputs, "layers": layers, "training": {"loss": "mse"}}
    return check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))


def _problems(inputs: list[dict[str, Any]], layers: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(SpecError) as error:
        _checked(inputs, layers)
    return [problem.message for problem in error.value.problems]


def test_the_script_writes_data_format_and_the_new_layers() -> None:
    checked = _checked(
        [{"name": "clip", "shape": [None, 2, 8, 8]}],
        [
            {"name": "memory", "type": "ConvLSTM2D", "filters": 4, "kernel_size": 3,
             "data_format": "channels_first"},
            {"name": "up", "type": "UpSampling2D", "data_format": "channels_first"},
        ],
    )  # fmt: skip
    source = " ".join(generate(checked).split())  # one line, whatever black stacked
    assert (
        '# (None, 4, 6, 6) memory = layers.ConvLSTM2D(4, 3, data_format="channels_first",'
        ' name="memory")(clip)'
    ) in source
    assert (
        '# (None, 4, 12, 12) up = layers.UpSampling2D(data_format="channels_first", name="up")'
    ) in source


def test_skip_connection_hints_in_1d_and_3d() -> None:
    conv = {"type": "Conv1D", "filters": 4, "inputs": "signal"}
    assert _problems(
        [{"name": "signal", "shape": [20, 1]}],
        [
            {"name": "short", "kernel_size": 3, **conv},
            {"name": "long", "kernel_size": 6, **conv},
            {"name": "merged", "type": "Concatenate", "inputs": ["short", "long"]},
        ],
    ) == [
        "merged: Concatenate on axis -1 needs the other axes to match, but axis 1 differs:"
        " short (None, 18, 4), long (None, 15, 4)"
        ' (use padding="same" on short and long;'
        " or crop short with layers.Cropping1D((1, 2))"
        " or pad long with layers.ZeroPadding1D((1, 2));"
        " or axis=1 would fit these shapes)"
    ]
    volume = {"type": "Conv3D", "filters": 2, "inputs": "scan", "data_format": "channels_first"}
    assert _problems(
        [{"name": "scan", "shape": [1, 9, 9, 9]}],
        [
            {"name": "a", "kernel_size": 2, **volume},
            {"name": "b", "kernel_size": [3, 2, 2], **volume},
            {"name": "merged", "type": "Add", "inputs": ["a", "b"]},
        ],
    ) == [
        "merged: Add: the shapes do not broadcast: sizes must be equal or 1:"
        " a (None, 2, 8, 8, 8), b (None, 2, 7, 8, 8)"
        ' (use padding="same" on a and b;'
        " or crop a with layers.Cropping3D(((0, 1), (0, 0), (0, 0)),"
        ' data_format="channels_first")'
        " or pad b with layers.ZeroPadding3D(((0, 1), (0, 0), (0, 0)),"
        ' data_format="channels_first"))'
    ]


def test_int_ids_pass_padding_but_not_3d_max_pooling() -> None:
    ids = [{"name": "ids", "shape": [2, 2, 2, 1], "dtype": "int32"}]
    _checked(
        ids, [{"name": "pad", "type": "ZeroPadding3D"}, {"name": "up", "type": "UpSampling3D"}]
    )
    assert any(
        "MaxPooling3D cannot take int32 values" in problem
        for problem in _problems(ids, [{"name": "pool", "type": "MaxPooling3D", "pool_size": 1}])
    )


@pytest.mark.parametrize(
    ("kernel", "dilation", "refused"), [(2, 1, True), (4, 1, True), (3, 1, False), (3, 2, False)]
)
def test_same_padding_with_output_padding_0_needs_an_odd_dilated_kernel(
    kernel: int, dilation: int, refused: bool
) -> None:
    """Keras computes (L-1)*s + k%2 + 0 steps; TensorFlow's kernel makes L*s and fails."""
    args = {"filters": 1, "kernel_size": kernel, "padding": "same", "output_padding": 0}
    if dilation != 1:
        args["dilation_rate"] = dilation
    if refused:
        with pytest.raises(ShapeError, match="output_padding 0 fails when it runs"):
            infer("Conv1DTranspose", args, [None, 1])
    else:
        assert infer("Conv1DTranspose", args, [None, 1])[0] == (None, None, 1)
    # Left out, Keras pads to L*s whatever the kernel.
    del args["output_padding"]
    assert infer("Conv1DTranspose", args, [5, 1])[0] == (None, 5, 1)
