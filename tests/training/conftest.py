import pytest

import embedsafe


def tiny_overrides(env_id: str) -> dict:
    """A recipe small enough for a smoke test (voxel frames are slow to render)."""
    if "-Voxel-" in env_id:
        return {
            "n_envs": 2,
            "ppo.n_steps": 64,
            "ppo.batch_size": 64,
            "ppo.n_epochs": 1,
            "checkpoint_every": 128,
            "env_kwargs": {"max_steps": 16},
        }
    return {
        "n_envs": 16,
        "ppo.n_steps": 32,
        "ppo.batch_size": 256,
        "ppo.n_epochs": 1,
        "checkpoint_every": 512,
        "env_kwargs": {"max_steps": 20},
    }


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One tiny RewardButton run shared by the tests that only read it."""
    from embedsafe.training import train

    out = tmp_path_factory.mktemp("runs") / "rb"
    env_id = "embedsafe/RewardButton-Grid-v0"
    train(env_id, out, overrides=tiny_overrides(env_id), timesteps=1024, progress_bar=False)
    return out


ALL_IDS = [row.id for row in embedsafe.rows()]
