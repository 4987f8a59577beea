"""Which Keras backend a script pins, and the combinations that cannot run."""

from __future__ import annotations

from generator.analysis.graph import Graph
from generator.analysis.layers.lookup import TENSORFLOW_ONLY
from generator.errors import Problem, SpecError
from generator.records import record
from generator.spec.fields import FieldPath
from generator.spec.model import Backend, Imports

NAMES: dict[Backend, str] = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
# The backend each training.distribute value runs on; the rest of a script runs on any.
STRATEGY_BACKENDS: dict[str, Backend] = {
    "mirrored": "tensorflow",
    "multi_worker": "tensorflow",
    "data_parallel": "jax",
}
DISTRIBUTE_PATH = ("training", "distribute")


@record
class TensorFlowOnly:
    """The first part of a model that Keras runs only on TensorFlow, and where it is."""

    what: str  # e.g. "StringLookup layer 'soil_index'" or "string input 'soil'"
    path: FieldPath


def tensorflow_only(graph: Graph) -> TensorFlowOnly | None:
    """String inputs and Keras's lookup layers built on TensorFlow ops tie a script to it."""
    for index, item in enumerate(graph.inputs):
        if item.dtype == "string":
            return TensorFlowOnly(f"the string input {item.name!r}", ("inputs", index, "dtype"))
    for node in graph.layers:
        if node.layer_type.name in TENSORFLOW_ONLY:
            return TensorFlowOnly(f"the {node.layer_type.name} layer {node.name!r}", node.path)
    return None


def script_backend(
    distribute: str | None,
    imports: Imports,
    backend: Backend | None,
    needs_tensorflow: TensorFlowOnly | None = None,
) -> Backend | None:
    """The backend the script pins: --backend, else the one its strategy or its layers
    need, else none.

    Raise SpecError when the script cannot run on the backend asked for.
    """
    needed = STRATEGY_BACKENDS.get(distribute) if distribute else None
    problems = []
    if needs_tensorflow is not None:
        problems += _tensorflow_only_problems(needs_tensorflow, distribute, needed, backend)
        if not problems:
            return "tensorflow"
    if imports == "tensorflow" and backend not in (None, "tensorflow"):
        problems.append(
            Problem(
                "--imports tensorflow ties the script to the TensorFlow backend"
                f" (use --imports keras with --backend {backend})",
                (),
                f"--backend {backend}",
            )
        )
    if needed is not None and imports == "tensorflow" and needed != "tensorflow":
        problems.append(
            Problem(
                f"{distribute} runs on the {NAMES[needed]} backend, but --imports tensorflow"
                " ties the script to TensorFlow (use --imports keras)",
                DISTRIBUTE_PATH,
            )
        )
    if needed is not None and backend not in (None, needed):
        problems.append(
            Problem(
                f"{distribute} runs on the {NAMES[needed]} backend only, not on"
                f" --backend {backend} ({_instead(backend)})",
                DISTRIBUTE_PATH,
            )
        )
    if problems:
        raise SpecError(problems)
    return backend or needed


def _instead(backend: Backend) -> str:
    """What to write instead, for a strategy that does not run on `backend`."""
    runs_there = [name for name, needs in STRATEGY_BACKENDS.items() if needs == backend]
    if runs_there:
        return f"for {NAMES[backend]}, use distribute: {' or '.join(runs_there)}"
    return f"{NAMES[backend]} has no strategy here: leave training.distribute out"


def _tensorflow_only_problems(
    needs: TensorFlowOnly, distribute: str | None, needed: Backend | None, backend: Backend | None
) -> list[Problem]:
    """A TensorFlow-only model asked to run elsewhere, by --backend or by its strategy."""
    problems = []
    if backend not in (None, "tensorflow"):
        problems.append(
            Problem(
                f"{needs.what} runs on the TensorFlow backend only, not on --backend {backend}"
                " (Keras builds it on TensorFlow ops; leave --backend out)",
                needs.path,
            )
        )
    if needed not in (None, "tensorflow"):
        problems.append(
            Problem(
                f"{distribute} runs on the {NAMES[needed]} backend, but {needs.what} runs on"
                " TensorFlow only (use distribute: mirrored)",
                DISTRIBUTE_PATH,
            )
        )
    return problems
