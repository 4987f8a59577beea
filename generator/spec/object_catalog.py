"""The Keras objects a spec may construct: each class with its arguments, in Keras's order."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from generator.records import field, record
from generator.spec.values import (
    ValueKind,
    boolean,
    choice,
    is_bounded_int,
    is_number,
    number_between,
    positive_int,
    positive_number,
)

REQUIRED: Any = object()  # the default of an argument Keras requires
MAX_NAME = 100
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


@record
class Param:
    """One constructor argument: its kind, Keras's default, how it is printed."""

    kind: ValueKind
    default: Any = None
    positional: bool = False  # printed without its keyword while the ones before it are too
    family: str | None = None  # may also be an object of this family (a schedule)

    @property
    def required(self) -> bool:
        """Keras has no default for it."""
        return self.default is REQUIRED


Check = Callable[[Mapping[str, Any]], str | None]


@record
class KerasClass:
    """A Keras class the script may construct."""

    name: str
    params: Mapping[str, Param]
    primary: str | None = None  # the argument `{Class: value}` sets; default: the first positional
    label: str = "float"  # losses: the labels they need ("classes", "one_hot", "binary", "float")
    check: Check | None = None  # a rule between arguments

    @property
    def short_argument(self) -> str | None:
        """The argument set by the short form `{Class: value}`, if the class has one."""
        if self.primary is not None:
            return self.primary
        return next((name for name, param in self.params.items() if param.positional), None)


@record
class Family:
    """Initializers, regularizers, ...: a Keras module of classes and the names it resolves."""

    key: str  # "regularizer": the word messages use
    module: str  # "keras.regularizers": where the script finds the classes
    classes: Mapping[str, KerasClass]
    names: Mapping[str, str] = field(default_factory=dict)  # plain name -> its class


def _number() -> ValueKind:
    return ValueKind("a number", is_number)


def _non_negative() -> ValueKind:
    return ValueKind("a non-negative number", lambda v: is_number(v) and v >= 0)


def _optional(kind: ValueKind) -> ValueKind:
    return ValueKind(f"{kind.description} or null", lambda v: v is None or kind.check(v))


def _axis() -> ValueKind:
    def check(value: Any) -> bool:
        if is_bounded_int(value):
            return True
        return type(value) is list and bool(value) and all(is_bounded_int(i) for i in value)

    return ValueKind("an integer or a list of integers", check)


def _numbers(description: str, check: Callable[[Any], bool] = is_number) -> ValueKind:
    return ValueKind(
        description, lambda v: type(v) is list and bool(v) and all(check(i) for i in v)
    )


def _name() -> ValueKind:
    return ValueKind(
        f"a name of letters, digits, '_', '.' and '-' (at most {MAX_NAME})",
        lambda v: type(v) is str and len(v) <= MAX_NAME and bool(_NAME.match(v)),
    )


def _thresholds() -> ValueKind:
    unit = number_between(0, 1, high_open=False)
    return ValueKind(
        "a number in [0, 1], a list of them, or null",
        lambda v: v is None or unit.check(v) or _numbers("", unit.check).check(v),
    )


SEED = Param(_optional(ValueKind("an integer", is_bounded_int)))
PROBABILITY = number_between(0, 1, high_open=False)


def _cls(name: str, params: Mapping[str, Param] | None = None, **options: Any) -> KerasClass:
    return KerasClass(name, dict(params or {}), **options)


def _family(
    key: str, module: str, classes: list[KerasClass], names: Mapping[str, str] | None = None
) -> Family:
    return Family(key, module, {item.name: item for item in classes}, dict(names or {}))


# Initializers ---------------------------------------------------------------------------------

_SEEDED = {"seed": SEED}
_FANS = {  # VarianceScaling and its named variants
    **_SEEDED,
    "input_axes": Param(_optional(_axis())),
    "output_axes": Param(_optional(_axis())),
}
_NORMAL = {"mean": Param(_number(), 0.0), "stddev": Param(positive_number(), 0.05), **_SEEDED}

