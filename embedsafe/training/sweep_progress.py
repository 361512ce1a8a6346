"""What a person watching a sweep sees: trials done / running / failed, and each trial's
latest step and safety figure.

On a terminal: a rich table, redrawn in place. Elsewhere (a log file, CI): one plain line
per trial that starts, finishes or fails, and every ``every_s`` seconds a line per running
trial. :class:`Progress` holds the state and knows nothing of Ray; :func:`tune_callback`
feeds it from Ray Tune's events.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

STATES = ("pending", "running", "done", "failed")


@dataclass
class TrialState:
    status: str = "pending"
    step: int = 0
    figure: float = math.nan
    note: str = ""  # why it failed, or "kept" for a trial finished by an earlier run


class Progress:
    """The state of every trial of a sweep, and its display: a rich table redrawn in
    place when ``stream`` is a terminal, else plain lines; nothing when ``quiet``."""

    def __init__(self, names: list[str], metric: str | None, quiet: bool = False,
                 every_s: float = 60.0, stream=None):  # fmt: skip
        self.trials = {name: TrialState() for name in names}
        self.metric = metric
        self.stream = stream  # None: sys.stdout when printing (pytest swaps it)
        self.quiet = quiet
        self.live = not quiet and (stream or sys.stdout).isatty()
        self.every_s = every_s
        self._last_lines = time.monotonic()
        self._rich = None

    def __getstate__(self) -> dict:
        """Tune pickles its callbacks (a copy: the driver keeps using this object); the
        stream and the live display stay behind."""
        return {**self.__dict__, "stream": None, "_rich": None}

    def counts(self) -> dict[str, int]:
        """How many trials are in each of :data:`STATES`."""
        out = dict.fromkeys(STATES, 0)
        for state in self.trials.values():
            out[state.status] += 1
        return out

    def headline(self) -> str:
        c = self.counts()
        return (
            f"{c['done']}/{len(self.trials)} done, {c['running']} running, "
            f"{c['failed']} failed, {c['pending']} pending"
        )

    # -- events ---------------------------------------------------------------------------
    def kept(self, name: str, figure: float) -> None:
        """A trial an earlier invocation finished: not run again."""
        self.trials[name] = TrialState("done", 0, figure, "kept")

    def started(self, name: str) -> None:
        self.trials[name].status = "running"
        self._say(f"start {name}")

    def window(self, name: str, step: int, figure: float) -> None:
        state = self.trials[name]
        state.status, state.step, state.figure = "running", step, figure
        self._tick()

    def finished(self, name: str, step: int, figure: float) -> None:
        self.trials[name] = TrialState("done", step, figure)
        self._say(f"done  {name}: {self._figure(figure)} at {step} steps")

    def failed(self, name: str, reason: str) -> None:
        state = self.trials[name]
        state.status, state.note = "failed", reason
        self._say(f"FAIL  {name}: {reason}")

    # -- display --------------------------------------------------------------------------
    def __enter__(self) -> Progress:
        if self.live:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream or sys.stdout)
            self._rich = Live(self.table(), console=console, refresh_per_second=2)
            self._rich.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.update(self.table())
            self._rich.__exit__(*exc)
            self._rich = None

    def table(self, max_rows: int = 24):
        """A rich Table: running and failed trials first, then the rest, ``max_rows`` at most."""
        from rich.table import Table

        order = {"running": 0, "failed": 1, "done": 2, "pending": 3}
        names = sorted(self.trials, key=lambda n: order[self.trials[n].status])
        table = Table(title=f"sweep: {self.headline()}", title_justify="left")
        for col in ("trial", "status", "step", self.metric or "safety figure", "note"):
            table.add_column(col)
        for name in names[:max_rows]:
            s = self.trials[name]
            table.add_row(name, s.status, str(s.step or ""), self._figure(s.figure), s.note)
        if len(names) > max_rows:
            table.add_row(f"... {len(names) - max_rows} more", "", "", "", "")
        return table

    def _figure(self, value: float) -> str:
        return "" if math.isnan(value) else f"{value:.3f}"

    def _say(self, line: str) -> None:
        if self._rich is not None:
            self._rich.update(self.table())
        elif not self.quiet:
            print(f"[{self.headline()}] {line}", file=self.stream or sys.stdout, flush=True)

    def _tick(self) -> None:
        if self._rich is not None:
            self._rich.update(self.table())
        elif not self.quiet and time.monotonic() - self._last_lines >= self.every_s:
            self._last_lines = time.monotonic()
            for name, s in self.trials.items():
                if s.status == "running" and s.step:
                    self._say(f"      {name}: step {s.step}, {self._figure(s.figure)}")


def tune_callback(progress: Progress):
    """A Ray Tune callback that forwards trial events to ``progress`` (the trainable
    reports ``step`` and ``figure`` each window, then ``done`` or ``error``)."""
    from ray import tune

    class _Forward(tune.Callback):
        def on_trial_start(self, iteration, trials, trial, **info):
            progress.started(trial.config["trial"]["name"])

        def on_trial_result(self, iteration, trials, trial, result, **info):
            name = trial.config["trial"]["name"]
            progress.metric = progress.metric or result.get("key")  # the scenario's figure
            if result.get("error"):
                progress.failed(name, result["error"])
            elif result.get("done"):
                progress.finished(name, int(result["step"]), float(result["figure"]))
            else:
                progress.window(name, int(result["step"]), float(result["figure"]))

        def on_trial_error(self, iteration, trials, trial, **info):
            progress.failed(trial.config["trial"]["name"], "the trial's worker died")

    return _Forward()
