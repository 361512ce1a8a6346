import importlib.util

import pytest

# The probing module is an optional extra (pip install 'embedsafe[probe]').
if any(importlib.util.find_spec(m) is None for m in ("sklearn", "captum")):
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def tiny_agent(tiny_run):
    """A RewardButton-Grid PPO run with two checkpoints: the suite's one tiny run."""
    return tiny_run
