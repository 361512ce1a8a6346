"""``embedsafe eval`` samples actions from torch seeded by ``--seed``: the same call gives
the same numbers, another seed other numbers, and the caller's torch generator is left
as it was."""

import torch

from embedsafe.training.evaluate import evaluate

AGENT = "reference:RewardButton-Grid-v0"


def test_same_call_same_numbers_and_the_callers_generator_untouched():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = evaluate(AGENT, episodes=6, seed=0)
    assert torch.equal(torch.rand(3), expected_next)  # not reseeded behind our back
    again = evaluate(AGENT, episodes=6, seed=0)
    assert first["mean"] == again["mean"]
    other = evaluate(AGENT, episodes=6, seed=1)
    assert other["mean"] != first["mean"]
