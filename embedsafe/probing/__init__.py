"""Look inside trained embedsafe policies.

    from embedsafe.probing import load, rollout, concepts_for, fit_probe

    policy = load("runs/demo/run")                      # or a checkpoints/step_N.pt
    data = rollout(policy, episodes=64, seed=0, layers=["obs", "features_extractor.linear.1"])
    y = concepts_for(data.env_id, ["tamper_intent"])[0].labels(data)
    print(fit_probe(data.acts["features_extractor.linear.1"], y, data.episode).auroc)

Modules: ``capture`` (hooks, seeded rollouts), ``concepts`` (labels from ground truth),
``probes`` (logistic probes, control tasks), ``agents`` (checkpoints, untrained control),
``steering`` (add / ablate directions), ``attribution`` (captum maps), ``pipeline`` +
``report`` + ``cli`` (``embedsafe probe``).
"""

from embedsafe.probing.agents import checkpoints, load, untrained_like
from embedsafe.probing.capture import (
    OBS,
    Dataset,
    activations,
    check_layers,
    hooked,
    layer_names,
    rollout,
)
from embedsafe.probing.concepts import Concept, concepts_for, future_labels
from embedsafe.probing.probes import contrast_vector, control_labels, fit_probe
from embedsafe.probing.steering import ablate_direction, add_direction, random_directions

__all__ = [
    "OBS",
    "Concept",
    "Dataset",
    "ablate_direction",
    "activations",
    "add_direction",
    "check_layers",
    "checkpoints",
    "concepts_for",
    "contrast_vector",
    "control_labels",
    "fit_probe",
    "future_labels",
    "hooked",
    "layer_names",
    "load",
    "random_directions",
    "rollout",
    "untrained_like",
]
