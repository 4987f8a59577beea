"""Every Keras object the catalog accepts is one Keras builds, with the arguments it names."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.codegen.object_code import object_code
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.object_catalog import FAMILIES, Family, KerasClass, Param
from generator.spec.objects import KerasObject, object_problems, resolve
from tests.keras.scripts import load_script

pytestmark = pytest.mark.keras

# Values for the arguments Keras requires (schedules), chosen to pass the rules between them.
REQUIRED_VALUES: dict[str, Any] = {
    "initial_learning_rate": 0.5,
    "decay_steps": 10,
    "first_decay_steps": 10,
    "decay_rate": 0.5,
    "boundaries": [10],
    "values": [0.5, 0.25],
}
CANDIDATES: list[Any] = [
    0.5, 0.25, 3, 2, 7, 1, 0, -1, 0.0, -0.25, True, False, [0, 1], [0.5, 0.25], "auc_2",
]  # fmt: skip
# Arguments that Keras takes only together with another.
COMPANIONS: dict[tuple[str, str], dict[str, Any]] = {("AUC", "num_labels"): {"multi_label": True}}
CLASSES = [
    (family_name, keras_class)
    for family_name, family in FAMILIES.items()
    for keras_class in family.classes.values()
]


def _keras_class(family: Family, keras_class: KerasClass) -> Any:
    import keras

    module: Any = keras
    for part in family.module.split(".")[1:]:
        module = getattr(module, part)
    return getattr(module, keras_class.name)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(_same, left, right))
    if type(left) is bool or type(right) is bool:
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return math.isclose(left, right, rel_tol=1e-6, abs_tol=1e-12)
    return bool(left == right)


def _read_back(item: Any, name: str) -> Any:
    """An argument as the Keras object holds it: its config, a loss's kwargs, or an attribute."""
    config = item.get_config()
    kwargs = getattr(item, "_fn_kwargs", {})
    if name in config:
        value = config[name]
    elif name in kwargs:
        value = kwargs[name]
    else:
        value = getattr(item, name)
    return np.asarray(value).tolist() if hasattr(value, "shape") else value


def _built(family_name: str, value: Any) -> Any:
    """The object the script's constructor code builds (lists become tuples there)."""
    import keras

    return eval(object_code(family_name, value), {"keras": keras})  # code from the catalog


def _required(keras_class: KerasClass, name: str = "") -> dict[str, Any]:
    """The required arguments, and what `name` needs beside it."""
    required = {key: REQUIRED_VALUES[key] for key, p in keras_class.params.items() if p.required}
    return {**required, **COMPANIONS.get((keras_class.name, name), {})}


def _sample(family_name: str, keras_class: KerasClass, name: str, param: Param) -> Any:
    """A value the catalog accepts for `name` that is not Keras's default."""
    options = param.kind.description.removeprefix("one of ").split(", ")
    for value in [*options, *CANDIDATES]:
        if not param.kind.check(value) or _same(value, param.default):
            continue
        args = {**_required(keras_class, name), name: value}
        if not object_problems(family_name, {keras_class.name: args}):
            return value
    raise AssertionError(f"no sample for {keras_class.name}.{name}")


@pytest.mark.parametrize(
    ("family_name", "keras_class"), CLASSES, ids=lambda v: getattr(v, "name", v)
)
def test_defaults_and_serialized_form_match_keras(
    family_name: str, keras_class: KerasClass
) -> None:
    import keras
    from keras import saving

    # Keras numbers default names apart (adam, adam_1, ...) for the rest of the session.
    keras.utils.clear_session()
    family = FAMILIES[family_name]
    item = _built(family_name, {keras_class.name: _required(keras_class)})
    assert isinstance(item, _keras_class(family, keras_class))
    config = item.get_config()
    assert set(config) <= set(keras_class.params), set(config) - set(keras_class.params)
    for name, param in keras_class.params.items():
        if not param.required:
            assert _same(_read_back(item, name), param.default), (name, _read_back(item, name))
    # Keras's own serialized form is accepted and comes back to the same constructor.
    serialized = json.loads(json.dumps(saving.serialize_keras_object(item)))  # as a file holds it
    assert object_problems(family_name, serialized) == []
    expected = _required(keras_class)
    resolved = resolve(family_name, serialized)
    assert isinstance(resolved, KerasObject)
    assert {name: value for name, value in resolved.args} == expected


@pytest.mark.parametrize(
    ("family_name", "keras_class"), CLASSES, ids=lambda v: getattr(v, "name", v)
)
def test_every_argument_reaches_keras(family_name: str, keras_class: KerasClass) -> None:
    family = FAMILIES[family_name]
    cls = _keras_class(family, keras_class)
    for name, param in keras_class.params.items():
        if param.required or param.family:
            continue
        value = _sample(family_name, keras_class, name, param)
        item = _built(
            family_name, {keras_class.name: {**_required(keras_class, name), name: value}}
        )
        assert isinstance(item, cls)
        assert _same(_read_back(item, name), value), (name, value, _read_back(item, name))
    positional = [name for name, param in keras_class.params.items() if param.positional]
    if positional:
        values = {
            name: _required(keras_class).get(name)
            or _sample(family_name, keras_class, name, keras_class.params[name])
            for name in positional
        }
        by_position = cls(*values.values())
        for name, value in values.items():
            assert _same(_read_back(by_position, name), value), name


def test_plain_names_resolve_to_their_classes() -> None:
    import keras

    getters = {
        "initializer": keras.initializers.get,
        "regularizer": keras.regularizers.get,
        "constraint": keras.constraints.get,
        "loss": keras.losses.get,
        "optimizer": keras.optimizers.get,
    }
    for family_name, get in getters.items():
        family = FAMILIES[family_name]
        for name, class_name in family.names.items():
            item = get(name)
            expected = _keras_class(family, family.classes[class_name])
            if isinstance(item, type) or not hasattr(item, "get_config"):
                continue  # losses by name are functions: checked in test_names_keras_knows
            assert isinstance(item, expected), (name, type(item))


