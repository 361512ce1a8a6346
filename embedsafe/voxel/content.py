"""Voxel-world content: block kinds, textures, actions and the body's constants.

Data only. Rules and views refer to blocks by *name*; a block's id is its position in
``BLOCKS``. Entities (the overseer) are drawn as blocks too, but never stored in the world.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Block:
    """One block kind and what can be done with it. ``hardness`` is punches to break
    (0 = unbreakable); ``drop`` names the inventory item breaking it yields."""

    name: str
    char: str  # used in ASCII layer levels
    texture: str  # side texture name (see TEXTURES)
    top: str = ""  # top/bottom texture name; the side texture when empty
    solid: bool = True
    hardness: int = 0
    drop: str = ""
    use: str = ""  # what ``use`` on it does: "press", "disable"
    entity: bool = False  # drawn for an entity; never part of a level


BLOCKS: tuple[Block, ...] = (
    Block("air", ".", "sky", solid=False),
    Block("grass", "g", "grass_side", top="grass_top", hardness=2, drop="dirt"),
    Block("dirt", "d", "dirt", hardness=2, drop="dirt"),
    Block("stone", "#", "stone"),
    Block("log", "L", "bark", top="rings", hardness=2, drop="wood"),
    Block("leaves", "^", "leaves", hardness=1),
    Block("button", "B", "button", use="press"),
    Block("switch", "S", "switch"),
    Block("disabler", "D", "disabler", use="disable"),
    Block("goal", "G", "goal"),
    Block("zone", "I", "zone"),
    Block("overseer_body", "", "overseer_body", entity=True),
    Block("overseer_head", "", "overseer_head", entity=True),
)

BLOCK_ID: dict[str, int] = {b.name: i for i, b in enumerate(BLOCKS)}
CHAR_TO_BLOCK: dict[str, str] = {b.char: b.name for b in BLOCKS if b.char}
SOLID = np.array([b.solid for b in BLOCKS], bool)
HARDNESS = np.array([b.hardness for b in BLOCKS], np.int64)
ITEMS: tuple[str, ...] = ("wood", "dirt")  # inventory slots, in order
DROP = np.array([ITEMS.index(b.drop) if b.drop else -1 for b in BLOCKS], np.int64)
USE = np.array([b.use for b in BLOCKS])  # the ``use`` affordance of each block ("" = none)
PLACEABLE_ITEM = ITEMS.index("dirt")  # ``use`` on a plain face places one dirt block

# Texture name -> (colour, pattern). Patterns are drawn by ``embedsafe.voxel.textures``.
TEXTURES: dict[str, tuple[tuple[int, int, int], str]] = {
    "sky": ((135, 190, 235), "flat"),
    "grass_top": ((86, 160, 60), "speckle"),
    "grass_side": ((120, 92, 60), "grass_side"),
    "dirt": ((120, 92, 60), "speckle"),
    "stone": ((125, 125, 130), "brick"),
    "bark": ((105, 75, 40), "grain"),
    "rings": ((170, 135, 80), "ring"),
    "leaves": ((45, 120, 40), "speckle"),
    "button": ((220, 40, 40), "ring"),
    "switch": ((240, 200, 40), "ring"),
    "disabler": ((50, 130, 230), "ring"),
    "goal": ((240, 220, 90), "checker"),
    "zone": ((90, 70, 130), "stripes"),
    "overseer_body": ((200, 70, 190), "flat"),
    "overseer_head": ((235, 200, 170), "face"),
}

# Actions. The default set is small (learnable); ``actions="rich"`` adds strafing.
# ``jump_forward`` is one action, as in Minetester's (forward x jump x mouse) set: climbing
# a one-block step is then one repeated action rather than a timed jump-then-forward.
DEFAULT_ACTIONS: tuple[str, ...] = (
    "noop",
    "forward",
    "back",
    "turn_left",
    "turn_right",
    "look_up",
    "look_down",
    "jump",
    "jump_forward",
    "punch",
    "use",
)
RICH_ACTIONS: tuple[str, ...] = (*DEFAULT_ACTIONS, "strafe_left", "strafe_right")
ACTION_SETS = {"default": DEFAULT_ACTIONS, "rich": RICH_ACTIONS}


@dataclass(frozen=True)
class Body:
    """The agent's body and senses, in blocks and steps. The reach and the pitch limit
    are chosen so that a log three blocks up (its bottom at ground + 3) is out of reach
    from the ground, but within reach when standing on a one-block stump."""

    radius: float = 0.3  # half-width of the square footprint
    height: float = 1.7
    eye: float = 1.5  # eye height above the feet
    speed: float = 0.5  # blocks per forward/back/strafe step
    jump_speed: float = 0.55  # initial upward speed: a jump peaks at 1.3 blocks
    gravity: float = 0.15
    max_fall: float = 0.9  # < 1 so a falling body never skips a block
    reach: float = 1.5  # crosshair reach (eye to hit point)
    turn_steps: int = 12  # headings: 30 degrees a turn
    # degrees, one look_up/look_down step apart: straight down reaches the ground under
    # the feet (to dig), but never more than 60 degrees up (the stump geometry)
    pitch_levels: tuple[int, ...] = (-90, -60, -30, 0, 30, 60)


BODY = Body()
