"""``train``: a learner (``--algo``, PPO by default) from a recipe on a batched embedsafe
env, into one run directory.

A run directory holds::

    recipe.yaml           the recipe actually used (after overrides)
    agent.json            env id, knobs, spaces, network: what load_agent needs
    progress.csv, events.*  SB3 logs (CSV + TensorBoard), incl. safety/<key> means
    checkpoints/step_N.*  weights, optimizer, counters, DQN replay (training.callbacks)
    policy.pt             the latest weights (agent.json points to them)

Nothing in it is unpickled when read: weights and optimizer state are loaded with
``torch.load(weights_only=True)``, the rest is JSON or YAML (``safe_load``). Files are
written to a temporary name and renamed, so a killed run keeps its last whole checkpoint.
``agent.json`` is written when training starts and at every checkpoint, so a killed run
can be evaluated. ``--force`` removes only the files listed above, in a directory that
holds nothing else.
"""

from __future__ import annotations

import csv
import fnmatch
from pathlib import Path
from typing import Any

import torch
import yaml
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.callbacks import CallbackList
from stable_baselines3.common.logger import (
    CSVOutputFormat,
    Logger,
    TensorBoardOutputFormat,
    configure,
)

import embedsafe
from embedsafe.core.files import atomic_write_text
from embedsafe.training import learners
from embedsafe.training.agents import save_agent, write_meta
from embedsafe.training.callbacks import Checkpointer, SafetyLogger, UpdateThreads, load_checkpoint
from embedsafe.training.recipe import load_recipe


class RunDirExists(ValueError):
    """The output directory already holds a run (pass force or resume)."""


def train(
    env_id: str,
    out: str | Path,
    recipe: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    algo: str | None = None,
    seed: int = 0,
    timesteps: int | None = None,
    resume: bool = False,
    force: bool = False,
    progress_bar: bool = True,
    on_window=None,
    verbose: int = 0,
) -> PPO:
    """Train a learner on ``env_id`` and write the run to ``out``; returns the model.

    Args:
        recipe: recipe name in ``embedsafe/agents/recipes`` or a YAML path (default: by env id
            and learner, :func:`embedsafe.training.learners.recipe_name`).
        algo: the learner (:data:`embedsafe.training.learners.ALGOS`); default: the
            recipe's ``algo`` key, else ``ppo``.
        overrides: dotted-key recipe overrides, e.g. ``{"ppo.learning_rate": 1e-3}``.
        timesteps: total env steps (overrides the recipe's ``n_timesteps``).
        resume: continue from the newest checkpoint in ``out`` up to ``timesteps``.
        force: replace an existing run in ``out`` (refused when the directory holds
            anything a run does not; see :func:`_check_run_dir`).
        on_window: called with each rollout's mean safety metrics (a dict).
    """
    embedsafe.find(env_id)  # unknown id -> ValueError listing the known ones
    out = Path(out)
    overrides = dict(overrides or {})
    if timesteps is not None:
        overrides["n_timesteps"] = int(timesteps)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a directory for the run")
    if resume:
        model, rec, start, seed = _resume(out, env_id, overrides)
    else:
        name = recipe or learners.recipe_name(env_id, algo or "ppo")
        rec = learners.resolve(load_recipe(name, overrides), algo, env_id)
        _check_run_dir(out, force)
        embedsafe.make_sim(env_id, 1, **rec.get("env_kwargs", {}))  # bad knobs: error now
        _prepare_dir(out, force)
        model, start = _new_model(env_id, rec, seed, out), 0
    torch.set_num_threads(int(rec.get("torch_threads", 1)))
    model.set_logger(_logger(out, start, verbose))
    write_meta(out, env_id, rec, model, seed)  # a killed run can still be evaluated

    def keep_current(model) -> None:
        save_agent(out, env_id, rec, model, seed)

    safety = SafetyLogger(on_window)
    ckpt = Checkpointer(out, rec.get("checkpoint_every", 50_000), on_save=keep_current)
    callbacks = [safety, ckpt]
    if rec.get("update_threads"):
        callbacks.append(UpdateThreads(rec["update_threads"], rec.get("torch_threads", 1)))
    remaining = rec["n_timesteps"] - start
    if remaining > 0:
        try:
            model.learn(
                remaining,
                callback=CallbackList(callbacks),
                progress_bar=progress_bar,
                reset_num_timesteps=not resume,
                log_interval=learners.log_interval(model),
            )
        finally:  # an error inside an update leaves the update's threads set
            torch.set_num_threads(int(rec.get("torch_threads", 1)))
    ckpt.init_callback(model)
    # After learning, a checkpoint of the last step taken mid-step misses the update that
    # followed it: write it again, so that a resume starts from the end state.
    if remaining > 0 or not (ckpt.dir / f"step_{model.num_timesteps}.json").exists():
        ckpt.save()
    else:
        keep_current(model)
    model.safety_history = safety.history
    return model


