"""Running a sweep's trials on Ray Tune: in this process (Ray started embedded, all local
cores) or on a running cluster (``address``). Each trial is one call of
:func:`embedsafe.training.sweep.train_and_evaluate` in a Ray worker; finished trials are
not submitted at all, so a second run of a finished sweep does not even start Ray.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import traceback
from dataclasses import asdict
from pathlib import Path

from embedsafe.training.sweep import ERROR_FILE, Trial, finished, train_and_evaluate
from embedsafe.training.sweep_progress import Progress, tune_callback
from embedsafe.training.sweep_summary import headline_metric

RAY_HINT = 'embedsafe sweep needs Ray Tune, which is not installed: pip install "embedsafe[ray]"'


def _trainable(config: dict) -> None:
    """The Ray Tune function trainable: one trial; reports ``step`` and ``figure`` each
    window, then ``done`` (or ``error``, a one-line reason, after writing the traceback)."""
    from ray import tune

    trial = Trial(**config["trial"])
    run_dir = Path(config["root"]) / trial.name  # absolute: Tune changes the cwd
    metric = config["metric"]

    def on_window(row: dict) -> None:
        key = metric or headline_metric(row)
        tune.report({"step": int(row["step"]), "figure": float(row.get(key, math.nan)), "key": key})

    try:
        result = train_and_evaluate(
            trial, run_dir, config["episodes"], config["threads"], on_window
        )
    except Exception as err:  # noqa: BLE001 - any failure is reported, the sweep goes on
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / ERROR_FILE).write_text(traceback.format_exc())
        tune.report({"error": one_line(err)})
        return
    key = metric or headline_metric(result["mean"])
    figure, steps = result["mean"].get(key, math.nan), int(result["num_timesteps"] or 0)
    tune.report({"done": True, "step": steps, "figure": figure, "key": key})


def one_line(err: BaseException) -> str:
    """``Type: message``, on one line, at most 200 characters."""
    lines = [ln for ln in str(err).strip().splitlines() if ln.strip()]
    text = f"{type(err).__name__}: {lines[-1].strip() if lines else ''}"
    return text if len(text) <= 200 else text[:197] + "..."


def run(
    trials: list[Trial],
    out: str | Path,
    *,
    episodes: int = 100,
    address: str | None = None,
    cpus_per_trial: float = 1,
    metric: str | None = None,
    display: bool = True,
) -> dict[str, str]:
    """Run every trial that is not finished on Ray Tune; returns ``{name: reason}`` of
    the trials that failed (each is also shown as it fails; the others go on)."""
    if episodes < 1 or cpus_per_trial <= 0:
        raise ValueError(f"episodes={episodes} must be >= 1, cpus_per_trial > 0")
    out = Path(out).resolve()
    progress = Progress([t.name for t in trials], metric, quiet=not display)
    todo = []
    for trial in trials:
        result = finished(trial, out / trial.name)
        if result is None:
            todo.append(trial)
        else:
            progress.metric = key = metric or headline_metric(result["mean"])
            progress.kept(trial.name, result["mean"].get(key, math.nan))
    if display and len(todo) < len(trials):
        print(f"{len(trials) - len(todo)} of {len(trials)} trials already done in {out}: kept")
    if not todo:
        return {}
    ray, tune = _import_ray(address)
    started = _init_ray(ray, address)
    try:
        with progress:
            results = _fit(tune, todo, out, episodes, cpus_per_trial, metric, progress)
    finally:
        if started:
            ray.shutdown()
    failures = {}
    for result in results:
        name = result.config["trial"]["name"]
        if result.error is not None:
            failures[name] = one_line(result.error)
        elif (result.metrics or {}).get("error"):
            failures[name] = result.metrics["error"]
        elif not (result.metrics or {}).get("done"):
            failures[name] = "stopped before it finished"
    return failures


def _import_ray(address: str | None = None):
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # Tune's own tables off: we draw ours
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")  # no per-trial logs
    token = os.environ.get("RAY_AUTH_TOKEN") or (Path.home() / ".ray" / "auth_token").is_file()
    if address and token:  # as `ray start` does when it finds a token (read at import)
        os.environ.setdefault("RAY_AUTH_MODE", "token")
    try:
        import ray
        from ray import tune
    except ImportError:
        raise ValueError(RAY_HINT) from None
    return ray, tune


def _init_ray(ray, address: str | None) -> bool:
    """Start Ray in this process, or connect to ``address``; False if it was running."""
    if ray.is_initialized():
        return False
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
            ray.init(address="local", num_cpus=cpus or os.cpu_count(), include_dashboard=False,
                     object_store_memory=128 * 1024**2, **quiet)  # fmt: skip
    except (ConnectionError, RuntimeError) as err:
        if not address:
            raise ValueError(f"cannot start Ray here: {one_line(err)}") from None
        raise ValueError(
            f"cannot connect to the Ray cluster at {address}: {one_line(err)} (is `ray start "
            "--head` running there? with token authentication, put its token, from `ray "
            "get-auth-token` on the head, in ~/.ray/auth_token)"
        ) from None
    return True


def _fit(tune, todo, out, episodes, cpus_per_trial, metric, progress):
    space = {
        "trial": tune.grid_search([asdict(t) for t in todo]),
        "root": str(out),
        "episodes": episodes,
        "metric": metric,
        "threads": cpus_per_trial,
    }
    logging.getLogger("ray.tune").setLevel(logging.CRITICAL)  # failures: we say why, once
    # Tune's own bookkeeping; under DIR because every node of a cluster must reach it. Our
    # state is the run directories, so it goes once Tune is done.
    storage = out / ".ray"
    try:
        tuner = tune.Tuner(
            tune.with_resources(_trainable, {"cpu": cpus_per_trial}),
            param_space=space,
            tune_config=tune.TuneConfig(
                reuse_actors=True,  # a worker imports torch & co. once, not per trial
                trial_name_creator=lambda t: t.config["trial"]["name"],
                trial_dirname_creator=lambda t: t.trial_id,
            ),
            run_config=tune.RunConfig(
                name="sweep",
                storage_path=str(storage),
                verbose=0,
                callbacks=[tune_callback(progress)],
            ),
        )
        return list(tuner.fit())
    finally:
        shutil.rmtree(storage, ignore_errors=True)
