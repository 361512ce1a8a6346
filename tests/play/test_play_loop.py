"""Human play, headless: scripted key events drive the pygame loop in every env, as the
agent and as the overseer; recordings round-trip; the CLI and gymnasium's play work."""

from __future__ import annotations

import argparse
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from embedsafe import find  # noqa: E402
from embedsafe import multiagent as ma  # noqa: E402
from embedsafe.core.registry import rows  # noqa: E402
from embedsafe.play import load_recording, play  # noqa: E402
from embedsafe.play.cli import add_play_parser  # noqa: E402
from embedsafe.play.keys import KEY_NAMES, InputEvent, down, up  # noqa: E402

IDS = [r.id for r in rows()]
GRID = "embedsafe/RewardButton-Grid-v0"
FRAMES = 200
VOXEL_FRAMES = 70  # first-person frames are slow to draw; the pause at 50 still happens


def scripted_keys(seed: int, keys=("w", "a", "s", "d", "e", "f", "up", "left", "click left")):
    """Random presses and releases, mouse motion, and a pause/unpause; never quit."""
    rng = np.random.default_rng(seed)

    def source(frame: int) -> list[InputEvent]:
        events = []
        if frame % 3 == 0:
            key = str(rng.choice(keys))
            events += [down(key)] + ([up(key)] if rng.random() < 0.5 else [])
        if frame % 7 == 0:
            events.append(InputEvent("motion", rel=(int(rng.integers(-20, 21)), 0)))
        if frame in (50, 53):
            events.append(down("p"))
        if frame % 5 == 4:
            events += [up(k) for k in keys]
        return events

    return source


@pytest.mark.parametrize("role", ["agent", "overseer"])
@pytest.mark.parametrize("env_id", IDS)
def test_play_headless_every_env(env_id, role, tmp_path):
    path = tmp_path / "rec.npz"
    frames = VOXEL_FRAMES if "-Voxel-" in env_id else FRAMES
    result = play(
        env_id, role, events=scripted_keys(1), max_frames=frames, fps=0, seed=5, record=path
    )
    assert result.frames == frames
    assert result.steps == frames - 3  # paused for 3 frames
    rec = load_recording(path)
    assert rec.num_steps == result.steps and rec.meta["human_role"] == role
    assert rec.env_id == find(env_id).id


def play_holding(env_id, key, frames, monkeypatch, seed=4):
    """Hold ``key`` from the first frame for ``frames`` frames; the env the loop played in."""
    import embedsafe.play.loop as loop

    made = []
    monkeypatch.setattr(
        loop, "parallel_env", lambda *a, **k: made.append(ma.parallel_env(*a, **k)) or made[-1]
    )
    play(
        env_id,
        "agent",
        events=lambda f: [down(key)] if f == 0 else [],
        max_frames=frames,
        fps=0,
        seed=seed,
    )
    return made[0]


@pytest.mark.parametrize(
    "key, move", [("d", (0, 1)), ("a", (0, -1)), ("w", (-1, 0)), ("s", (1, 0))]
)
def test_held_key_moves_the_grid_agent(key, move, monkeypatch):
    seed, frames = 4, 2
    start = ma.parallel_env(GRID).reset(seed=seed)[1]["agent"]["state"]["agent"]
    env = play_holding(GRID, key, frames, monkeypatch, seed)
    assert env.sim.state(0)["agent"] == (start[0] + frames * move[0], start[1] + frames * move[1])


def test_held_key_moves_the_voxel_agent_forward(monkeypatch):
    voxel = "embedsafe/TreePunching-Voxel-v1"
    start = ma.parallel_env(voxel).reset(seed=4)[1]["agent"]["state"]["pos"]
    env = play_holding(voxel, "w", 3, monkeypatch)
    assert env.sim.state(0)["t"] == 3 and env.sim.state(0)["pos"] != start


def test_recording_round_trips_and_replays(tmp_path):
    path = tmp_path / "rec.npz"
    play(GRID, "agent", events=scripted_keys(2), max_frames=150, fps=0, seed=9, record=path)
    rec = load_recording(path)
    assert rec.num_episodes == 3 and rec["episode_complete"].tolist() == [True, True, False]
    assert rec["episode_seeds"].tolist() == [9, 10, 11]
    assert rec["dones"].sum() == 2 and (rec["dones"] == rec["terminated"] | rec["truncated"]).all()
    assert {"safety_self_press", "safety_overseer_blocked"} <= rec.arrays.keys()
    # Replaying the recorded joint actions in the parallel env reproduces every step.
    env = ma.parallel_env(GRID)
    for e in range(rec.num_episodes):
        ep = rec.episode(e)
        obs, _ = env.reset(seed=ep["seed"])
        for t in range(len(ep["rewards"])):
            assert np.array_equal(obs["agent"], ep["obs"][t])
            acts = {
                "agent": int(ep["agent_actions"][t]),
                "overseer": int(ep["overseer_actions"][t]),
            }
            obs, rew, _, _, info = env.step(acts)
            assert rew["agent"] == ep["rewards"][t] and rew["overseer"] == ep["true_rewards"][t]
            assert info["agent"]["safety"]["self_press"] == ep["safety_self_press"][t]
        assert np.array_equal(obs["agent"], ep["final_obs"])
    assert np.array_equal(
        rec.next_obs()[:-1][rec["episode"][:-1] == rec["episode"][1:]],
        rec["obs"][1:][rec["episode"][:-1] == rec["episode"][1:]],
    )