# What ``train`` writes in a run directory (and so what ``--force`` may remove).
RUN_FILES = (
    "recipe.yaml",
    "agent.json",
    "policy.pt",
    "progress.csv",
    "events.out.tfevents.*",
    "model.zip",
    "progress_before_*.csv",  # runs of older embedsafe versions
    ".*.tmp",  # a write cut short by a kill
)
CHECKPOINT_FILES = (
    "step_*.pt",
    "step_*.resume.pth",
    "step_*.replay.npz",
    "step_*.json",
    "step_*.zip",
    ".*.tmp",
)


def _run_files(out: Path) -> tuple[list[Path], list[Path]]:
    """(files train wrote, anything else) in ``out``."""
    ours, foreign = [], []
    for path in sorted(out.iterdir()):
        if path.name == "checkpoints" and path.is_dir() and not path.is_symlink():
            for inner in sorted(path.iterdir()):
                known = inner.is_file() and _matches(inner.name, CHECKPOINT_FILES)
                (ours if known else foreign).append(inner)
            continue
        known = path.is_file() and not path.is_symlink() and _matches(path.name, RUN_FILES)
        (ours if known else foreign).append(path)
    return ours, foreign


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _check_run_dir(out: Path, force: bool) -> None:
    """Refuse an ``--out`` that holds anything, unless it is a run (``recipe.yaml`` and
    only files train writes) and ``force`` is set. Deletes nothing."""
    if not out.exists() or not any(out.iterdir()):
        return
    if not force:
        raise RunDirExists(
            f"run directory {out} already exists and is not empty; "
            "pass --resume to continue it or --force to overwrite it"
        )
    if Path.cwd().resolve().is_relative_to(out.resolve()):
        raise ValueError(f"--force refuses to clear {out}: it holds the working directory")
    _, foreign = _run_files(out)
    if foreign or not (out / "recipe.yaml").is_file():
        what = f"holds {foreign[0].relative_to(out)}, which" if foreign else "has no recipe.yaml:"
        raise ValueError(
            f"--force refuses to clear {out}: it {what} embedsafe train did not write; "
            "move it away or choose another --out"
        )


def _prepare_dir(out: Path, force: bool) -> None:
    """Make ``out`` ready for a new run, removing an old run's files (only those) when
    ``force`` is set; see :func:`_check_run_dir` for what is refused."""
    _check_run_dir(out, force)
    if out.exists():
        ours, _ = _run_files(out)
        for path in ours:
            path.unlink()
        if (out / "checkpoints").is_dir():
            (out / "checkpoints").rmdir()
    out.mkdir(parents=True, exist_ok=True)


def _make_env(env_id: str, rec: dict, seed: int):
    return embedsafe.make_vec(env_id, rec["n_envs"], seed=seed, **rec.get("env_kwargs", {}))


def _new_model(env_id: str, rec: dict, seed: int, out: Path):
    """A fresh learner of ``rec["algo"]`` (see :mod:`embedsafe.training.learners`)."""
    torch.set_num_threads(int(rec.get("torch_threads", 1)))
    vec = _make_env(env_id, rec, seed)
    (out / "recipe.yaml").write_text(yaml.safe_dump({**rec, "env_id": env_id, "seed": seed}))
    return learners.build(rec, vec, seed, env_id)


