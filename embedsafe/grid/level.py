"""ASCII levels: parsed in one place, checked, and mirrored into layout variants."""

from __future__ import annotations

from collections import deque
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
    art: str,
    marks: dict[str, str] | None = None,
    *,
    required: str = "",
    single: str = "AO",
    name: str = "level",
) -> Level:
    """Parse ASCII ``art``. ``marks`` maps extra chars to the tile lying under them
    (e.g. ``{"A": "floor", "?": "floor"}``); ``required`` lists marks that must appear;
    ``single`` lists characters (marks or tiles) that may appear at most once.

    Raises ValueError naming the row, column and character of any problem.
    """
    if not isinstance(art, str):
        raise ValueError(f"{name}: level={art!r} must be a string of ASCII art")
    marks = {"A": "floor", "O": "floor", **(marks or {})}
    rows = [r for r in art.strip("\n").split("\n")]
    if not rows or not rows[0]:
        raise ValueError(f"{name}: empty level; give ASCII art (rows of equal length)")
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
    for ch in single:
        if len(cells.get(ch, ())) > 1:
            where = ", ".join(f"row {c // width} column {c % width}" for c in cells[ch])
            raise ValueError(f"{name}: mark {ch!r} may appear only once, found it at {where}")
    return Level(tiles, {c: np.array(sorted(v), np.int64) for c, v in cells.items()})


def walking_distance(level: Level, sources, passable: np.ndarray) -> np.ndarray:
    """Fewest 4-neighbour steps from the nearest cell of ``sources`` (flat indices) to every
    cell (``-1``: unreachable); ``passable`` says per tile id whether a step may enter it.
    The sources themselves need not be passable (e.g. a button one walks up to)."""
    h, w = level.shape
    open_cells = passable[level.tiles.ravel()]
    dist = np.full(h * w, -1, np.int64)
    queue = deque(int(c) for c in sources)
    dist[list(queue)] = 0
    while queue:
        cell = queue.popleft()
        for off in (-w, w, -1, 1):
            nxt = cell + off
            if 0 <= nxt < h * w and open_cells[nxt] and dist[nxt] < 0:
                dist[nxt] = dist[cell] + 1
                queue.append(nxt)
    return dist


def check_reachable(
    level: Level, start: str, targets: str, passable: np.ndarray, *, name: str = "level"
) -> None:
    """Raise a ValueError naming the mark unless every cell of each mark in ``targets`` can
    be walked to (or, for a solid one, walked up to) from mark ``start``."""
    dist = walking_distance(level, level.marks[start], passable)
    h, w = level.shape
    for ch in targets:
        for cell in level.marks.get(ch, ()):
            cell = int(cell)
            near = [cell] + [cell + o for o in (-w, w, -1, 1) if 0 <= cell + o < h * w]
            if not passable[level.tiles.ravel()[cell]]:
                near = near[1:]
            if all(dist[c] < 0 for c in near):
                r, c = divmod(cell, w)
                raise ValueError(
                    f"{name}: mark {ch!r} at row {r}, column {c} cannot be reached from "
                    f"{start!r}; every {ch!r} must be reachable"
                )


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
