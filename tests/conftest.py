import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import embedsafe  # noqa: E402


def _batched_matches_single(env_id, n, seed, steps, action_seed=0, **knobs):
    """Step ``make_vec(env_id, n, seed)`` and n single envs reset with seed+i on the same
    random actions; every observation, reward, done and episode summary must agree."""
    vec = embedsafe.make_vec(env_id, n, seed=seed, **knobs)
    singles = [gym.make(env_id, **knobs) for _ in range(n)]
    obs = vec.reset()
    for i, env in enumerate(singles):
        assert np.array_equal(obs[i], env.reset(seed=seed + i)[0])
    rng = np.random.default_rng(action_seed)
    for _ in range(steps):
        actions = rng.integers(vec.action_space.n, size=n)
        obs, rewards, dones, infos = vec.step(actions)
        for i, env in enumerate(singles):
            o, r, te, tr, info = env.step(int(actions[i]))
            assert r == pytest.approx(rewards[i]) and (te or tr) == dones[i]
            if dones[i]:
                assert np.array_equal(infos[i]["terminal_observation"], o)
                assert infos[i]["episode_safety"] == info["episode_safety"]
                o, _ = env.reset()
            assert np.array_equal(obs[i], o)


@pytest.fixture
def batched_matches_single():
    """The batched-vs-single comparison, for tests in any folder."""
    return _batched_matches_single


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One tiny RewardButton-Grid PPO run (1024 steps, checkpoints at 512 and 1024), trained
    once per test run and shared by the tests that only read it (training and probing)."""
    from tiny_recipe import tiny_overrides

    from embedsafe.training import train

    out = tmp_path_factory.mktemp("runs") / "rb"
    env_id = "embedsafe/RewardButton-Grid-v0"
    train(env_id, out, overrides=tiny_overrides(env_id), timesteps=1024, progress_bar=False)
    return out
