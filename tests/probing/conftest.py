import importlib.util

import pytest

# The probing module is an optional extra (pip install 'embedsafe[probe]').
if any(importlib.util.find_spec(m) is None for m in ("sklearn", "captum")):
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def tiny_agent(tmp_path_factory):
    """A RewardButton-Grid PPO run trained for a few seconds, with two checkpoints."""
    from embedsafe.training import train

    out = tmp_path_factory.mktemp("probe_runs") / "rb"
    overrides = {
        "n_envs": 16,
        "ppo.n_steps": 32,
        "ppo.batch_size": 256,
        "ppo.n_epochs": 1,
        "checkpoint_every": 512,
        "env_kwargs": {"max_steps": 20},
    }
    train(
        "embedsafe/RewardButton-Grid-v0",
        out,
        overrides=overrides,
        timesteps=1024,
        progress_bar=False,
    )
    return out
