"""Keras names kept exactly, Python variables derived: through the pipeline and the CLI."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from generator.codegen.layer_code import _prefixed_name
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.views.diagram import to_dot, to_mermaid
from tests.conftest import message_lines

# Names Keras accepts that are no Python variable: the script's own names, a keyword,
# a block layer that starts with a digit (Keras's ResNet50: conv2_block1_1_conv).
KERAS_NAMES_SPEC = """\
name: resnet.like-1
inputs:
  - {name: x, shape: [8, 8, 3]}
  - {name: inputs, shape: [4]}
blocks:
  bottleneck:
    params: [filters]
    layers:
      - {name: 1_conv, type: Conv2D, filters: $filters, kernel_size: 1}
      - {name: 2_conv, type: Conv2D, filters: $filters, kernel_size: 3, padding: same}
      - {name: "class", type: Add, inputs: [x, 2_conv]}
layers:
  - {name: model, type: Conv2D, inputs: x, filters: 3, kernel_size: 1}
  - {name: conv2_block1, block: bottleneck, filters: 3}
  - {name: conv2_block2, share: conv2_block1}
  - {name: conv2_block3, block: bottleneck, filters: 3}
  - {name: class, type: GlobalAveragePooling2D}
  - {name: outputs, type: Dense, inputs: inputs, units: 4}
  - {name: shared-dense, type: Dense, inputs: class, units: 4}
  - {name: again, share: shared-dense, inputs: class}
  - {name: y.merge>1, type: Concatenate, inputs: [again, shared-dense, outputs]}
  - {name: x_, type: Dense, units: 1}
  - {name: bottleneck, type: Dense, inputs: class, units: 1}
outputs: [x_, bottleneck]
training:
  loss: {x_: mse, bottleneck: mse}
"""

KERAS_NAMES = [
    "x", "inputs", "model", "conv2_block1", "conv2_block3", "class", "outputs", "shared-dense",
    "y.merge>1", "x_", "bottleneck",
]  # fmt: skip


def _variables(source: str) -> dict[str, str]:
    """Keras name -> the variable assigned from the call that carries `name=<that name>`."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            for call in ast.walk(node.value):
                for keyword in getattr(call, "keywords", []):
                    value = keyword.value
                    if keyword.arg == "name" and isinstance(value, ast.Constant):
                        found.setdefault(value.value, node.targets[0].id)
    return found


def test_keras_names_are_kept_and_variables_derived(cli, spec_file) -> None:
    result = cli("generate", spec_file(KERAS_NAMES_SPEC))
    assert result.exit_code == 0, result.stderr
    source = Path("output/resnet_like_1.py").read_text(encoding="utf-8")
    variables = _variables(source)
    assert {name: variables[name] for name in KERAS_NAMES} == {
        "x": "x_", "inputs": "inputs_", "model": "model_", "conv2_block1": "conv2_block1_model",
        "conv2_block3": "conv2_block3", "class": "class_", "outputs": "outputs_",
        "shared-dense": "shared_dense_layer", "y.merge>1": "y_merge_1", "x_": "x__2",
        "bottleneck": "bottleneck_2",
    }  # fmt: skip
    assert "    conv2_block2 = conv2_block1_model(conv2_block1)  # (None, 8, 8, 3)\n" in source
    assert "    again = shared_dense_layer(class_)  # (None, 4)\n" in source
    assert "def bottleneck(x, filters, *, name):" in source
    assert '_1_conv = layers.Conv2D(filters, 1, name=f"{name}_1_conv")(x)' in source
    assert 'class_ = layers.Add(name=f"{name}_class")([x, _2_conv])' in source
    assert '        outputs={"x_": x__2, "bottleneck": bottleneck_2},\n' in source
    assert '        name="resnet.like-1",\n' in source
    assert '"""Build the resnet.like-1 model.' in source
    assert "python resnet_like_1.py --epochs 1" in source


def test_generated_names_do_not_shadow_what_the_script_uses(cli, spec_file) -> None:
    cli("generate", spec_file(KERAS_NAMES_SPEC))
    tree = ast.parse(Path("output/resnet_like_1.py").read_text(encoding="utf-8"))
    module_names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        if function.name not in {"build_model", "bottleneck"}:
            continue
        assigned = [
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        ]
        parameters = [arg.arg for arg in [*function.args.args, *function.args.kwonlyargs]]
        assert len(set(assigned)) == len(assigned), function.name
        assert not set(assigned) & {"keras", "layers", "np", "name", *module_names, *parameters}