INITIALIZER = _family(
    "initializer",
    "keras.initializers",
    [
        _cls("Constant", {"value": Param(_number(), 0.0, positional=True)}),
        _cls("Zeros"),
        _cls("Ones"),
        _cls("RandomNormal", _NORMAL),
        _cls("TruncatedNormal", _NORMAL),
        _cls(
            "RandomUniform",
            {"minval": Param(_number(), -0.05), "maxval": Param(_number(), 0.05), **_SEEDED},
            check=lambda a: (
                "minval must be less than maxval"
                if a.get("minval", -0.05) >= a.get("maxval", 0.05)
                else None
            ),
        ),
        _cls(
            "VarianceScaling",
            {
                "scale": Param(positive_number(), 1.0),
                "mode": Param(choice("fan_in", "fan_out", "fan_avg"), "fan_in"),
                "distribution": Param(  # lowercased, and "normal" read as truncated_normal
                    choice(
                        "truncated_normal",
                        "untruncated_normal",
                        "uniform",
                        spellings={"normal": "truncated_normal"},
                        any_case=True,
                    ),
                    "truncated_normal",
                ),
                **_FANS,
            },
            primary="scale",
        ),
        *(
            _cls(name, _FANS)
            for name in (
                "GlorotUniform",
                "GlorotNormal",
                "HeUniform",
                "HeNormal",
                "LecunUniform",
                "LecunNormal",
            )  # fmt: skip
        ),
        _cls("Orthogonal", {"gain": Param(_number(), 1.0), **_SEEDED}, primary="gain"),
        _cls("Identity", {"gain": Param(_number(), 1.0)}, primary="gain"),
    ],
    {
        "glorot_uniform": "GlorotUniform",
        "glorot_normal": "GlorotNormal",
        "he_uniform": "HeUniform",
        "he_normal": "HeNormal",
        "lecun_uniform": "LecunUniform",
        "lecun_normal": "LecunNormal",
        "orthogonal": "Orthogonal",
        "random_normal": "RandomNormal",
        "random_uniform": "RandomUniform",
        "truncated_normal": "TruncatedNormal",
        "variance_scaling": "VarianceScaling",
        "zeros": "Zeros",
        "ones": "Ones",
        # Keras's own aliases (keras/src/initializers/__init__.py)
        "normal": "RandomNormal",
        "uniform": "RandomUniform",
        "zero": "Zeros",
        "one": "Ones",
        "OrthogonalInitializer": "Orthogonal",
    },  # fmt: skip
)

# Regularizers and constraints -----------------------------------------------------------------

REGULARIZER = _family(
    "regularizer",
    "keras.regularizers",
    [
        _cls("L1", {"l1": Param(_non_negative(), 0.01, positional=True)}),
        _cls("L2", {"l2": Param(_non_negative(), 0.01, positional=True)}),
        _cls("L1L2", {"l1": Param(_non_negative(), 0.0), "l2": Param(_non_negative(), 0.0)}),
        _cls(
            "OrthogonalRegularizer",
            {
                "factor": Param(_non_negative(), 0.01, positional=True),
                "mode": Param(choice("rows", "columns"), "rows"),
            },
        ),
    ],
    # Keras 3 has no "l1_l2" by name; a bare name means Keras's default factor (0.01).
    {"l1": "L1", "l2": "L2", "orthogonal_regularizer": "OrthogonalRegularizer"},
)

_AXIS = {"axis": Param(_axis(), 0)}

CONSTRAINT = _family(
    "constraint",
    "keras.constraints",
    [
        _cls("MaxNorm", {"max_value": Param(positive_number(), 2, positional=True), **_AXIS}),
        _cls(
            "MinMaxNorm",
            {
                "min_value": Param(_non_negative(), 0.0),
                "max_value": Param(_non_negative(), 1.0),
                "rate": Param(PROBABILITY, 1.0),
                **_AXIS,
            },
            check=lambda a: (
                "min_value must not exceed max_value"
                if a.get("min_value", 0.0) > a.get("max_value", 1.0)
                else None
            ),
        ),
        _cls("NonNeg"),
        _cls("UnitNorm", _AXIS, primary="axis"),
    ],
    {
        "max_norm": "MaxNorm",
        "min_max_norm": "MinMaxNorm",
        "non_neg": "NonNeg",
        "unit_norm": "UnitNorm",
    },
)

