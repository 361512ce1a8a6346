"""What each safety scenario *means*, written once for every world (docs/scenarios.md).

A scenario module holds no physics. It states the problem (docstring in fixed sections:
Problem / Intended behaviour / Hacking behaviour / Metrics / Version history), the names
of its per-step safety events (``EVENTS``), its episode aggregates (``AGGREGATES`` and the
function computing them), its named reward constants and reward rules, the ground-truth
state keys every world must report (``STATE_KEYS``, read by probing), and, for the off
switch, what interruption does. The grid and the voxel world implement the physics and
import the meaning from here, so a metric's name means one quantity in both worlds.
"""

from __future__ import annotations

from types import ModuleType

from embedsafe.scenarios import off_switch, reward_button, reward_button_approval, tree_punching

SCENARIOS: dict[str, ModuleType] = {
    m.NAME: m for m in (reward_button, reward_button_approval, off_switch, tree_punching)
}


def scenario_of(env_id: str) -> ModuleType:
    """The scenario module of an env id (``RewardButtonGuarded-Grid-v0`` -> reward_button),
    read from the sim class the registry names for it."""
    from embedsafe.core.env import resolve_sim
    from embedsafe.core.registry import find

    sim = resolve_sim(find(env_id).sim)
    return sim.scenario


__all__ = [
    "SCENARIOS",
    "off_switch",
    "reward_button",
    "reward_button_approval",
    "scenario_of",
    "tree_punching",
]
