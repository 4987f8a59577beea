"""Which Keras backend a script pins, and the combinations that cannot run."""

from __future__ import annotations

from generator.errors import Problem, SpecError
from generator.spec.model import Backend, Imports

NAMES: dict[Backend, str] = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
# The backend each training.distribute value runs on; the rest of a script runs on any.
STRATEGY_BACKENDS: dict[str, Backend] = {
    "mirrored": "tensorflow",
    "multi_worker": "tensorflow",
    "data_parallel": "jax",
}
DISTRIBUTE_PATH = ("training", "distribute")


def script_backend(
    distribute: str | None, imports: Imports, backend: Backend | None
) -> Backend | None:
    """The backend the script pins: --backend, else the one its strategy needs, else none.

    Raise SpecError when the script cannot run on the backend asked for.
    """
    needed = STRATEGY_BACKENDS.get(distribute) if distribute else None
    problems = []
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
