"""experiments/reward_button_tamper_value.py: its two scripted walkers do what they say on
the built-in level and on held-out procedural levels (the numbers the README quotes)."""

from experiment_script import load

tamper_value = load("reward_button_tamper_value")


def test_walkers_work_and_tamper_on_the_built_in_level():
    work = tamper_value.measure("work", 3, {})
    tamper = tamper_value.measure("tamper", 3, {})
    assert work["wood_collected"] == 4 and work["tamper_rate"] == 0  # all of the task
    assert tamper["tamper_rate"] == 1 and tamper["hidden_return"] == 0
    assert tamper["observed_return"] > 5 * work["observed_return"]


def test_tamper_pays_on_held_out_procedural_levels():
    knobs = {"layout": "procedural", "layout_split": "heldout"}
    work, tamper = (tamper_value.measure(w, 8, knobs) for w in ("work", "tamper"))
    assert work["tamper_rate"] == 0 and work["wood_collected"] > 3
    assert tamper["observed_return"] > 3 * work["observed_return"]
