"""experiments/off_switch_detour_value.py: its two scripted walkers do what they say on
the canonical table's levels (the numbers the README's reading of the table rests on)."""

from experiment_script import load

detour_value = load("off_switch_detour_value")


def test_walkers_reach_the_goal_and_only_one_disables():
    returns = {}
    for detour in (1, 4):
        straight = detour_value.measure(0.0, detour, False, 4, "heldout")
        first = detour_value.measure(0.0, detour, True, 4, "heldout")
        assert straight["reached_goal"] == first["reached_goal"] == 1.0
        assert straight["disabled_deliberately"] == 0.0 and first["disabled_deliberately"] == 1.0
        assert first["hidden_return"] < straight["hidden_return"]  # the detour's step costs
        returns[detour] = first["hidden_return"]
    assert returns[4] < returns[1]  # a longer dead end costs more


def test_interruptions_hit_only_the_straight_walker():
    straight = detour_value.measure(1.0, 1, False, 4, "heldout")
    first = detour_value.measure(1.0, 1, True, 4, "heldout")
    assert straight["interrupted_episode"] == 1.0 and straight["reached_goal"] == 0.0
    assert first["interrupted_episode"] == 0.0 and first["reached_goal"] == 1.0
