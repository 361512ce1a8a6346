"""Training recipes: rl-zoo3-style YAML files in ``embedsafe/agents/recipes/`` (package data).

A recipe is a small dict::

    n_envs: 128              # copies stepped together by make_vec
    n_timesteps: 400000      # total env steps
    env_kwargs: {}           # scenario knobs passed to make_vec
    ppo: {n_steps: 64, batch_size: 2048, ...}   # PPO constructor arguments
    network: {kind: auto, channels: [16, 32], features_dim: 128, net_arch: {pi: [64], vf: [64]}}
    checkpoint_every: 50000  # env steps between kept checkpoints
    torch_threads: 1

Every key is checked against :data:`SCHEMA`, so a typo or a wrong type is an error that
names the key, not a surprise later. ``--set key=value`` overrides use dotted keys
(``ppo.learning_rate=1e-3``, ``env_kwargs.num_wood=6``); values are parsed as YAML.
"""

from __future__ import annotations

import contextlib
import copy
import math
from pathlib import Path
from typing import Any

import yaml

from embedsafe.agents import RECIPE_DIR

_NUM = (int, float)
SCHEMA: dict[str, Any] = {
    "n_envs": int,
    "n_timesteps": int,
    "env_kwargs": dict,  # free-form: the env validates its own knobs
    "checkpoint_every": int,
    "torch_threads": int,
    "update_threads": int,  # torch threads in the update only (default: torch_threads)
    "description": str,
    "ppo": {
        "n_steps": int,
        "batch_size": int,
        "n_epochs": int,
        "learning_rate": _NUM,
        "gamma": _NUM,
        "gae_lambda": _NUM,
        "clip_range": _NUM,
        "ent_coef": _NUM,
        "vf_coef": _NUM,
        "max_grad_norm": _NUM,
        "normalize_advantage": bool,
        "target_kl": _NUM,
    },
    "network": {
        "kind": str,
        "channels": list,
        "features_dim": int,
        "net_arch": (dict, list),
    },
    # The other learners (embedsafe.training.learners checks that ``algo`` has its section).
    "algo": str,
    "a2c": {
        "n_steps": int,
        "learning_rate": _NUM,
        "gamma": _NUM,
        "gae_lambda": _NUM,
        "ent_coef": _NUM,
        "vf_coef": _NUM,
        "max_grad_norm": _NUM,
        "normalize_advantage": bool,
        "use_rms_prop": bool,
    },
    "dqn": {
        "learning_rate": _NUM,
        "buffer_size": int,
        "learning_starts": int,
        "batch_size": int,
        "tau": _NUM,
        "gamma": _NUM,
        "train_freq": int,
        "gradient_steps": int,
        "target_update_interval": int,
        "exploration_fraction": _NUM,
        "exploration_initial_eps": _NUM,
        "exploration_final_eps": _NUM,
        "max_grad_norm": _NUM,
    },
    "tabular": {
        "learning_rate": _NUM,
        "gamma": _NUM,
        "exploration_fraction": _NUM,
        "exploration_initial_eps": _NUM,
        "exploration_final_eps": _NUM,
        "n_steps": int,
    },
    "approval": {  # no gamma: approval learners are myopic by definition
        "n_steps": int,
        "learning_rate": _NUM,
        "ent_coef": _NUM,
        "vf_coef": _NUM,
        "max_grad_norm": _NUM,
        "normalize_advantage": bool,
        "use_rms_prop": bool,
    },
}
REQUIRED = ("n_envs", "n_timesteps")  # + the learner's section: learners.resolve


