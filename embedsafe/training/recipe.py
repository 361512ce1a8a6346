"""Training recipes: rl-zoo3-style YAML files in ``agents/recipes/``.

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

import copy
from pathlib import Path
from typing import Any

import yaml

RECIPE_DIR = Path(__file__).resolve().parents[2] / "agents" / "recipes"

_NUM = (int, float)
SCHEMA: dict[str, Any] = {
    "n_envs": int,
    "n_timesteps": int,
    "env_kwargs": dict,  # free-form: the env validates its own knobs
    "checkpoint_every": int,
    "torch_threads": int,
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
    "network": {"kind": str, "channels": list, "features_dim": int, "net_arch": (dict, list)},
}
REQUIRED = ("n_envs", "n_timesteps", "ppo", "network")


def recipe_path(name_or_path: str | Path) -> Path:
    """A recipe file from a name in ``agents/recipes`` (``grid``) or a path to a YAML file."""
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
            out[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError:
            out[key.strip()] = raw
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
    if not prefix:
        missing = [k for k in REQUIRED if k not in recipe]
        if missing:
            raise ValueError(f"{where}: missing required keys {missing}")
        for key in ("n_envs", "n_timesteps"):
            if recipe[key] < 1:
                raise ValueError(f"{where}: {key!r} must be >= 1, got {recipe[key]}")
