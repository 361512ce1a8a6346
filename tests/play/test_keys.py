"""The key handler, without a window: events in, actions and commands out."""

from __future__ import annotations

import pytest
import yaml

from embedsafe import make_sim
from embedsafe.play.keys import (
    KEY_NAMES,
    InputEvent,
    down,
    key_name,
    load_key_config,
    make_handler,
    up,
)

GRID = "embedsafe/RewardButton-Grid-v0"
MOVES = ("noop", "up", "down", "left", "right")
OVERSEER = (*MOVES, "press")


def grid_handler(role="agent", config=None):
    sim = make_sim(GRID)
    names = MOVES if role == "agent" else OVERSEER
    return make_handler(sim, role, names, config)


def test_agent_bindings_come_from_the_world():
    sim = make_sim(GRID)
    h = grid_handler()
    expected = {
        frozenset([key_name(c) for c in codes]): a
        for codes, a in sim.keys_to_action().items()
        if codes
    }
    assert h.bindings == expected
    assert h.update([down("d")]).action == MOVES.index("right")
    assert h.update([]).action == MOVES.index("right")  # still held
    assert h.update([up("d")]).action == MOVES.index("right")  # a tap counts this frame
    assert h.update([]).action == 0  # released: noop


def test_quick_tap_between_frames_is_not_lost():
    h = grid_handler()
    assert h.update([down("w"), up("w")]).action == MOVES.index("up")
    assert h.update([]).action == 0


def test_latest_key_wins_and_commands():
    h = grid_handler()
    tick = h.update([down("a"), down("s"), down("p"), down("escape")])
    assert tick.action == MOVES.index("down")
    assert tick.commands == ["pause", "quit"]
    assert h.update([InputEvent("quit")]).commands == ["quit"]
    assert h.update([down("r"), down("="), down("-"), down("n"), down("backspace")]).commands == [
        "restart",
        "faster",
        "slower",
        "step",
        "restart",
    ]


def test_overseer_bindings_by_name():
    h = grid_handler("overseer")
    assert h.update([down("e")]).action == OVERSEER.index("press")
    h.reset()
    assert h.update([down("up")]).action == OVERSEER.index("up")
    assert any("press" in line for line in h.help_lines())


class VoxelLike:
    """A stand-in world with first-person action names and no keys_to_action."""

    action_names = (
        "noop",
        "forward",
        "turn_left",
        "turn_right",
        "look_up",
        "look_down",
        "attack",
        "jump",
        "wave",
    )

    def keys_to_action(self):
        raise NotImplementedError


def test_mouse_look_and_click_and_fallback_digits():
    h = make_handler(VoxelLike(), "agent", VoxelLike.action_names)
    names = VoxelLike.action_names
    assert h.uses_mouse_look
    assert h.update([InputEvent("motion", rel=(-20, 2))]).action == names.index("turn_left")
    assert h.update([InputEvent("motion", rel=(1, 30))]).action == names.index("look_down")
    assert h.update([InputEvent("motion", rel=(2, 1))]).action == 0  # under the threshold
    assert h.update([down("click left")]).action == names.index("attack")
    h.reset()
    assert h.update([down("1")]).action == names.index("wave")
    h.reset()
    # jump is bound to space, so space is no longer "pause" (p still is)
    tick = h.update([down("space"), down("p")])
    assert tick.action == names.index("jump") and tick.commands == ["pause"]


def test_chords_prefer_the_bigger_combination():
    sim = type("S", (), {"keys_to_action": lambda self: {(ord("w"),): 1, (ord("w"), 32): 2}})()
    h = make_handler(sim, "agent", ("noop", "forward", "jump_forward"))
    assert h.update([down("w")]).action == 1
    assert h.update([down("space")]).action == 2


def test_yaml_config_overrides(tmp_path):
    path = tmp_path / "keys.yaml"
    path.write_text(
        yaml.safe_dump({"agent": {"up": ["i", "up"], "right": "l+k"}, "commands": {"pause": "tab"}})
    )
    h = grid_handler(config=load_key_config(path))
    assert h.update([down("i")]).action == MOVES.index("up")
    h.reset()
    assert h.update([down("w")]).action == 0  # the old key of "up" is gone
    h.reset()
    assert h.update([down("l"), down("k")]).action == MOVES.index("right")
    h.reset()
    assert h.update([down("tab"), down("p")]).commands == ["pause"]


@pytest.mark.parametrize(
    "config,match",
    [
        ({"agent": {"up": "kp9"}}, "unknown key name 'kp9'.*valid names: 'a', 'b'"),
        ({"agent": {"fly": "w"}}, "unknown name 'fly'.*allowed: noop, up"),
        ({"commands": {"dance": "x"}}, "unknown name 'dance'.*allowed: quit, pause"),
        ({"players": {}}, "unknown section"),
        ({"commands": {"pause": "a+b"}}, "single keys"),
    ],
)
def test_bad_config_is_a_clear_error(config, match):
    with pytest.raises(ValueError, match=match):
        grid_handler(config=config)


def test_config_must_be_a_mapping(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_text("- w\n- s\n")
    with pytest.raises(ValueError, match="expected a mapping"):
        load_key_config(path)


def test_key_names_cover_pygame_names():
    assert {"w", "up", "space", "escape", "left shift", "[+]", "="} <= set(KEY_NAMES)
    assert key_name(1073741906) == "up" and key_name(ord("W")) == "w" and key_name(" ") == "space"


def test_voxel_agent_gets_world_keys_plus_mouse_look():
    sim = make_sim("embedsafe/TreePunching-Voxel-v1")
    names = tuple(sim.action_names)
    h = make_handler(sim, "agent", names)
    assert h.uses_mouse_look
    assert h.update([InputEvent("motion", rel=(25, 0))]).action == names.index("turn_right")
    assert h.update([down("click left")]).action == names.index("punch")
    h.reset()
    assert h.update([down("w")]).action == names.index("forward")