def recipe_path(name_or_path: str | Path) -> Path:
    """A recipe file from a shipped name (``grid``, see :data:`RECIPE_DIR`) or a YAML path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise ValueError(f"recipe file {path} does not exist")
        return path
    path = RECIPE_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in RECIPE_DIR.glob("*.yaml"))
        raise ValueError(f"unknown recipe {str(name_or_path)!r}; known recipes: {known}")
    return path


def default_recipe_name(env_id: str) -> str:
    """The shipped recipe for an env id: its own file if there is one, else by world."""
    name = env_id.split("/")[-1]
    if (RECIPE_DIR / f"{name}.yaml").is_file():
        return name
    return "voxel" if "-Voxel-" in name else "grid"


def load_recipe(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> dict:
    """Read, override and validate a recipe."""
    path = recipe_path(name_or_path)
    try:
        recipe = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(f"recipe {path} is not valid YAML: {err}") from None
    if not isinstance(recipe, dict):
        raise ValueError(f"recipe {path} must be a mapping of keys to values")
    recipe = apply_overrides(recipe, overrides or {})
    validate(recipe, where=str(path))
    return recipe


def parse_set(items: list[str]) -> dict[str, Any]:
    """``["ppo.n_steps=128", "n_envs=64"]`` -> ``{"ppo.n_steps": 128, "n_envs": 64}``."""
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {item!r}: expected key=value, e.g. ppo.learning_rate=1e-3")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw
        if isinstance(value, str):  # YAML 1.1 reads 1e-3 (no dot) as a string
            with contextlib.suppress(ValueError):
                value = float(value)
        out[key.strip()] = value
    return out


def apply_overrides(recipe: dict, overrides: dict[str, Any]) -> dict:
    """A copy of ``recipe`` with dotted-key overrides applied."""
    recipe = copy.deepcopy(recipe)
    for dotted, value in overrides.items():
        node = recipe
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"override {dotted}: {part!r} is not a section")
        node[leaf] = value
    return recipe


def validate(
    recipe: dict, schema: dict | None = None, where: str = "recipe", prefix: str = ""
) -> None:
    """Raise a ValueError naming the first unknown key, wrong type or missing key."""
    schema = SCHEMA if schema is None else schema
    for key, value in recipe.items():
        name = prefix + key
        if key not in schema:
            raise ValueError(f"{where}: unknown key {name!r}; allowed: {sorted(schema)}")
        expected = schema[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise ValueError(f"{where}: {name!r} must be a mapping, got {value!r}")
            validate(value, expected, where, prefix=name + ".")
            continue
        types = expected if isinstance(expected, tuple) else (expected,)
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            wanted = " or ".join(t.__name__ for t in types)
            raise ValueError(f"{where}: {name!r} must be {wanted}, got {value!r}")
        _check_value(name, value, where)
    if not prefix:
        missing = [k for k in REQUIRED if k not in recipe]
        if missing:
            raise ValueError(f"{where}: missing required keys {missing}")
        for section in recipe.values():  # n_steps * n_envs is the rollout PPO/A2C divide
            steps = section.get("n_steps") if isinstance(section, dict) else None
            if isinstance(steps, int) and steps * recipe["n_envs"] < 2:
                raise ValueError(
                    f"{where}: n_steps * n_envs must be >= 2, got {steps} * {recipe['n_envs']}"
                )


# Allowed ranges by key name (in any section, so every algorithm's section is covered):
# (low, high, low_inclusive). Every number must also be finite.
RANGES: dict[str, tuple[float, float, bool]] = {
    "n_envs": (1, 1e5, True),
    "n_timesteps": (1, 1e12, True),
    "checkpoint_every": (1, 1e12, True),
    "torch_threads": (1, 1024, True),
    "update_threads": (1, 1024, True),
    "n_steps": (1, 1e7, True),
    "batch_size": (2, 1e7, True),
    "n_epochs": (1, 1e4, True),
    "learning_rate": (0, 10, False),
    "gamma": (0, 1, True),
    "gae_lambda": (0, 1, True),
    "clip_range": (0, 10, False),
    "ent_coef": (0, 1e3, True),
    "vf_coef": (0, 1e3, True),
    "max_grad_norm": (0, 1e6, False),
    "target_kl": (0, 1e3, False),
    "features_dim": (1, 1e5, True),
    "buffer_size": (1, 1e9, True),
    "learning_starts": (0, 1e12, True),
    "tau": (0, 1, False),
    "train_freq": (1, 1e7, True),
    "gradient_steps": (1, 1e5, True),
    "target_update_interval": (1, 1e12, True),
    "exploration_fraction": (0, 1, True),
    "exploration_initial_eps": (0, 1, True),
    "exploration_final_eps": (0, 1, True),
}


def _check_value(name: str, value: Any, where: str) -> None:
    """Ranges of numbers (finite, :data:`RANGES`) and layer sizes (positive integers)."""
    leaf = name.rsplit(".", 1)[-1]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: {name!r} must be a finite number, got {value!r}")
    if leaf in RANGES and isinstance(value, int | float) and not isinstance(value, bool):
        low, high, inclusive = RANGES[leaf]
        if not (low <= value if inclusive else low < value) or value > high:
            lower = ">=" if inclusive else ">"
            raise ValueError(
                f"{where}: {name!r} must be {lower} {low:g} and <= {high:g}, got {value!r}"
            )
    if leaf in ("channels", "net_arch"):
        sizes = [v for part in value.values() for v in part] if isinstance(value, dict) else value
        if isinstance(value, dict) and not all(isinstance(v, list) for v in value.values()):
            raise ValueError(f"{where}: {name!r} must map heads to lists of layer sizes")
        if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1e5 for v in sizes):
            raise ValueError(
                f"{where}: {name!r} must list positive integer layer sizes, got {value!r}"
            )
