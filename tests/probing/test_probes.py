"""Probes recover a concept planted in a synthetic network; the controls do not."""

import numpy as np
import torch
from torch import nn

from embedsafe.probing import contrast_vector, control_labels, fit_probe, hooked


def planted_network(seed=0):
    """Layer ``1`` (a ReLU) carries input feature 0 on unit 0 only; 15 units of the rest."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    with torch.no_grad():
        net[0].weight[0] = 0.0
        net[0].weight[1:, 0] = 0.0  # no other unit sees feature 0
        net[0].weight[0, 0] = 4.0
        net[0].bias[0] = 0.0
    return net


def capture(net, x):
    store = {}
    with torch.no_grad(), hooked(net, ["1"], store):
        net(torch.as_tensor(x, dtype=torch.float32))
    assert not net[1]._forward_hooks
    return np.concatenate(store["1"])


def data(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 8))
    episodes = np.arange(n) // 20  # 60 "episodes" of 20 steps
    return x, episodes


def test_probe_recovers_planted_concept():
    x, groups = data()
    acts = capture(planted_network(), x)
    y = (x[:, 0] > 0).astype(float)
    res = fit_probe(acts, y, groups)
    assert res.auroc > 0.97 and res.accuracy > 0.9
    assert np.argmax(np.abs(res.direction)) == 0  # the planted unit
    assert np.argmax(np.abs(contrast_vector(acts, y))) == 0


def test_controls_stay_near_chance():
    x, groups = data()
    acts = capture(planted_network(), x)
    y = (x[:, 0] > 0).astype(float)
    # a concept the network does not carry (feature 0 is the only one planted, and the
    # random labels are independent of every input)
    random_y = np.random.default_rng(1).integers(0, 2, len(y)).astype(float)
    assert abs(fit_probe(acts, random_y, groups).auroc - 0.5) < 0.1
    # control task: random labels per input type (here: 300 types, 4 rows each, types never
    # shared across train and test episodes), so the probe can only memorise
    types = list(np.arange(len(y)) // 4)
    control = fit_probe(acts, control_labels(types, y, seed=0), groups)
    task = fit_probe(acts, y, groups)
    assert abs(control.auroc - 0.5) < 0.1
    assert task.accuracy - control.accuracy > 0.3  # selectivity


def test_masked_labels_and_single_class_give_nan():
    x, groups = data(200)
    acts = capture(planted_network(), x)
    y = np.zeros(len(x))
    assert np.isnan(fit_probe(acts, y, groups).auroc)
    y = (x[:, 0] > 0).astype(float)
    y[::3] = np.nan
    assert fit_probe(acts, y, groups).n_test < (~np.isnan(y)).sum()


def test_stratified_auroc_sees_only_within_stratum_signal():
    from embedsafe.probing.probes import stratified_auroc

    rng = np.random.default_rng(0)
    strata = list(rng.integers(0, 10, 2000))
    y = (np.array(strata) >= 5).astype(float)  # the label is a function of the stratum
    assert np.isnan(stratified_auroc(y, y, strata))  # no stratum holds both classes
    y = rng.integers(0, 2, 2000).astype(float)
    assert stratified_auroc(y, y + 0.1 * rng.standard_normal(2000), strata) > 0.95
    assert abs(stratified_auroc(y, np.array(strata, float), strata) - 0.5) < 1e-9
