"""Every learner of ``--algo`` trains tiny, is evaluated and loaded; the pieces written
here (executed-action replay, tabular updates, approval queries) do what they claim."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import embedsafe
from embedsafe.cli import main
from embedsafe.training import evaluate, learners, load_agent, train
from embedsafe.training.recipe import RECIPE_DIR, load_recipe

RB, RBA = "embedsafe/RewardButton-Grid-v0", "embedsafe/RewardButtonApproval-Grid-v0"
RBA_VOXEL = "embedsafe/RewardButtonApproval-Voxel-v0"
NEURAL = ("a2c", "dqn", "dqn-executed", "approval", "decoupled-approval")

TINY = {  # per recipe section: small enough for a smoke test
    "a2c": {"a2c.n_steps": 8},
    "dqn": {"dqn.learning_starts": 64, "dqn.buffer_size": 1000, "dqn.batch_size": 32},
    "tabular": {"tabular.n_steps": 16},
    "approval": {"approval.n_steps": 8},
}


def tiny(algo: str, voxel: bool = False) -> dict:
    world = {"n_envs": 2, "env_kwargs": {"max_steps": 16}, "checkpoint_every": 64}
    grid = {
        "n_envs": 8,
        "env_kwargs": {"max_steps": 20},
        "checkpoint_every": 256,
        "torch_threads": 1,
    }  # 2 threads on tiny batches mostly wait on each other
    return {**(world if voxel else grid), **TINY[learners.FAMILY[algo]]}


def env_for(algo: str, voxel: bool = False) -> str:
    if learners.FAMILY[algo] == "approval":
        return RBA_VOXEL if voxel else RBA
    return "embedsafe/RewardButton-Voxel-v1" if voxel else RB


@pytest.mark.parametrize("algo", [a for a in learners.ALGOS if a != "ppo"])
def test_every_learner_trains_and_evaluates_on_grid(algo, tmp_path):
    out = tmp_path / algo
    model = train(
        env_for(algo), out, algo=algo, overrides=tiny(algo), timesteps=512, progress_bar=False
    )
    assert model.num_timesteps >= 512
    meta = json.loads((out / "agent.json").read_text())
    assert meta["algo"] == algo
    assert "safety/observed_return" in (out / "progress.csv").read_text().splitlines()[0]
    result = evaluate(out, episodes=3, seed=1)
    assert {"observed_return", "hidden_return", "tamper_rate"} <= set(result["mean"])
    checkpoint = sorted((out / "checkpoints").glob("step_*.pt"))[0]
    policy = load_agent(checkpoint)
    obs = embedsafe.make_vec(meta["env_id"], 2, seed=0, max_steps=20).reset()
    actions, _ = policy.predict(obs, deterministic=True)
    assert actions.shape == (2,) and actions.min() >= 0 and actions.max() < meta["n_actions"]


@pytest.mark.parametrize("algo", NEURAL)
def test_neural_learners_train_on_voxel(algo, tmp_path):
    out = tmp_path / algo
    train(
        env_for(algo, voxel=True),
        out,
        algo=algo,
        overrides=tiny(algo, voxel=True),
        timesteps=64,
        progress_bar=False,
    )
    assert json.loads((out / "agent.json").read_text())["algo"] == algo
    assert evaluate(out, episodes=1)["episodes"] == 1


def test_neural_learners_look_like_actor_critics_to_probing(tmp_path):
    from embedsafe.probing.capture import layer_names, rollout

    out = tmp_path / "dqn"
    train(RB, out, algo="dqn", overrides=tiny("dqn"), timesteps=256, progress_bar=False)
    policy = load_agent(out)
    assert "action_net" in layer_names(policy) and "value_net" in layer_names(policy)
    data = rollout(policy, episodes=2, layers=["features_extractor.linear.1"], max_steps=5)
    assert data.acts["features_extractor.linear.1"].shape[0] == len(data) == 10


def test_cli_algo_flag_and_recipe_key(tmp_path, capsys):
    out = tmp_path / "sarsa"
    argv = [
        "train",
        RB,
        "--out",
        str(out),
        "--algo",
        "sarsa",
        "--timesteps",
        "256",
        "--set",
        "n_envs=8",
        "--no-progress",
    ]
    assert main(argv) == 0
    assert json.loads((out / "agent.json").read_text())["algo"] == "sarsa"
    assert main(["eval", str(out), "--episodes", "2"]) == 0
    recipe = tmp_path / "r.yaml"
    recipe.write_text((RECIPE_DIR / "tabular-grid.yaml").read_text())
    out2 = tmp_path / "by-recipe"
    argv = [
        "train",
        RB,
        "--out",
        str(out2),
        "--recipe",
        str(recipe),
        "--timesteps",
        "128",
        "--set",
        "n_envs=8",
        "--no-progress",
    ]
    assert main(argv) == 0  # the recipe's algo key (q-learning) picks the learner
    assert json.loads((out2 / "agent.json").read_text())["algo"] == "q-learning"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--algo", "rainbow"], "algo='rainbow' is not a learner"),
        (["--algo", "dqn", "--recipe", "grid"], "'dqn' section"),
        (["--algo", "approval"], "no approval channel"),
        (["--algo", "sarsa", "--set", "env_kwargs.obs=rgb"], "is tabular"),
    ],
)
def test_cli_bad_algo_is_one_line(argv, message, tmp_path, capsys):
    assert main(["train", RB, "--out", str(tmp_path / "r"), "--no-progress", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "knobs", [{"env": "embedsafe/RewardButton-Voxel-v1"}, {"env": RB, "obs": "rgb"}]
)
def test_tabular_refuses_voxel_and_rgb(knobs, tmp_path):
    env = knobs.pop("env")
    with pytest.raises(ValueError, match="tabular: it needs a grid id with symbolic"):
        train(
            env,
            tmp_path / "r",
            algo="q-learning",
            overrides={"env_kwargs": knobs},
            timesteps=64,
            progress_bar=False,
        )


@pytest.mark.parametrize(("algo", "stored_zero"), [("dqn-executed", True), ("dqn", False)])
def test_dqn_executed_replays_the_executed_action(algo, stored_zero, monkeypatch):
    """A world that always executes ``noop``: only dqn-executed stores noops."""
    from embedsafe.core.vec import SimVecEnv

    real = SimVecEnv.step_wait

    def noop_world(self):
        out = real(self)
        self.last_step.executed_action[:] = 0
        return out

    monkeypatch.setattr(SimVecEnv, "step_wait", noop_world)
    rec = learners.resolve(load_recipe("dqn-grid", tiny("dqn")), algo)
    vec = embedsafe.make_vec(RB, rec["n_envs"], seed=0, max_steps=20)
    model = learners.build(rec, vec, 0, RB)
    model.learn(256)
    stored = model.replay_buffer.actions[: model.replay_buffer.pos]
    assert (np.all(stored == 0)) == stored_zero


def test_q_table_round_trips_through_its_weights_only_state(tmp_path):
    out = tmp_path / "q"
    model = train(
        RB,
        out,
        algo="q-learning",
        overrides={**tiny("q-learning"), "env_kwargs": {"layout": "fixed", "max_steps": 20}},
        timesteps=2048,
        progress_bar=False,
    )
    state = torch.load(out / "policy.pt", weights_only=True)
    assert set(state) == {"keys", "q", "epsilon"} and len(state["q"]) > 10
    assert np.abs(state["q"].numpy()).max() > 0  # it learnt values
    loaded = load_agent(out)
    obs = embedsafe.make_vec(RB, 4, seed=3, layout="fixed", max_steps=20).reset()
    expected, _ = model.policy.predict(obs, deterministic=True)
    assert np.array_equal(loaded.predict(obs, deterministic=True)[0], expected)


def test_decoupled_approval_grades_an_independent_query(monkeypatch):
    """The buffer stores the query action and its approval, not the executed action."""
    rec = learners.resolve(load_recipe("approval-grid", tiny("approval")), "decoupled-approval")
    vec = embedsafe.make_vec(RBA, rec["n_envs"], seed=0, max_steps=20)
    model = learners.build(rec, vec, 0, RBA)
    executed = []
    real_step = vec.step_wait

    def record():
        out = real_step()
        executed.append(vec.last_step.executed_action.copy())
        return out

    monkeypatch.setattr(vec, "step_wait", record)
    model.learn(rec["approval"]["n_steps"] * rec["n_envs"])
    executed = np.array(executed)  # (steps, copies); the buffer is flattened copy-major
    stored = model.rollout_buffer.actions.reshape(rec["n_envs"], -1).T.astype(int)
    assert stored.shape == executed.shape
    assert not np.array_equal(stored, executed)  # independent draws differ


@pytest.mark.parametrize("algo", ["dqn", "q-learning"])
def test_play_takes_any_learner_as_the_opponent(algo, tmp_path):
    from embedsafe.multiagent import AGENT, parallel_env
    from embedsafe.play.opponent import opponent_for

    out = tmp_path / algo
    train(RB, out, algo=algo, overrides=tiny(algo), timesteps=128, progress_bar=False)
    env = parallel_env(RB)
    observations, _ = env.reset(seed=0)
    side, policy, _ = opponent_for(env, "overseer", out)
    action, _ = policy.predict(observations[AGENT], deterministic=True)
    assert side == AGENT and 0 <= int(action) < env.action_space(AGENT).n


def test_probe_refuses_a_q_table_in_one_line(tmp_path, capsys):
    out = tmp_path / "q"
    train(
        RB, out, algo="q-learning", overrides=tiny("q-learning"), timesteps=128, progress_bar=False
    )
    assert main(["probe", str(out), "--out", str(tmp_path / "p"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "a Q-table has no layers to probe" in err and "Traceback" not in err


@pytest.mark.parametrize("algo", ["dqn-executed", "sarsa", "decoupled-approval"])
def test_resume_continues_any_learner(algo, tmp_path):
    out = tmp_path / algo
    train(env_for(algo), out, algo=algo, overrides=tiny(algo), timesteps=256, progress_bar=False)
    model = train(env_for(algo), out, timesteps=512, resume=True, progress_bar=False)
    assert model.num_timesteps >= 512 and type(model).__name__ != "PPO"
    assert json.loads((out / "agent.json").read_text())["algo"] == algo
