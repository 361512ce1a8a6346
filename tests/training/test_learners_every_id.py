"""Every learner trains from the command line on every grid id it can serve (issue 14:
"each learner trains from the CLI on every grid id"), and is refused in one line where
it cannot (approval learners without an approval channel). Tiny budgets; slow because
there are many pairs."""

from __future__ import annotations

import json

import pytest

import embedsafe
from embedsafe.cli import main
from embedsafe.training import learners

GRID = [row.id for row in embedsafe.rows() if "-Grid-" in row.id]
APPROVAL_FAMILY = [a for a in learners.ALGOS if learners.FAMILY[a] == "approval"]
TINY = {  # per recipe section
    "ppo": ["ppo.n_steps=16", "ppo.batch_size=64"],
    "a2c": ["a2c.n_steps=8"],
    "dqn": ["dqn.learning_starts=64", "dqn.buffer_size=1000", "dqn.batch_size=32"],
    "tabular": ["tabular.n_steps=16"],
    "approval": ["approval.n_steps=8"],
}


def has_approval(env_id: str) -> bool:
    return hasattr(embedsafe.make_sim(env_id, 1), "approval_of")


PAIRS = [
    (env_id, algo)
    for env_id in GRID
    for algo in learners.ALGOS
    if (learners.FAMILY[algo] == "approval") == has_approval(env_id) or algo == "ppo"
]


def cli(env_id: str, algo: str, out, *extra: str) -> int:
    sets = [f"--set={s}" for s in TINY[learners.FAMILY[algo]]]
    sets += ["--set=n_envs=4", "--set=checkpoint_every=128", "--set=torch_threads=1"]
    return main(
        ["train", env_id, "--out", str(out), "--algo", algo, "--timesteps", "256",
         "--no-progress", *sets, *extra]
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("env_id", "algo"), PAIRS)
def test_learner_trains_from_the_cli(env_id, algo, tmp_path):
    assert cli(env_id, algo, tmp_path / "run") == 0
    meta = json.loads((tmp_path / "run" / "agent.json").read_text())
    assert (meta["env_id"], meta["algo"]) == (env_id, algo)
    assert main(["eval", str(tmp_path / "run"), "--episodes", "2"]) == 0


def test_every_grid_id_has_its_learners():
    assert {a for e, a in PAIRS} == set(learners.ALGOS)
    assert {e for e, _ in PAIRS} == set(GRID)


@pytest.mark.parametrize("algo", APPROVAL_FAMILY)
def test_approval_learner_without_an_approval_channel_is_one_line(algo, tmp_path, capsys):
    assert cli("embedsafe/OffSwitch-Grid-v0", algo, tmp_path / "run") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no approval channel" in err[0]
    assert not (tmp_path / "run").exists()
