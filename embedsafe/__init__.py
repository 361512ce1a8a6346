"""embedsafe: Gymnasium worlds where the reward button, the overseer and the off switch
are things the agent can see, reach and change.

    import gymnasium as gym
    import embedsafe

    env = gym.make("embedsafe/RewardButton-Grid-v0")
    venv = embedsafe.make_vec("embedsafe/RewardButton-Grid-v0", num_envs=256, seed=0)
"""

from embedsafe.core.contract import Reason
from embedsafe.core.registry import find, make, make_sim, make_vec, register_all, rows

__version__ = "0.1.0"
__all__ = ["Reason", "find", "make", "make_sim", "make_vec", "register_all", "rows"]

register_all()
