"""The smallest recipes that still train: shared by every test that runs PPO.

A plain module (not ``conftest``): ``from conftest import`` picks whichever conftest was
imported last, so it breaks when several test folders are run together.
"""

import embedsafe

ALL_IDS = [row.id for row in embedsafe.rows()]


def tiny_overrides(env_id: str) -> dict:
    """Recipe overrides small enough for a smoke test (voxel frames are slow to render)."""
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
