"""Linear probes (logistic regression) with an episode-grouped split, and the control task
of Hewitt & Liang (2019): the same probe trained on labels drawn at random once per input
type, so a probe that merely memorises inputs scores well on it too.
selectivity = task accuracy - control accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import StandardScaler


@dataclass
class ProbeResult:
    auroc: float
    accuracy: float
    base_rate: float  # share of positives in the test split
    n_train: int
    n_test: int
    direction: np.ndarray | None = None  # weight vector in activation units
    test_idx: np.ndarray | None = None  # rows scored
    scores: np.ndarray | None = None  # decision function on those rows

    @property
    def majority(self) -> float:
        return max(self.base_rate, 1 - self.base_rate)


NAN = ProbeResult(float("nan"), float("nan"), float("nan"), 0, 0)


def split(groups: np.ndarray, test_size: float = 0.3, seed: int = 0):
    """Train/test row indices with whole episodes (``groups``) on one side."""
    gss = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    return next(gss.split(np.zeros(len(groups)), groups=groups))


def fit_probe(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    seed: int = 0,
    c: float = 0.1,
    train_idx: np.ndarray | None = None,
    test_idx: np.ndarray | None = None,
) -> ProbeResult:
    """Fit a standardised L2 logistic regression on the train episodes, score the held-out
    ones. NaN labels are dropped. Returns NaN metrics when a split holds one class only."""
    keep = ~np.isnan(y)
    if train_idx is None or test_idx is None:
        train_idx, test_idx = split(groups[keep], seed=seed)
        rows = np.flatnonzero(keep)
        train_idx, test_idx = rows[train_idx], rows[test_idx]
    else:
        train_idx, test_idx = train_idx[keep[train_idx]], test_idx[keep[test_idx]]
    y_tr, y_te = y[train_idx].astype(int), y[test_idx].astype(int)
    if len(np.unique(y_tr)) < 2 or len(np.unique(y_te)) < 2:
        return ProbeResult(
            float("nan"),
            float("nan"),
            float(np.mean(y_te)) if len(y_te) else float("nan"),
            len(y_tr),
            len(y_te),
        )
    scaler = StandardScaler().fit(x[train_idx])
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=500, class_weight="balanced")
    clf.fit(scaler.transform(x[train_idx]), y_tr)
    scores = clf.decision_function(scaler.transform(x[test_idx]))
    direction = clf.coef_[0] / np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return ProbeResult(
        auroc=float(roc_auc_score(y_te, scores)),
        accuracy=float(accuracy_score(y_te, scores > 0)),
        base_rate=float(np.mean(y_te)),
        n_train=len(y_tr),
        n_test=len(y_te),
        direction=direction,
        test_idx=test_idx,
        scores=scores,
    )


def control_labels(types: Sequence, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """One random label per input type (e.g. per agent cell), drawn with the task's base
    rate; rows masked in ``y`` stay masked."""
    rng = np.random.default_rng(seed)
    keys = {t: i for i, t in enumerate(dict.fromkeys(types))}
    rate = float(np.nanmean(y)) if np.any(~np.isnan(y)) else 0.5
    per_type = (rng.random(len(keys)) < rate).astype(float)
    out = per_type[[keys[t] for t in types]]
    out[np.isnan(y)] = np.nan
    return out


def contrast_vector(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """mean activation where the concept holds minus where it does not."""
    ok = ~np.isnan(y)
    pos, neg = x[ok & (y == 1)], x[ok & (y == 0)]
    if not len(pos) or not len(neg):
        raise ValueError("the concept never (or always) holds in this data: no contrast vector")
    return pos.mean(0) - neg.mean(0)


def probe_direction(x: np.ndarray, y: np.ndarray, c: float = 0.1) -> np.ndarray:
    """The weight vector (activation units) of the same probe fitted on every labelled row,
    for steering along it."""
    ok = ~np.isnan(y)
    if len(np.unique(y[ok])) < 2:
        raise ValueError("the concept never (or always) holds in this data: no probe direction")
    scaler = StandardScaler().fit(x[ok])
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=500, class_weight="balanced")
    clf.fit(scaler.transform(x[ok]), y[ok].astype(int))
    return clf.coef_[0] / np.where(scaler.scale_ > 0, scaler.scale_, 1.0)


def stratified_auroc(y: np.ndarray, scores: np.ndarray, strata: list) -> float:
    """AUROC within each stratum (e.g. one agent cell of one layout) that holds both
    classes, averaged with weights = stratum size: what a score knows beyond the strata.
    NaN if no stratum holds both classes."""
    keys = {k: i for i, k in enumerate(dict.fromkeys(strata))}
    codes = np.array([keys[k] for k in strata])
    total, weight = 0.0, 0
    for code in np.unique(codes):
        rows = (codes == code) & ~np.isnan(y)
        if len(np.unique(y[rows])) == 2:
            total += roc_auc_score(y[rows], scores[rows]) * rows.sum()
            weight += rows.sum()
    return total / weight if weight else float("nan")


def unit_aurocs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """AUROC of every single unit (column of ``x``) as a score for binary ``y``."""
    from scipy.stats import rankdata

    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    ranks = rankdata(x, axis=0)
    return (ranks[pos].sum(0) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def best_unit(x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int = 0):
    """The single unit that best detects the concept ("tree detector" units): picked on
    the train episodes by ``|AUROC - 0.5|`` (either sign), scored on the held-out ones
    with that sign. Returns ``(unit, held-out AUROC)``; ``(-1, nan)`` when a split holds
    one class only. The same split as :func:`fit_probe`."""
    keep = np.flatnonzero(~np.isnan(y))
    train, test = split(groups[keep], seed=seed)
    train, test = keep[train], keep[test]
    if len(np.unique(y[train])) < 2 or len(np.unique(y[test])) < 2:
        return -1, float("nan")
    fit = unit_aurocs(x[train], y[train])
    unit = int(np.argmax(np.abs(fit - 0.5)))
    held = float(unit_aurocs(x[test, unit : unit + 1], y[test])[0])
    return unit, held if fit[unit] >= 0.5 else 1.0 - held
