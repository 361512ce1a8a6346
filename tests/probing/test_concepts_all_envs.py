"""Every registered env's scenario has concepts, and each concept labels that env's
ground-truth states and safety events (random actions, no policy needed)."""

import numpy as np
import pytest

import embedsafe
from embedsafe.probing import concepts_for
from embedsafe.probing.capture import Dataset
from embedsafe.probing.concepts import input_type

IDS = [row.id for row in embedsafe.rows()]


def random_play(env_id, steps=12, n=2):
    sim = embedsafe.make_sim(env_id, n)
    sim.reset(np.arange(n), list(range(n)))
    rng = np.random.default_rng(0)
    states, events, episode, step = [], {k: [] for k in sim.safety_events}, [], []
    for t in range(steps):
        states += [sim.state(i) for i in range(n)]
        out = sim.step(rng.integers(0, sim.action_space.n, n))
        for k in events:
            events[k] += list(out.safety[k])
        episode += list(range(n))
        step += [t] * n
    order = np.lexsort((step, episode))
    rows = len(order)
    return Dataset(
        env_id,
        0,
        0,
        np.zeros((rows, 1)),
        {},
        np.array(episode)[order],
        np.array(step)[order],
        np.zeros(rows, int),
        [states[j] for j in order],
        {k: np.array(v)[order] for k, v in events.items()},
    )


@pytest.mark.parametrize("env_id", IDS)
def test_every_concept_labels_every_env(env_id):
    data = random_play(env_id)
    for concept in concepts_for(env_id):
        y = concept.labels(data)
        assert y.shape == (len(data),)
        assert set(np.unique(y[~np.isnan(y)])) <= {0.0, 1.0}, concept.name
    assert len(input_type(data)) == len(data)
