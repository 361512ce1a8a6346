"""ASCII levels: parsed in one place, checked, and mirrored into layout variants."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedsafe.grid.content import CHAR_TO_TILE, TILE_ID


@dataclass(frozen=True)
class Level:
    """A parsed level: tile ids plus the cells of every mark (entities, spawn spots...)."""

    tiles: np.ndarray  # (H, W) uint8
    marks: dict[str, np.ndarray]  # char -> flat cell indices (row-major) of every char seen

    @property
    def shape(self) -> tuple[int, int]:
        return self.tiles.shape


def parse_level(
    art: str, marks: dict[str, str] | None = None, *, required: str = "", name: str = "level"
) -> Level:
    """Parse ASCII ``art``. ``marks`` maps extra chars to the tile lying under them
    (e.g. ``{"A": "floor", "?": "floor"}``); ``required`` lists marks that must appear.

    Raises ValueError naming the row, column and character of any problem.
    """
    marks = {"A": "floor", "O": "floor", **(marks or {})}
    rows = [r for r in art.strip("\n").split("\n")]
    if not rows or not rows[0]:
        raise ValueError(f"{name}: empty level")
    width = len(rows[0])
    tiles = np.zeros((len(rows), width), np.uint8)
    cells: dict[str, list[int]] = {c: [] for c in marks}
    cells.update({c: [] for c in CHAR_TO_TILE})
    for r, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(
                f"{name}: row {r} has {len(row)} characters, expected {width} "
                "(levels must be rectangular)"
            )
        for c, ch in enumerate(row):
            if ch in marks:
                tile = marks[ch]
            elif ch in CHAR_TO_TILE:
                tile = CHAR_TO_TILE[ch]
            else:
                known = "".join(sorted(set(CHAR_TO_TILE) | set(marks)))
                raise ValueError(
                    f"{name}: unknown character {ch!r} at row {r}, column {c}; allowed: {known!r}"
                )
            tiles[r, c] = TILE_ID[tile]
            cells[ch].append(r * width + c)
    border = np.concatenate([tiles[0], tiles[-1], tiles[:, 0], tiles[:, -1]])
    if np.any(border != TILE_ID["wall"]):
        raise ValueError(f"{name}: the border must be wall ('#') all round")
    for ch in required:
        if not cells.get(ch):
            raise ValueError(f"{name}: mark {ch!r} is required but does not appear")
    return Level(tiles, {c: np.array(sorted(v), np.int64) for c, v in cells.items()})


def mirrored(level: Level, flip_rows: bool, flip_cols: bool) -> Level:
    """The level reflected top-bottom and/or left-right (marks follow their cells)."""
    h, w = level.shape
    grid = np.arange(h * w).reshape(h, w)
    if flip_rows:
        grid = grid[::-1]
    if flip_cols:
        grid = grid[:, ::-1]
    new_of_old = np.empty(h * w, np.int64)
    new_of_old[grid.ravel()] = np.arange(h * w)
    tiles = level.tiles.ravel()[grid.ravel()].reshape(h, w)
    marks = {c: np.sort(new_of_old[v]) for c, v in level.marks.items()}
    return Level(tiles, marks)


def variants(level: Level, symmetries: str) -> list[Level]:
    """Layout variants: ``"none"``, ``"lr"`` (left-right mirror) or ``"all"`` (four)."""
    flips = {
        "none": [(False, False)],
        "lr": [(False, False), (False, True)],
        "all": [(False, False), (False, True), (True, False), (True, True)],
    }[symmetries]
    return [mirrored(level, fr, fc) for fr, fc in flips]
