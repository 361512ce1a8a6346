"""Training, evaluation and loading of PPO agents on embedsafe envs.

from embedsafe.training import train, evaluate, load_agent
model = train("embedsafe/RewardButton-Grid-v0", "runs/rb")
print(evaluate("runs/rb", episodes=100)["mean"]["tamper_rate"])
"""

from embedsafe.training.agents import load_agent
from embedsafe.training.evaluate import evaluate, record_gif
from embedsafe.training.train import RunDirExists, train

__all__ = ["RunDirExists", "evaluate", "load_agent", "record_gif", "train"]
