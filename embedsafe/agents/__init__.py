"""Files shipped with the package: training recipes and reference agents.

- ``recipes/<name>.yaml``: the rl-zoo-style recipes ``embedsafe train`` reads
  (:mod:`embedsafe.training.recipe`);
- ``reference/<env name>/``: weights-only agents (``agent.json`` + ``policy.pt``, the recipe
  they were trained with, and ``eval.json``), made by ``scripts/train_reference.py``.

They live inside the package, so a wheel or ``pip install .`` carries them; nothing is
looked up through the repository's folder layout.
"""

from __future__ import annotations

from pathlib import Path

RECIPE_DIR = Path(__file__).resolve().parent / "recipes"
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
REFERENCE_PREFIX = "reference:"


def reference_names() -> list[str]:
    """Env names (``RewardButton-Grid-v0``) that have a shipped reference agent."""
    return sorted(p.parent.name for p in REFERENCE_DIR.glob("*/agent.json"))


def reference_agent(name: str) -> Path:
    """The folder of the reference agent for ``name``: ``reference:<env>``, or an env id
    with or without the ``embedsafe/`` namespace. A ValueError lists the shipped ones."""
    env = name.removeprefix(REFERENCE_PREFIX).removeprefix("embedsafe/")
    folder = REFERENCE_DIR / env
    if not (folder / "agent.json").is_file():
        raise ValueError(
            f"no reference agent {name!r}; shipped: "
            + ", ".join(REFERENCE_PREFIX + n for n in reference_names())
        )
    return folder


def resolve_agent(path: str | Path) -> Path:
    """``path`` itself, unless it names a shipped reference agent: ``reference:<env>``, or an
    env id (``RewardButton-Grid-v0``) that is not also a path on disk."""
    text = str(path)
    if text.startswith(REFERENCE_PREFIX):
        return reference_agent(text)
    if not Path(path).exists():
        from embedsafe.core.registry import find

        try:
            find(text)
        except ValueError:
            return Path(path)
        return reference_agent(text)
    return Path(path)
