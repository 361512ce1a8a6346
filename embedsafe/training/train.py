"""``train``: PPO from a recipe on a batched embedsafe env, into one run directory.

A run directory holds::

    recipe.yaml           the recipe actually used (after overrides)
    agent.json            env id, knobs, spaces, network: what load_agent needs
    progress.csv, events.*  SB3 logs (CSV + TensorBoard), incl. safety/<key> means
    checkpoints/step_N.zip  full SB3 state (for --resume)
    checkpoints/step_N.pt   policy weights only (safe to load; for probing)
    model.zip, policy.pt  the final model / weights
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import torch
import yaml
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import CallbackList
from stable_baselines3.common.logger import configure

import embedsafe
from embedsafe.training.callbacks import Checkpointer, SafetyLogger
from embedsafe.training.networks import policy_kwargs
from embedsafe.training.recipe import default_recipe_name, load_recipe


class RunDirExists(ValueError):
    """The output directory already holds a run (pass force or resume)."""


def train(
    env_id: str,
    out: str | Path,
    recipe: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    seed: int = 0,
    timesteps: int | None = None,
    resume: bool = False,
    force: bool = False,
    progress_bar: bool = True,
    on_window=None,
    verbose: int = 0,
) -> PPO:
    """Train PPO on ``env_id`` and write the run to ``out``; returns the model.

    Args:
        recipe: recipe name in ``agents/recipes`` or a YAML path (default: by env id).
        overrides: dotted-key recipe overrides, e.g. ``{"ppo.learning_rate": 1e-3}``.
        timesteps: total env steps (overrides the recipe's ``n_timesteps``).
        resume: continue from the newest checkpoint in ``out`` up to ``timesteps``.
        force: delete an existing run in ``out`` and start over.
        on_window: called with each rollout's mean safety metrics (a dict).
    """
    embedsafe.find(env_id)  # unknown id -> ValueError listing the known ones
    out = Path(out)
    overrides = dict(overrides or {})
    if timesteps is not None:
        overrides["n_timesteps"] = int(timesteps)
    if resume:
        model, rec, start = _resume(out, env_id, overrides)
    else:
        rec = load_recipe(recipe or default_recipe_name(env_id), overrides)
        _prepare_dir(out, force)
        model, start = _new_model(env_id, rec, seed, out), 0
    torch.set_num_threads(int(rec.get("torch_threads", 1)))
    model.set_logger(configure(str(out), ["csv", "tensorboard"] + (["stdout"] if verbose else [])))
    safety = SafetyLogger(on_window)
    ckpt = Checkpointer(out, rec.get("checkpoint_every", 50_000))
    remaining = rec["n_timesteps"] - start
    if remaining > 0:
        model.learn(
            remaining,
            callback=CallbackList([safety, ckpt]),
            progress_bar=progress_bar,
            reset_num_timesteps=not resume,
        )
    if not (ckpt.dir / f"step_{model.num_timesteps}.zip").exists():
        ckpt.save()
    model.save(out / "model.zip")
    torch.save(model.policy.state_dict(), out / "policy.pt")
    _write_meta(out, env_id, rec, model, seed)
    _merge_progress(out)
    model.safety_history = safety.history
    return model


def _prepare_dir(out: Path, force: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not force:
            raise RunDirExists(
                f"run directory {out} already exists and is not empty; "
                "pass --resume to continue it or --force to overwrite it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _make_env(env_id: str, rec: dict, seed: int):
    return embedsafe.make_vec(env_id, rec["n_envs"], seed=seed, **rec.get("env_kwargs", {}))


def _new_model(env_id: str, rec: dict, seed: int, out: Path) -> PPO:
    torch.set_num_threads(int(rec.get("torch_threads", 1)))
    vec = _make_env(env_id, rec, seed)
    (out / "recipe.yaml").write_text(yaml.safe_dump({**rec, "env_id": env_id, "seed": seed}))
    kwargs = policy_kwargs(rec["network"], vec.observation_space)
    ppo = dict(rec["ppo"])
    rollout = ppo.get("n_steps", 2048) * rec["n_envs"]
    ppo["batch_size"] = min(ppo.get("batch_size", 64), rollout)  # tiny smoke-test budgets
    return PPO("CnnPolicy", vec, policy_kwargs=kwargs, seed=seed, device="cpu", verbose=0, **ppo)


def _resume(out: Path, env_id: str, overrides: dict) -> tuple[PPO, dict, int]:
    saved = out / "recipe.yaml"
    if not saved.is_file():
        raise ValueError(f"cannot resume: {out} holds no run (no recipe.yaml)")
    rec = yaml.safe_load(saved.read_text())
    if rec.pop("env_id") != embedsafe.find(env_id).id:
        raise ValueError(f"cannot resume: {out} was trained on another env, not {env_id}")
    seed = rec.pop("seed", 0)
    rec = load_recipe_dict(rec, overrides)
    steps = sorted((int(p.stem.split("_")[1]), p) for p in (out / "checkpoints").glob("step_*.zip"))
    if not steps:
        raise ValueError(f"cannot resume: no checkpoints/step_*.zip in {out}")
    start, path = steps[-1]
    vec = _make_env(env_id, rec, seed + start)
    try:
        model = PPO.load(path, env=vec, device="cpu")
    except Exception as err:  # noqa: BLE001 - a broken zip can fail in many ways
        raise ValueError(f"checkpoint {path} is corrupt or not a PPO model: {err}") from None
    progress = out / "progress.csv"
    if progress.exists():
        shutil.move(progress, out / f"progress_before_{start}.csv")
    (out / "recipe.yaml").write_text(yaml.safe_dump({**rec, "env_id": env_id, "seed": seed}))
    return model, rec, start


def load_recipe_dict(rec: dict, overrides: dict) -> dict:
    """Validate a recipe given as a dict (a saved run's recipe.yaml) with overrides."""
    from embedsafe.training.recipe import apply_overrides, validate

    rec = apply_overrides(rec, overrides)
    validate(rec, where="recipe.yaml")
    return rec


def _write_meta(out: Path, env_id: str, rec: dict, model: PPO, seed: int) -> None:
    from embedsafe.training.agents import env_spaces

    obs_space, act_space = env_spaces(env_id, rec.get("env_kwargs", {}))  # before SB3 wrappers
    meta = {
        "format": "embedsafe-agent/1",
        "env_id": embedsafe.find(env_id).id,
        "env_kwargs": rec.get("env_kwargs", {}),
        "obs_shape": list(obs_space.shape),
        "obs_dtype": str(obs_space.dtype),
        "policy_obs_shape": list(model.policy.observation_space.shape),
        "n_actions": int(act_space.n),
        "network": rec["network"],
        "num_timesteps": int(model.num_timesteps),
        "seed": seed,
        "weights": "policy.pt",
    }
    (out / "agent.json").write_text(json.dumps(meta, indent=2))


def _merge_progress(out: Path) -> None:
    """After a resume, prepend the earlier segments' rows to ``progress.csv``."""
    parts = sorted(out.glob("progress_before_*.csv"), key=lambda p: int(p.stem.split("_")[-1]))
    if not parts:
        return
    rows: list[dict] = []
    for path in [*parts, out / "progress.csv"]:
        if path.exists() and path.stat().st_size:
            with path.open() as f:
                rows.extend(csv.DictReader(f))
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with (out / "progress.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)
    for path in parts:
        path.unlink()
