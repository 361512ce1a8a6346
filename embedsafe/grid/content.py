"""Grid-world content: every tile kind, what can be done with it, and how it looks.

Data only. Rules refer to tiles by *name*; ids are positions in this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tile:
    name: str
    char: str  # ASCII art and ``ansi`` rendering
    color: tuple[int, int, int]
    walkable: bool = False  # an entity may stand on it
    pushable: bool = False  # the agent shoves it one cell when walking into it
    bump: str = ""  # what walking into it does: "press", "collect", "disable", "punch"
    pattern: str = "flat"  # texture: flat, brick, dots, ring, stripes, grain


TILES: tuple[Tile, ...] = (
    Tile("floor", ".", (28, 30, 38), walkable=True),
    Tile("wall", "#", (112, 112, 124), pattern="brick"),
    Tile("button", "B", (220, 50, 50), bump="press", pattern="ring"),
    Tile("wood", "w", (170, 118, 60), bump="collect", pattern="grain"),
    Tile("goal", "G", (60, 200, 90), walkable=True, pattern="dots"),
    Tile("zone", "I", (70, 60, 110), walkable=True, pattern="stripes"),
    Tile("switch", "S", (240, 200, 40), pattern="ring"),
    Tile("disabler", "D", (60, 140, 230), bump="disable", pattern="ring"),
    Tile("crate", "C", (150, 100, 40), pushable=True, pattern="brick"),
    Tile("sky", " ", (120, 170, 230), walkable=True),
    Tile("dirt", "=", (110, 80, 50), pattern="dots"),
    Tile("log", "L", (120, 80, 40), bump="punch", pattern="grain"),
    Tile("leaves", "^", (50, 140, 50), walkable=True, pattern="dots"),
)

TILE_ID: dict[str, int] = {t.name: i for i, t in enumerate(TILES)}
CHAR_TO_TILE: dict[str, str] = {t.char: t.name for t in TILES}
WALKABLE = np.array([t.walkable for t in TILES], dtype=bool)
PUSHABLE = np.array([t.pushable for t in TILES], dtype=bool)

# Entities are not tiles: they stand on one. Their ASCII marks and colours.
ENTITY_CHARS = {"agent": "A", "overseer": "O"}
ENTITY_COLORS = {"agent": (240, 240, 240), "overseer": (230, 90, 200)}