def test_block_layer_names_collide_in_keras_only_when_flattened(cli, spec_file) -> None:
    text = KERAS_NAMES_SPEC.replace("name: again,", "name: conv2_block3_1_conv,")
    text = text.replace("[again, shared-dense,", "[conv2_block3_1_conv, shared-dense,")
    result = cli("validate", spec_file(text))
    assert result.exit_code == 2
    assert message_lines(result.stderr) == [
        "error: spec.yaml:20:6: layers[7].name: the Keras name 'conv2_block3_1_conv'"
        " is already taken"
    ]


def test_prefixed_block_layer_names_are_safe_f_strings() -> None:
    for suffix in ["1_conv", "a{b}", "{name}", "}{", "'\"", "\\", "\\N{BULLET}", "x{{y}}"]:
        code = _prefixed_name(suffix)
        tree = ast.parse(code, mode="eval")
        names = [node.id for node in ast.walk(tree) if isinstance(node, ast.Name)]
        assert names == ["name"], code
        assert eval(code, {"__builtins__": {}}, {"name": "call"}) == f"call_{suffix}"


def _graph(text: str) -> Any:
    import yaml

    loaded = LoadedSpec("spec.yaml", yaml.safe_load(text))
    return check_loaded(loaded, Path("spec.yaml"))


def test_diagram_ids_are_safe_for_any_keras_name() -> None:
    checked = _graph(KERAS_NAMES_SPEC)
    mermaid = to_mermaid(checked.graph)
    ids = re.findall(r"^\s+(\S+?)(?:\[/\"|\{\{\"|\[\"|\(\[\")", mermaid, re.MULTILINE)
    assert len(ids) == len(set(ids)) == len(checked.graph.inputs) + len(checked.graph.layers)
    assert all(re.fullmatch(r"n_\w+", node_id) for node_id in ids), ids
    assert "n_shared_dense" in ids and "n_y_merge_1" in ids and "n_x_" in ids
    assert '"y.merge#gt;1<br/>Concatenate' in mermaid
    assert '"y.merge>1" [label=' in to_dot(checked.graph)


def test_generated_script_is_deterministic() -> None:
    first = generate(_graph(KERAS_NAMES_SPEC))
    assert first == generate(_graph(KERAS_NAMES_SPEC))


BLOCK_PARAM_HIDES_BLOCK = """\
name: hides
inputs:
  - {name: image, shape: [4, 4, 1]}
blocks:
  inner:
    layers:
      - {name: conv, type: Conv2D, filters: 2, kernel_size: 1}
  outer:
    params: [inner]
    layers:
      - {name: call, block: inner}
      - {name: conv, type: Conv2D, filters: $inner, kernel_size: 1}
layers:
  - {name: outer, block: outer, inner: 2}
"""


def test_a_block_parameter_may_not_hide_a_block_function(cli, spec_file) -> None:
    result = cli("validate", spec_file(BLOCK_PARAM_HIDES_BLOCK))
    assert result.exit_code == 2
    assert message_lines(result.stderr) == [
        "error: spec.yaml:9:5: blocks.outer.params: 'inner' is a block's name, which it would hide"
    ]
    fixed = BLOCK_PARAM_HIDES_BLOCK.replace("[inner]", "[width]").replace("$inner", "$width")
    result = cli("generate", spec_file(fixed.replace("inner: 2", "width: 2")), "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert '    outer_2 = outer(image, width=2, name="outer")' in result.stdout


def test_a_shared_block_call_takes_its_name_in_keras(cli, spec_file) -> None:
    """The tower `conv2_block1` is a sub-model of that name: no block layer may take it."""
    text = KERAS_NAMES_SPEC.replace("{name: 1_conv,", "{name: block1,").replace(
        "  - {name: conv2_block3,", "  - {name: conv2, block: bottleneck, filters: 3}\n"
        "  - {name: conv2_block3,"
    )  # fmt: skip
    result = cli("validate", spec_file(text))
    assert result.exit_code == 2
    assert message_lines(result.stderr) == [
        "error: spec.yaml:16:5: layers[3] (conv2) -> block1: name: the Keras name"
        " 'conv2_block1' is already taken"
    ]