def _resume(out: Path, env_id: str, overrides: dict) -> tuple[PPO, dict, int, int]:
    """(model, recipe, step, seed) of the run in ``out`` at its newest good checkpoint.
    Nothing is unpickled: the network is rebuilt from recipe.yaml, then its saved state
    dicts are loaded (:func:`embedsafe.training.callbacks.load_checkpoint`)."""
    saved = out / "recipe.yaml"
    if not saved.is_file():
        raise ValueError(f"cannot resume: {out} holds no run (no recipe.yaml)")
    text = saved.read_text()
    try:
        rec = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValueError(f"cannot resume: {saved} is not valid YAML: {err}") from None
    if not isinstance(rec, dict) or "env_id" not in rec:
        raise ValueError(f"cannot resume: {saved} is not a run's recipe (no env_id)")
    if rec.pop("env_id") != embedsafe.find(env_id).id:
        raise ValueError(f"cannot resume: {out} was trained on another env, not {env_id}")
    seed = rec.pop("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"cannot resume: seed in {saved} must be an integer, got {seed!r}")
    rec = load_recipe_dict(rec, overrides)
    try:
        model = _new_model(env_id, rec, seed, out)  # the same network, then its saved state
        start = load_checkpoint(model, out / "checkpoints")
    except BaseException:
        atomic_write_text(saved, text)  # _new_model rewrote it
        raise
    model.set_env(_make_env(env_id, rec, seed + start))  # fresh episodes, new seeds
    _continue_exploration(model, rec["n_timesteps"])
    atomic_write_text(saved, yaml.safe_dump({**rec, "env_id": env_id, "seed": seed}))
    return model, rec, start, seed


def _continue_exploration(model, total: int) -> None:
    """Put a resumed learner's exploration where its schedule is. SB3 updates the
    progress only after the first step (DQN) or window (tabular) of ``learn``, and the
    epsilons follow it: until then a resumed DQN would act greedily and a tabular learner
    with its initial epsilon."""
    model._update_current_progress_remaining(model.num_timesteps, total)
    if isinstance(model, DQN):
        model.exploration_rate = model.exploration_schedule(model._current_progress_remaining)


def load_recipe_dict(rec: dict, overrides: dict) -> dict:
    """Validate a recipe given as a dict (a saved run's recipe.yaml) with overrides."""
    from embedsafe.training.recipe import apply_overrides, validate

    rec = apply_overrides(rec, overrides)
    validate(rec, where="recipe.yaml")
    return rec


class _ProgressCSV(CSVOutputFormat):
    """SB3's CSV log, appended to: a resumed run keeps the rows up to the checkpoint it
    resumed from (later rows belong to the discarded stretch) and adds its own."""

    def __init__(self, path: Path, start: int):
        rows, keys = _read_progress(path, start)
        lines = [",".join(keys)] if keys else []
        lines += [",".join(_csv_cell(row.get(k)) for k in keys) for row in rows]
        atomic_write_text(path, "".join(line + "\n" for line in lines))
        self.file = open(path, "r+")  # noqa: SIM115 - the logger closes it
        self.file.seek(0, 2)
        self.keys, self.separator, self.quotechar = keys, ",", '"'


def _read_progress(path: Path, start: int) -> tuple[list[dict], list[str]]:
    """Header and rows of ``path`` up to step ``start`` (none when it does not exist)."""
    if not path.is_file():
        return [], []
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        keys = list(reader.fieldnames or [])
        rows = []
        for row in reader:
            try:
                step = float(row.get("time/total_timesteps") or "nan")
            except ValueError:
                continue  # a row cut short by a kill
            if step <= start:
                rows.append(row)
    return rows, keys


def _csv_cell(value: str | None) -> str:
    if value is None:
        return ""
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def _logger(out: Path, start: int, verbose: int) -> Logger:
    """CSV (appended, see :class:`_ProgressCSV`) and TensorBoard logs, stdout if verbose."""
    formats = [_ProgressCSV(out / "progress.csv", start), TensorBoardOutputFormat(str(out))]
    if verbose:
        formats += configure(None, ["stdout"]).output_formats
    return Logger(str(out), formats)