# The Siamese case of issue 10, and from_logits ------------------------------------------------


def _script(tmp_path: Path, data: dict[str, Any]) -> Any:
    checked = check_loaded(LoadedSpec("m.yaml", data), Path("m.yaml"))
    path = tmp_path / f"{data['name']}.py"
    path.write_text(generate(checked))
    return load_script(path)


def _tower(regularizer: Any) -> dict[str, Any]:
    return {
        "name": "tower",
        "inputs": [{"name": "image", "shape": [6, 6, 1]}],
        "layers": [
            {
                "name": "conv",
                "type": "Conv2D",
                "filters": 4,
                "kernel_size": 3,
                "kernel_regularizer": regularizer,
            },
            {"name": "flat", "type": "Flatten"},
            {"name": "score", "type": "Dense", "units": 1, "kernel_regularizer": regularizer},
        ],
    }


def test_a_short_l2_gives_the_regularisation_loss_of_l2_2e4(tmp_path: Path) -> None:
    import keras

    module = _script(tmp_path, _tower({"L2": 0.0002}))
    keras.utils.set_random_seed(1)
    model = module.build_model()
    kernels = [model.get_layer("conv").kernel, model.get_layer("score").kernel]
    expected = sum(2e-4 * float(np.sum(np.square(keras.ops.convert_to_numpy(k)))) for k in kernels)
    model(np.zeros((1, 6, 6, 1), dtype="float32"))
    got = float(sum(keras.ops.convert_to_numpy(loss) for loss in model.losses))
    assert math.isclose(got, expected, rel_tol=1e-5)
    # The bare name is Keras's L2(0.01): fifty times more, as issue 10 found.
    module = _script(tmp_path, {**_tower("l2"), "name": "bare"})
    keras.utils.set_random_seed(1)
    bare = module.build_model()
    bare(np.zeros((1, 6, 6, 1), dtype="float32"))
    bare_loss = float(sum(keras.ops.convert_to_numpy(loss) for loss in bare.losses))
    assert math.isclose(bare_loss, got * 50, rel_tol=1e-4)


def test_objects_reach_the_compiled_model_and_the_script_trains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keras

    data = _tower({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.0002}})
    data["layers"][0]["kernel_initializer"] = {"HeNormal": {"seed": 3}}
    data["layers"][0]["kernel_constraint"] = {"MaxNorm": 2.0}
    data["training"] = {
        "optimizer": {
            "AdamW": {
                "learning_rate": {
                    "CosineDecay": {"initial_learning_rate": 0.001, "decay_steps": 100}
                },
                "weight_decay": 0.01,
                "global_clipnorm": 1.0,
            }
        },
        "loss": {"BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1}},
        "metrics": [{"AUC": {"from_logits": True, "name": "auc_logits"}}],
    }
    module = _script(tmp_path, data)
    compiled: list[Any] = []
    original_fit = keras.Model.fit

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self)
        return original_fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit)
    with redirect_stdout(io.StringIO()) as out:
        module.main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
    assert "auc_logits" in out.getvalue()
    (model,) = compiled
    assert isinstance(model.loss, keras.losses.BinaryCrossentropy)
    assert model.loss.get_config()["from_logits"] is True
    assert math.isclose(model.loss.get_config()["label_smoothing"], 0.1)
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.AdamW)
    assert isinstance(optimizer._learning_rate, keras.optimizers.schedules.CosineDecay)
    assert math.isclose(optimizer.weight_decay, 0.01) and optimizer.global_clipnorm == 1.0
    conv = model.get_layer("conv")
    assert isinstance(conv.kernel_constraint, keras.constraints.MaxNorm)
    assert conv.kernel_initializer.get_config()["seed"] == 3


CHOICES = [
    (family_name, keras_class, name)
    for family_name, keras_class in CLASSES
    for name, param in keras_class.params.items()
    if param.kind.description.startswith("one of ")
]


def _spellings(options: list[str]) -> set[str]:
    """Each option in the usual ways of writing it, and near misses."""
    found: set[str] = {"", "none", "None", "normal", "Normal", "prgain", "PRGAIN", "int8"}
    for option in options:
        found |= {
            option,
            option.lower(),
            option.upper(),
            option.capitalize(),
            option.swapcase(),
            option.replace("_", ""),
            f"{option} ",
        }
    return found


@pytest.mark.parametrize(
    ("family_name", "keras_class", "name"),
    CHOICES,
    ids=lambda v: getattr(v, "name", v),
)
def test_an_argument_spelling_is_accepted_exactly_when_keras_builds_it(
    family_name: str, keras_class: KerasClass, name: str
) -> None:
    """And Keras reads an accepted spelling as the option the catalog resolves it to."""
    kind = keras_class.params[name].kind
    for value in sorted(_spellings(kind.description.removeprefix("one of ").split(", "))):
        given = {keras_class.name: {**_required(keras_class, name), name: value}}
        ours = not object_problems(family_name, given)
        try:
            item = _built(family_name, given)
            keras_ok, read = True, _read_back(item, name)
        except (ValueError, TypeError, KeyError):
            keras_ok, read = False, None
        if ours:
            assert keras_ok, f"{keras_class.name}({name}={value!r}) is accepted; Keras refuses it"
            assert _same(read, kind.canonical(value)), (value, read, kind.canonical(value))
        elif keras_ok and not (name == "dtype" and value == ""):  # Keras: `dtype or floatx()`
            pytest.fail(f"{keras_class.name}({name}={value!r}) builds in Keras but is refused")
