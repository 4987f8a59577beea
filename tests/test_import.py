"""mergegen import without TensorFlow: small model documents, refusals, hostile files."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import SpecError
from generator.importer.archive import MAX_CONFIG_BYTES, read_saved_model
from generator.importer.run import import_model
from tests.import_docs import dense_chain, functional, input_layer, layer, tensor

FIXTURES = Path(__file__).parent / "import_fixtures"


def write(tmp_path: Path, document: Any, name: str = "model.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def imported(tmp_path: Path, document: Any) -> dict[str, Any]:
    result: dict[str, Any] = yaml.safe_load(import_model(write(tmp_path, document)).text)
    return result


def problems(tmp_path: Path, document: Any) -> list[str]:
    with pytest.raises(SpecError) as refused:
        import_model(write(tmp_path, document))
    return [problem.render() for problem in refused.value.problems]


# What the spec holds ---------------------------------------------------------------------------


def test_only_arguments_that_differ_from_kerass_defaults_are_written(tmp_path: Path) -> None:
    spec = imported(tmp_path, dense_chain(activation="linear", use_bias=False))
    assert spec["layers"] == [{"name": "hidden", "type": "Dense", "inputs": "features",
                               "units": 3, "use_bias": False}]  # fmt: skip
    assert spec["inputs"] == [{"name": "features", "shape": [4]}]


def test_a_keras_serialized_initializer_becomes_its_short_form(tmp_path: Path) -> None:
    scaling = {"module": "keras.initializers", "class_name": "VarianceScaling",
               "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal",
                          "seed": None}, "registered_name": None}  # fmt: skip
    l2 = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.0001},
          "registered_name": None}  # fmt: skip
    he = {"module": "keras.initializers", "class_name": "HeNormal",
          "config": {"seed": None}, "registered_name": None}  # fmt: skip
    spec = imported(
        tmp_path,
        dense_chain(kernel_initializer=scaling, kernel_regularizer=l2, bias_initializer=he),
    )
    hidden = spec["layers"][0]
    assert hidden["kernel_initializer"] == {"VarianceScaling": {"scale": 2.0, "mode": "fan_out"}}
    assert hidden["kernel_regularizer"] == {"L2": 0.0001}
    assert hidden["bias_initializer"] == "he_normal"


def test_the_keras_built_small_model_imports_with_sizes_as_one_int(tmp_path: Path) -> None:
    text = import_model(FIXTURES / "small_cnn.json").text
    spec = yaml.safe_load(text)
    stem = spec["layers"][0]
    assert stem == {"name": "stem", "type": "Conv2D", "inputs": "image", "filters": 8,
                    "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu",
                    "kernel_initializer": "he_normal", "kernel_regularizer": {"L2": 0.0001}}  # fmt: skip
    assert "  - {name: stem, type: Conv2D, inputs: image, filters: 8, kernel_size: 3" in text
    # `x + 1.0` on a symbolic tensor is a keras.ops node: a compute expression.
    assert {"name": "add", "compute": "x + 1.0", "inputs": {"x": "stem_bn"}} in spec["layers"]
    assert spec["training"]["optimizer"] == {"Adam": {"learning_rate": 0.0003, "clipnorm": 1.0}}
    assert spec["training"]["loss"] == "categorical_crossentropy"


def test_a_layer_taking_the_layer_above_leaves_inputs_out(tmp_path: Path) -> None:
    document = functional(
        "two", [input_layer("x", [4]),
                layer("Dense", "a", [tensor("x")], {"units": 2}),
                layer("Dense", "b", [tensor("a")], {"units": 2}),
                layer("Dense", "c", [tensor("x")], {"units": 2}),
                layer("Add", "sum", [[tensor("b"), tensor("c")]])],
        ["x"], ["sum"])  # fmt: skip
    spec = imported(tmp_path, document)
    assert [entry.get("inputs") for entry in spec["layers"]] == ["x", None, "x", ["b", "c"]]
    assert "outputs" not in spec


def test_inputs_follow_the_models_input_order(tmp_path: Path) -> None:
    document = functional(
        "two", [input_layer("b", [4]), input_layer("a", [4]),
                layer("Add", "sum", [[tensor("a"), tensor("b")]])],
        ["a", "b"], ["sum"])  # fmt: skip
    assert [item["name"] for item in imported(tmp_path, document)["inputs"]] == ["a", "b"]


@pytest.mark.parametrize("spec_format", ["yaml", "json", "toml"])
def test_every_format_reads_back_as_the_same_spec(tmp_path: Path, spec_format: str) -> None:
    result = import_model(FIXTURES / "small_cnn.json", spec_format)
    assert result.checked.spec.layers[0].name == "stem"
    assert len(result.checked.spec.layers) == 8


def test_the_embedding_mask_operation_is_left_to_keras(tmp_path: Path) -> None:
    mask = layer("NotEqual", "not_equal", [tensor("embed"), 0], module="keras.src.ops.numpy",
                 registered="NotEqual")  # fmt: skip
    pooled = layer("GlobalAveragePooling1D", "pool", [tensor("embed")])
    pooled["inbound_nodes"][0]["kwargs"] = {"mask": tensor("not_equal")}
    document = functional(
        "masked", [input_layer("tokens", [5]) | {"config": {**input_layer("tokens", [5])["config"],
                                                            "dtype": "int32"}},
                   layer("Embedding", "embed", [tensor("tokens")],
                         {"input_dim": 10, "output_dim": 4, "mask_zero": True}),
                   mask, pooled],
        ["tokens"], ["pool"])  # fmt: skip
    spec = imported(tmp_path, document)
    assert [entry["name"] for entry in spec["layers"]] == ["embed", "pool"]


def test_repeated_layers_come_back_as_one_block(tmp_path: Path) -> None:
    """Five prefixed Dense triples in a chain: one block, five calls, the Keras names kept."""
    chain = [input_layer("x", [4])]
    previous = "x"
    stages = [f"stage{k}" for k in range(1, 6)]
    for stage in stages:
        for part, units in (("fc", 8), ("mid", 6), ("out", 4)):
            name = f"{stage}_{part}"
            chain.append(layer("Dense", name, [tensor(previous)], {"units": units}))
            previous = name
    spec = imported(tmp_path, functional("chain", chain, ["x"], [previous]))
    assert len(spec["blocks"]) == 1
    assert [entry["name"] for entry in spec["layers"]] == stages


# Refusals --------------------------------------------------------------------------------------


def test_a_lambda_layer_is_refused_naming_its_class(tmp_path: Path) -> None:
    code = {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None}}
    document = functional(
        "lam", [input_layer("x", [4]), layer("Lambda", "evil", [tensor("x")], {"function": code})],
        ["x"], ["evil"])  # fmt: skip
    (line,) = problems(tmp_path, document)
    assert "layer 'evil': Lambda holds Python bytecode" in line


def test_custom_classes_are_refused_one_line_each(tmp_path: Path) -> None:
    document = functional(
        "custom", [input_layer("x", [4]),
                   layer("LayerScale", "scale_1", [tensor("x")], module="my.layers",
                         registered="Custom>LayerScale"),
                   layer("CustomScaleLayer", "scale_2", [tensor("scale_1")], {"scale": 0.17},
                         module="keras.src.applications.inception_resnet_v2",
                         registered="CustomScaleLayer")],
        ["x"], ["scale_2"])  # fmt: skip
    lines = problems(tmp_path, document)
    assert len(lines) == 2
    assert "custom class 'LayerScale'" in lines[0] and "'Custom>LayerScale'" in lines[0]
    assert "custom class 'CustomScaleLayer'" in lines[1] and "compute:" in lines[1]


def test_a_subclassed_model_is_refused(tmp_path: Path) -> None:
    document = {"module": "my_project.models", "class_name": "MyNet", "config": {},
                "registered_name": "MyNet"}  # fmt: skip
    (line,) = problems(tmp_path, document)
    assert "'MyNet'" in line and "subclassed model" in line


def test_a_builtin_lookalike_from_another_module_is_custom(tmp_path: Path) -> None:
    document = functional(
        "fake", [input_layer("x", [4]),
                 layer("Dense", "d", [tensor("x")], {"units": 2}, module="evil.layers")],
        ["x"], ["d"])  # fmt: skip
    (line,) = problems(tmp_path, document)
    assert "custom class 'Dense'" in line


# Hostile values go through the spec's checks ---------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"activation": "relu\nimport os"}, "expected one of linear"),
        (
            {
                "activation": {
                    "module": "builtins",
                    "class_name": "function",
                    "config": "eval",
                    "registered_name": None,
                }
            },
            "expected one of linear",
        ),  # fmt: skip
        ({"units": 10**12}, "integer"),
        (
            {
                "kernel_initializer": {
                    "module": "os",
                    "class_name": "system",
                    "config": {},
                    "registered_name": None,
                }
            },
            "initializer",
        ),  # fmt: skip
    ],
)
def test_hostile_arguments_are_refused_as_in_a_spec(
    tmp_path: Path, config: dict[str, Any], message: str
) -> None:
    lines = problems(tmp_path, dense_chain(**config))
    assert any(message in line for line in lines), lines


def test_a_hostile_layer_name_is_refused(tmp_path: Path) -> None:
    document = functional(
        "chain", [input_layer("x", [4]),
                  layer("Dense", "a\"); import os; (\"", [tensor("x")], {"units": 2})],
        ["x"], ["a\"); import os; (\""])  # fmt: skip
    assert any("name" in line for line in problems(tmp_path, document))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": NaN}', "NaN is not allowed"),
        ('{"a": 1e999}', "out of range"),
        ('{"a": 1' + "0" * 5000 + "}", "out of range"),
        ("[" * 10_000 + "]" * 10_000, "nested deeper"),
        ('{"a": 1, "a": 2}', "duplicate key"),
        ("[1, 2", "malformed JSON"),
        ("\udcff", "not UTF-8"),
    ],
)
def test_hostile_json_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(SpecError) as refused:
        read_saved_model(path)
    assert message in refused.value.problems[0].message


# Archives --------------------------------------------------------------------------------------


def test_a_keras_archive_is_read_from_config_json_only(tmp_path: Path) -> None:
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        zipped.writestr("config.json", json.dumps(dense_chain()))
        zipped.writestr("model.weights.h5", b"\x89HDF not read")
    assert import_model(archive).checked.spec.layers[0].name == "hidden"


def test_a_zip_bomb_is_refused_within_a_second(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.keras"
    block = b" " * (1 << 20)
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped,
        zipped.open("config.json", "w", force_zip64=True) as member,
    ):
        for _ in range(MAX_CONFIG_BYTES // len(block) * 4):
            member.write(block)
    assert archive.stat().st_size < MAX_CONFIG_BYTES // 50
    start = time.perf_counter()
    with pytest.raises(SpecError) as refused:
        read_saved_model(archive)
    assert time.perf_counter() - start < 1.0
    assert "zip bomb" in refused.value.problems[0].message or "larger than" in str(refused.value)


def test_a_ratio_bomb_under_the_size_cap_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.keras"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("config.json", b" " * (MAX_CONFIG_BYTES // 2))
    with pytest.raises(SpecError) as refused:
        read_saved_model(archive)
    assert "zip bomb" in refused.value.problems[0].message


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"metadata.json": "{}"}, "no config.json"),
        ({"config.json": "[1]"}, "must hold a JSON object"),
    ],
)
def test_archives_without_a_model_config_are_refused(
    tmp_path: Path, members: dict[str, str], message: str
) -> None:
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, content in members.items():
            zipped.writestr(name, content)
    with pytest.raises(SpecError) as refused:
        read_saved_model(archive)
    assert message in refused.value.problems[0].message


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(SpecError) as refused:
        read_saved_model(path)
    assert "not a readable .keras archive" in refused.value.problems[0].message


# The command line ------------------------------------------------------------------------------


def test_import_writes_the_spec_and_never_overwrites_without_force(cli, tmp_path: Path) -> None:
    source = write(tmp_path, dense_chain())
    first = cli("import", str(source))
    assert first.exit_code == 0, first.stderr
    written = tmp_path / "chain.yaml"
    assert "name: chain" in written.read_text()
    written.write_text("# mine\n")
    again = cli("import", str(source))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert written.read_text() == "# mine\n"
    assert cli("import", str(source), "--force").exit_code == 0
    assert "name: chain" in written.read_text()


def test_import_to_stdout_in_each_format(cli, tmp_path: Path) -> None:
    source = write(tmp_path, dense_chain())
    assert json.loads(cli("import", str(source), "-o", "-", "--format", "json").stdout)
    toml = cli("import", str(source), "-o", "-", "--format", "toml").stdout
    assert 'name = "chain"' in toml


def test_the_spec_then_generates(cli, tmp_path: Path) -> None:
    cli("import", str(FIXTURES / "small_cnn.json"), "-o", "small.yaml")
    result = cli("generate", "small.yaml", "-o", "small.py")
    assert result.exit_code == 0, result.stderr
    script = (tmp_path / "small.py").read_text()
    assert "kernel_regularizer=keras.regularizers.L2(0.0001)," in script
    assert "keras.optimizers.Adam(learning_rate=0.0003, clipnorm=1.0)" in script
    assert "add = stem_bn + 1.0" in script


def test_a_refused_import_writes_nothing_and_exits_2(cli, tmp_path: Path) -> None:
    document = functional(
        "lam", [input_layer("x", [4]), layer("Lambda", "evil", [tensor("x")], {})],
        ["x"], ["evil"])  # fmt: skip
    source = write(tmp_path, document)
    result = cli("import", str(source), "-o", "out.yaml")
    assert result.exit_code == 2
    assert result.errors == [f"error: {source}: layer 'evil': Lambda holds Python bytecode,"
                             " which is never read or run; refused (write it as a `compute:`"
                             " expression over keras.ops)"]  # fmt: skip
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_a_missing_source_is_one_error(cli, tmp_path: Path) -> None:
    result = cli("import", "nothing.keras")
    assert result.exit_code == 2 and result.errors == ["error: nothing.keras: no such file"]


# Speed that scales -----------------------------------------------------------------------------


def test_static_inference_time_per_layer_stays_flat() -> None:
    """8 times the layers cost about 8 times the time (a quadratic step would cost ~60 times)."""
    from generator.analysis.plan import build_graph
    from generator.spec.model import parse_spec
    from tests.benchmarks.import_bench import chain

    def seconds(layers: int) -> float:
        spec = parse_spec(chain(layers))
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            build_graph(spec)
            best = min(best, time.process_time() - start)
        return best

    assert seconds(4000) / seconds(500) < 16


def test_a_sequential_model_becomes_a_chain(tmp_path: Path) -> None:
    chain_json = dense_chain()
    first, hidden = chain_json["config"]["layers"]
    document = {
        "module": "keras", "class_name": "Sequential", "registered_name": None,
        "config": {"name": "seq", "layers": [
            {key: value for key, value in first.items() if key not in ("name", "inbound_nodes")},
            {key: value for key, value in hidden.items() if key not in ("name", "inbound_nodes")},
            {**{k: v for k, v in hidden.items() if k not in ("name", "inbound_nodes")},
             "config": {**hidden["config"], "name": "out", "units": 1}},
        ]},
    }  # fmt: skip
    spec = imported(tmp_path, document)
    assert spec["inputs"] == [{"name": "features", "shape": [4]}]
    assert [entry["name"] for entry in spec["layers"]] == ["hidden", "out"]
    assert "inputs" in spec["layers"][0] and "inputs" not in spec["layers"][1]


@pytest.mark.parametrize(
    ("class_name", "args", "compute"),
    [
        ("Add", ["T", 3.0], "x + 3.0"),
        ("Subtract", [3.0, "T"], "3.0 - x"),
        ("Multiply", ["T", "U"], "x * y"),
        ("TrueDivide", ["T", -2], "x / -2"),
        ("Absolute", ["T"], "abs(x)"),
        ("Sigmoid", ["T"], "sigmoid(x)"),
        ("Maximum", ["T", 0.0], "maximum(x, 0.0)"),
        ("Negative", ["T"], "-x"),
    ],
)
def test_recorded_operations_become_the_same_expression(
    tmp_path: Path, class_name: str, args: list[Any], compute: str
) -> None:
    named = {"T": tensor("a"), "U": tensor("b")}
    two = "U" in args
    operation = layer(
        class_name,
        "op",
        [named.get(arg, arg) if isinstance(arg, str) else arg for arg in args],
        module="keras.src.ops.numpy",
        registered=class_name,
    )
    after = layer("Dense", "out", [tensor("op")], {"units": 1})
    inputs = ["a", "b"] if two else ["a"]
    layers = [*(input_layer(name, [4]) for name in inputs), operation, after]
    document = functional("ops", layers, inputs, ["out"])
    entry = imported(tmp_path, document)["layers"][0]
    assert entry["compute"] == compute
    assert entry["inputs"]["x"] == "a"


def test_an_operation_no_expression_writes_is_refused_naming_it(tmp_path: Path) -> None:
    operation = layer("Einsum", "op", [tensor("a")], module="keras.src.ops.numpy",
                      registered="Einsum")  # fmt: skip
    document = functional("ops", [input_layer("a", [4]), operation], ["a"], ["op"])
    (line,) = problems(tmp_path, document)
    assert "the Keras operation 'Einsum'" in line


def test_an_archives_shared_object_ids_are_bookkeeping_not_arguments(tmp_path: Path) -> None:
    document = dense_chain()
    for entry in document["config"]["layers"][1:]:
        entry["config"]["dtype"] = {**entry["config"]["dtype"], "shared_object_id": 140234}
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("config.json", json.dumps(document))
    assert import_model(archive).checked.spec.layers[0].arguments == {"units": 3}


def test_call_arguments_keras_does_not_add_itself_are_refused(tmp_path: Path) -> None:
    document = dense_chain()
    document["config"]["layers"][1]["inbound_nodes"][0]["kwargs"] = {"training": True}
    (line,) = problems(tmp_path, document)
    assert "the call argument training=True is not imported" in line
    document["config"]["layers"][1]["inbound_nodes"][0]["kwargs"] = {"training": False}
    assert imported(tmp_path, document)["layers"][0]["name"] == "hidden"


@pytest.mark.parametrize("names", [[[["x"], 0, 0]], [[{"x": 1}, 0, 0]]])
def test_input_layers_that_are_not_names_are_one_clean_error(tmp_path: Path, names: Any) -> None:
    document = dense_chain()
    document["config"]["input_layers"] = names
    assert problems(tmp_path, document)  # refused with a message, not a TypeError


# Keras 2 ---------------------------------------------------------------------------------------


def test_a_keras_2_functional_model_imports_as_keras_3(tmp_path: Path) -> None:
    spec = yaml.safe_load(import_model(FIXTURES / "keras2_functional.json").text)
    assert spec["inputs"] == [{"name": "image", "shape": [8, 8, 3]}]
    assert spec["layers"] == [
        {"name": "conv", "type": "Conv2D", "inputs": "image", "filters": 4, "kernel_size": 3,
         "padding": "same", "activation": "relu"},
        {"name": "skip", "type": "Conv2D", "inputs": "image", "filters": 4, "kernel_size": 1,
         "use_bias": False, "kernel_initializer": "he_normal"},
        {"name": "sum", "type": "Add", "inputs": ["conv", "skip"]},
        {"name": "pool", "type": "GlobalAveragePooling2D"},
        {"name": "out", "type": "Dense", "units": 2, "activation": "softmax"},
    ]  # fmt: skip


def test_a_keras_2_sequential_model_and_its_custom_layers(tmp_path: Path) -> None:
    dense = {"class_name": "Dense", "config": {"name": "d", "dtype": "float32", "units": 2,
                                              "batch_input_shape": [None, 3]}}  # fmt: skip
    sequential = {"class_name": "Sequential", "keras_version": "2.12.0",
                  "config": {"name": "s", "layers": [dense]}}  # fmt: skip
    spec = imported(tmp_path, sequential)
    assert spec["inputs"] == [{"name": "input_layer", "shape": [3]}]
    assert spec["layers"] == [{"name": "d", "type": "Dense", "inputs": "input_layer", "units": 2}]
    op = {"class_name": "TFOpLambda", "config": {"name": "tf.math.add", "function": "math.add"}}
    sequential["config"]["layers"] = [dense, op]  # type: ignore[index]
    (line,) = problems(tmp_path, sequential)
    assert "TFOpLambda, tf.keras's record of the TensorFlow function 'math.add'" in line


@pytest.mark.parametrize(
    ("axis", "written"), [([-1], None), ([1], 1), (-1, None), ([1, 2], [1, 2])]
)
def test_a_built_layer_normalizations_one_axis_list_is_its_axis(
    tmp_path: Path, axis: Any, written: Any
) -> None:
    # build() turns axis=-1 into [-1]: every keras-io Transformer saved it so
    model = functional(
        "norm",
        [
            input_layer("tokens", [5, 4]),
            layer("LayerNormalization", "norm", [tensor("tokens")], {"axis": axis}),
        ],
        ["tokens"],
        ["norm"],
    )
    (norm,) = imported(tmp_path, model)["layers"]
    assert norm.get("axis") == written