def test_restart_and_quit_commands(tmp_path):
    def source(frame):
        return {10: [down("r")], 20: [down("q")]}.get(frame, [])

    path = tmp_path / "r.npz"
    result = play(GRID, "agent", events=source, max_frames=100, fps=0, seed=0, record=path)
    assert result.frames == 20 and result.steps == 20
    rec = load_recording(path)
    assert rec["episode_lengths"].tolist() == [10, 10]
    assert not rec["episode_complete"].any()


def test_overseer_human_presses_against_trained_agent(tmp_path):
    from embedsafe.training import train

    over = {"n_envs": 2, "ppo.n_steps": 32, "ppo.batch_size": 64, "ppo.n_epochs": 1}
    train(GRID, tmp_path / "run", overrides=over, timesteps=64, progress_bar=False)
    result = play(
        GRID,
        "overseer",
        opponent=tmp_path / "run",
        events=scripted_keys(3),
        max_frames=60,
        fps=0,
        seed=1,
        record=tmp_path / "o.npz",
    )
    rec = load_recording(tmp_path / "o.npz")
    assert result.steps == 57 and rec.meta["opponent"].startswith("trained")


def test_bad_checkpoint_and_role(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        play(GRID, "overseer", opponent=tmp_path / "nope.zip", max_frames=1)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="unpickles code"):
        play(GRID, "overseer", opponent=broken, max_frames=1)
    broken.rename(tmp_path / "broken.pt")
    with pytest.raises(ValueError, match="cannot load agent checkpoint"):
        play(GRID, "overseer", opponent=tmp_path / "broken.pt", max_frames=1)
    with pytest.raises(ValueError, match="role='boss'"):
        play(GRID, "boss", max_frames=1)


def _cli(argv):
    parser = argparse.ArgumentParser()
    add_play_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_smoke(tmp_path, capsys):
    keys = tmp_path / "keys.yaml"
    keys.write_text("agent:\n  up: i\n")
    rc = _cli(
        [
            "play",
            "RewardButton-Grid-v0",
            "--as",
            "agent",
            "--fps",
            "0",
            "--seed",
            "2",
            "--max-frames",
            "30",
            "--record",
            str(tmp_path / "c.npz"),
            "--keys",
            str(keys),
            "--set",
            "guarded=true",
        ]
    )
    assert rc == 0 and "recording saved" in capsys.readouterr().out
    assert load_recording(tmp_path / "c.npz").meta["knobs"] == {"guarded": True}
    bad = tmp_path / "bad.yaml"
    bad.write_text("agent:\n  up: numpad9\n")
    assert _cli(["play", GRID, "--keys", str(bad), "--max-frames", "1"]) == 2
    assert "unknown key name 'numpad9'" in capsys.readouterr().err
    assert _cli(["play", GRID, "--agent", "x.zip", "--max-frames", "1"]) == 2
    assert _cli(["play", "Nope-v0", "--max-frames", "1"]) == 2


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_play_works(env_id):
    import pygame
    from gymnasium.utils.play import play as gym_play

    env = gym.make(env_id, render_mode="rgb_array")
    keys_to_action = env.unwrapped.get_keys_to_action()
    assert keys_to_action
    steps = []

    def stop_after_some(*_):
        steps.append(1)
        if len(steps) >= 20:
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    # gymnasium.utils.play rejects an empty "no key" entry; its noop argument covers it.
    noop = keys_to_action.get((), 0)
    keys_to_action = {k: a for k, a in keys_to_action.items() if k}
    gym_play(
        env, keys_to_action=keys_to_action, callback=stop_after_some, fps=1000, seed=0, noop=noop
    )
    assert len(steps) >= 20


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_play_default_bindings(env_id):
    import pygame
    from gymnasium.utils.play import play as gym_play

    env = gym.make(env_id, render_mode="rgb_array")
    (code,), bound = next(
        (k, a) for k, a in env.unwrapped.get_keys_to_action().items() if len(k) == 1
    )
    executed = []

    def press_then_quit(_obs, _next, action, _rew, _term, _trunc, info):
        executed.append((action, info["executed_action"]))
        if len(executed) == 1:  # the first step ran with no key: press one for the next
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=code))
        elif action == bound or len(executed) > 5:
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    gym_play(env, callback=press_then_quit, fps=1000, seed=0)  # env's own key bindings
    assert executed[0][0] == 0 and executed[-1] == (bound, bound)


def test_every_world_key_has_a_name():
    from embedsafe.play.keys import key_name

    for r in rows():
        for codes in gym.make(r.id).unwrapped.get_keys_to_action():
            assert all(key_name(c) in KEY_NAMES for c in codes)


def test_project_checkpoints_load_through_training_load_agent(tmp_path, monkeypatch):
    import embedsafe.training as training

    loaded = []

    def fake_load_agent(path, side="agent"):
        loaded.append((path, side))
        return ma.RandomPolicy(gym.spaces.Discrete(5), seed=0)

    monkeypatch.setattr(training, "load_agent", fake_load_agent)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    result = play(GRID, "overseer", opponent=run_dir, max_frames=10, fps=0, seed=0)
    assert loaded == [(str(run_dir), None)] and result.steps == 10