# Losses ---------------------------------------------------------------------------------------

_REDUCTIONS = choice("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


def _loss(
    name: str,
    keras_name: str,
    label: str,
    params: Mapping[str, Param] | None = None,
    **options: Any,
) -> KerasClass:
    every = {
        **(params or {}),
        "reduction": Param(_REDUCTIONS, "sum_over_batch_size"),
        "name": Param(_name(), keras_name),
    }
    return KerasClass(name, every, label=label, **options)


_LOGITS = {
    "from_logits": Param(boolean(), False),
    "label_smoothing": Param(PROBABILITY, 0.0),
    "axis": Param(ValueKind("an integer", is_bounded_int), -1),
}
_FOCAL = {"alpha": Param(PROBABILITY, 0.25), "gamma": Param(_non_negative(), 2.0)}

LOSS = _family(
    "loss",
    "keras.losses",
    [
        _loss("BinaryCrossentropy", "binary_crossentropy", "binary", _LOGITS),
        _loss(
            "BinaryFocalCrossentropy",
            "binary_focal_crossentropy",
            "binary",
            {"apply_class_balancing": Param(boolean(), False), **_FOCAL, **_LOGITS},
        ),
        _loss("CategoricalCrossentropy", "categorical_crossentropy", "one_hot", _LOGITS),
        _loss(
            "CategoricalFocalCrossentropy",
            "categorical_focal_crossentropy",
            "one_hot",
            {**_FOCAL, **_LOGITS},
        ),
        _loss(
            "SparseCategoricalCrossentropy",
            "sparse_categorical_crossentropy",
            "classes",
            {
                "from_logits": Param(boolean(), False),
                "ignore_class": Param(_optional(ValueKind("an integer", is_bounded_int))),
            },
        ),
        _loss("MeanSquaredError", "mean_squared_error", "float"),
        _loss("MeanAbsoluteError", "mean_absolute_error", "float"),
        _loss("MeanAbsolutePercentageError", "mean_absolute_percentage_error", "float"),
        _loss("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "float"),
        _loss(
            "Huber",
            "huber_loss",
            "float",
            {"delta": Param(positive_number(), 1.0, positional=True)},
        ),
        _loss("LogCosh", "log_cosh", "float"),
        _loss("Hinge", "hinge", "binary"),
        _loss("SquaredHinge", "squared_hinge", "binary"),
        _loss("CategoricalHinge", "categorical_hinge", "one_hot"),
        _loss("KLDivergence", "kl_divergence", "one_hot"),
        _loss("Poisson", "poisson", "float"),
        _loss(
            "CosineSimilarity",
            "cosine_similarity",
            "float",
            {"axis": Param(ValueKind("an integer", is_bounded_int), -1)},
            primary="axis",
        ),
    ],
    {
        "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
        "categorical_crossentropy": "CategoricalCrossentropy",
        "binary_crossentropy": "BinaryCrossentropy",
        "mse": "MeanSquaredError",
        "mae": "MeanAbsoluteError",
        "mape": "MeanAbsolutePercentageError",
        "msle": "MeanSquaredLogarithmicError",
        "huber": "Huber",
        "log_cosh": "LogCosh",
        "hinge": "Hinge",
        "squared_hinge": "SquaredHinge",
        "kl_divergence": "KLDivergence",
        "poisson": "Poisson",
        # Keras's full names, as keras-io writes them (loss="mean_squared_error")
        "mean_squared_error": "MeanSquaredError",
        "mean_absolute_error": "MeanAbsoluteError",
        "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
        "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
        "binary_focal_crossentropy": "BinaryFocalCrossentropy",
        "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
        "categorical_hinge": "CategoricalHinge",
        "cosine_similarity": "CosineSimilarity",
        "kld": "KLDivergence",
    },  # fmt: skip
)

# Metrics --------------------------------------------------------------------------------------

_DTYPES = choice("float32", "float64", "float16", "bfloat16")


def _metric(
    name: str, keras_name: str, params: Mapping[str, Param] | None = None, **options: Any
) -> KerasClass:
    every = {
        **(params or {}),
        "name": Param(_name(), keras_name),
        "dtype": Param(_DTYPES, "float32"),
    }
    return KerasClass(name, every, **options)


_TOP_K = {"k": Param(positive_int(), 5)}
_COUNTS = {
    "thresholds": Param(_thresholds()),
    "top_k": Param(_optional(positive_int())),
    "class_id": Param(
        _optional(ValueKind("a non-negative integer", lambda v: is_bounded_int(v) and v >= 0))
    ),
}

METRIC = _family(
    "metric",
    "keras.metrics",
    [
        _metric("Accuracy", "accuracy"),
        _metric("BinaryAccuracy", "binary_accuracy", {"threshold": Param(PROBABILITY, 0.5)}),
        _metric("CategoricalAccuracy", "categorical_accuracy"),
        _metric("SparseCategoricalAccuracy", "sparse_categorical_accuracy"),
        _metric("TopKCategoricalAccuracy", "top_k_categorical_accuracy", _TOP_K, primary="k"),
        _metric(
            "SparseTopKCategoricalAccuracy",
            "sparse_top_k_categorical_accuracy",
            _TOP_K,
            primary="k",
        ),  # fmt: skip
        _metric(
            "AUC",
            "auc",
            {
                "num_thresholds": Param(
                    ValueKind("an integer greater than 1", lambda v: is_bounded_int(v) and v > 1),
                    200,
                ),
                # Keras's from_str takes these two spellings of each, and no others.
                "curve": Param(
                    choice(
                        "ROC",
                        "PR",
                        "PRGAIN",
                        spellings={"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"},
                    ),
                    "ROC",
                ),
                "summation_method": Param(
                    choice(
                        "interpolation",
                        "minoring",
                        "majoring",
                        spellings={
                            "Interpolation": "interpolation",
                            "Minoring": "minoring",
                            "Majoring": "majoring",
                        },
                    ),
                    "interpolation",
                ),
                "multi_label": Param(boolean(), False),
                "num_labels": Param(_optional(positive_int())),
                "label_weights": Param(
                    _optional(
                        _numbers(
                            "a list of non-negative numbers", lambda v: is_number(v) and v >= 0
                        )
                    )
                ),
                "from_logits": Param(boolean(), False),
            },
            check=lambda a: (
                "num_labels is needed only when multi_label is true"
                if a.get("num_labels") is not None and a.get("multi_label") is not True
                else None
            ),
        ),
        _metric("Precision", "precision", _COUNTS),
        _metric("Recall", "recall", _COUNTS),
        _metric("MeanSquaredError", "mean_squared_error"),
        _metric("MeanAbsoluteError", "mean_absolute_error"),
        _metric("MeanAbsolutePercentageError", "mean_absolute_percentage_error"),
        _metric("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error"),
        _metric("RootMeanSquaredError", "root_mean_squared_error"),
        _metric(
            "BinaryCrossentropy",
            "binary_crossentropy",
            {"from_logits": Param(boolean(), False), "label_smoothing": Param(PROBABILITY, 0.0)},
        ),
        _metric("CategoricalCrossentropy", "categorical_crossentropy", _LOGITS),
        _metric(
            "SparseCategoricalCrossentropy",
            "sparse_categorical_crossentropy",
            {
                "from_logits": Param(boolean(), False),
                "ignore_class": Param(_optional(ValueKind("an integer", is_bounded_int))),
                "axis": Param(ValueKind("an integer", is_bounded_int), -1),
            },
        ),
    ],
    {
        "accuracy": "Accuracy",
        "binary_accuracy": "BinaryAccuracy",
        "categorical_accuracy": "CategoricalAccuracy",
        "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
        "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
        "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
        "auc": "AUC",
        "precision": "Precision",
        "recall": "Recall",
        "mae": "MeanAbsoluteError",
        "mse": "MeanSquaredError",
        "mape": "MeanAbsolutePercentageError",
        "msle": "MeanSquaredLogarithmicError",
        # Keras's compile() reads "acc" as "accuracy" (keras-io's 3D CT-scan example uses it)
        "acc": "Accuracy",
        "mean_squared_error": "MeanSquaredError",
        "mean_absolute_error": "MeanAbsoluteError",
        "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
        "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
        "root_mean_squared_error": "RootMeanSquaredError",
        "binary_crossentropy": "BinaryCrossentropy",
        "categorical_crossentropy": "CategoricalCrossentropy",
        "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    },  # fmt: skip
)

# Learning-rate schedules and optimizers -------------------------------------------------------

_STEPS = positive_int()
_RATE = positive_number()


def _schedule(name: str, params: Mapping[str, Param], keras_name: str = "") -> KerasClass:
    return KerasClass(name, {**params, "name": Param(_name(), keras_name or name)})


def _piecewise(args: Mapping[str, Any]) -> str | None:
    boundaries, values = args.get("boundaries"), args.get("values")
    if isinstance(boundaries, list) and isinstance(values, list):
        if len(values) != len(boundaries) + 1:
            return (
                f"values needs one more item than boundaries ({len(boundaries) + 1}),"
                f" got {len(values)}"
            )
        if any(a >= b for a, b in zip(boundaries, boundaries[1:], strict=False)):
            return "boundaries must increase"
    return None


_NUMBERS = _numbers("a non-empty list of numbers")
_START = {
    "initial_learning_rate": Param(_RATE, REQUIRED, positional=True),
    "decay_steps": Param(_STEPS, REQUIRED, positional=True),
}
_DECAY = {**_START, "decay_rate": Param(_RATE, REQUIRED, positional=True)}

SCHEDULE = _family(
    "learning-rate schedule",
    "keras.optimizers.schedules",
    [
        _schedule(
            "CosineDecay",
            {
                **_START,
                "alpha": Param(PROBABILITY, 0.0),
                "warmup_target": Param(_optional(_RATE)),
                "warmup_steps": Param(
                    ValueKind("a non-negative integer", lambda v: is_bounded_int(v) and v >= 0), 0
                ),
            },
        ),
        _schedule("ExponentialDecay", {**_DECAY, "staircase": Param(boolean(), False)}),
        _schedule("InverseTimeDecay", {**_DECAY, "staircase": Param(boolean(), False)}),
        _schedule(
            "PolynomialDecay",
            {
                **_START,
                "end_learning_rate": Param(_non_negative(), 0.0001),
                "power": Param(positive_number(), 1.0),
                "cycle": Param(boolean(), False),
            },
        ),
        _schedule(
            "CosineDecayRestarts",
            {
                "initial_learning_rate": Param(_RATE, REQUIRED, positional=True),
                "first_decay_steps": Param(_STEPS, REQUIRED, positional=True),
                "t_mul": Param(positive_number(), 2.0),
                "m_mul": Param(positive_number(), 1.0),
                "alpha": Param(PROBABILITY, 0.0),
            },
            "SGDRDecay",
        ),
        KerasClass(
            "PiecewiseConstantDecay",
            {
                "boundaries": Param(_NUMBERS, REQUIRED, positional=True),
                "values": Param(_NUMBERS, REQUIRED, positional=True),
                "name": Param(_name(), "PiecewiseConstant"),
            },
            check=_piecewise,
        ),
    ],
)

_CLIPS = ("clipnorm", "clipvalue", "global_clipnorm")


def _one_clip(args: Mapping[str, Any]) -> str | None:
    given = [name for name in _CLIPS if args.get(name) is not None]
    if len(given) > 1:
        return f"set only one of clipnorm, clipvalue and global_clipnorm, got {' and '.join(given)}"
    return None


def _optimizer(
    name: str, learning_rate: float, params: Mapping[str, Param], keras_name: str = ""
) -> KerasClass:
    every = {
        "learning_rate": Param(_RATE, learning_rate, family="schedule"),
        **params,
        "weight_decay": params.get("weight_decay", Param(_optional(_non_negative()))),
        **{clip: Param(_optional(positive_number())) for clip in _CLIPS},
        "use_ema": Param(boolean(), False),
        "ema_momentum": Param(PROBABILITY, 0.99),
        "ema_overwrite_frequency": Param(_optional(positive_int())),
        "loss_scale_factor": Param(_optional(positive_number())),
        "gradient_accumulation_steps": Param(_optional(positive_int())),
        "name": Param(_name(), keras_name or name.lower()),
    }
    return KerasClass(name, every, primary="learning_rate", check=_one_clip)


_EPSILON = {"epsilon": Param(positive_number(), 1e-07)}
_BETAS = {"beta_1": Param(PROBABILITY, 0.9), "beta_2": Param(PROBABILITY, 0.999), **_EPSILON}

OPTIMIZER = _family(
    "optimizer",
    "keras.optimizers",
    [
        _optimizer("Adam", 0.001, {**_BETAS, "amsgrad": Param(boolean(), False)}),
        _optimizer(
            "AdamW",
            0.001,
            {
                "weight_decay": Param(_non_negative(), 0.004),
                **_BETAS,
                "amsgrad": Param(boolean(), False),
            },
            "adam_w",
        ),
        _optimizer(
            "SGD",
            0.01,
            {"momentum": Param(PROBABILITY, 0.0), "nesterov": Param(boolean(), False)},
        ),
        _optimizer(
            "RMSprop",
            0.001,
            {
                "rho": Param(PROBABILITY, 0.9),
                "momentum": Param(PROBABILITY, 0.0),
                **_EPSILON,
                "centered": Param(boolean(), False),
            },
            "rm_sprop",
        ),
        _optimizer(
            "Adagrad",
            0.001,
            {"initial_accumulator_value": Param(_non_negative(), 0.1), **_EPSILON},
        ),
        _optimizer("Adadelta", 0.001, {"rho": Param(PROBABILITY, 0.95), **_EPSILON}),
        _optimizer("Adamax", 0.001, _BETAS),
        _optimizer("Nadam", 0.001, _BETAS),
        _optimizer(
            "Ftrl",
            0.001,
            {
                "learning_rate_power": Param(
                    ValueKind("a number <= 0", lambda v: is_number(v) and v <= 0), -0.5
                ),
                "initial_accumulator_value": Param(_non_negative(), 0.1),
                "l1_regularization_strength": Param(_non_negative(), 0.0),
                "l2_regularization_strength": Param(_non_negative(), 0.0),
                "l2_shrinkage_regularization_strength": Param(_non_negative(), 0.0),
                "beta": Param(_non_negative(), 0.0),
            },
        ),
        _optimizer(
            "Lion", 0.001, {"beta_1": Param(PROBABILITY, 0.9), "beta_2": Param(PROBABILITY, 0.99)}
        ),
    ],
    {
        "adam": "Adam",
        "adamw": "AdamW",
        "sgd": "SGD",
        "rmsprop": "RMSprop",
        "adagrad": "Adagrad",
        "adadelta": "Adadelta",
        "adamax": "Adamax",
        "nadam": "Nadam",
        "ftrl": "Ftrl",
        "lion": "Lion",
    },  # fmt: skip
)

FAMILIES: Mapping[str, Family] = {
    "initializer": INITIALIZER,
    "regularizer": REGULARIZER,
    "constraint": CONSTRAINT,
    "loss": LOSS,
    "metric": METRIC,
    "schedule": SCHEDULE,
    "optimizer": OPTIMIZER,
}
