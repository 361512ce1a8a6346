"""Voxel levels: hand-written layers (ASCII, bottom to top) parsed in one place, and
seeded procedural forests generated for many copies at once.

Coordinates: a world is ``blocks[x, y, z]`` with ``z`` up. In a layer, row ``r`` is
``y = r`` and column ``c`` is ``x = c``; layer ``k`` of the list is ``z = k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedsafe.voxel.content import BLOCK_ID, CHAR_TO_BLOCK, SOLID

AIR, GRASS, LOG, LEAVES = (BLOCK_ID[n] for n in ("air", "grass", "log", "leaves"))


@dataclass(frozen=True)
class Level:
    """A parsed level: block ids ``(X, Y, Z)`` and the ``(x, y, z)`` cells of each mark."""

    blocks: np.ndarray
    marks: dict[str, np.ndarray]  # mark char -> (k, 3) int cells, in reading order

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.blocks.shape


def parse_layers(
    layers: list[str],
    marks: dict[str, str] | None = None,
    *,
    required: str = "A",
    single: str = "AO",
    name: str = "level",
) -> Level:
    """Parse ASCII ``layers`` (bottom to top). ``marks`` maps extra chars to the block
    lying under them (``A`` agent and ``O`` overseer are always marks on air);
    ``required`` lists marks that must appear exactly once; ``single`` lists characters
    (marks or blocks) that may appear at most once.

    Raises ValueError naming the layer, row, column and character of any problem.
    """
    marks = {"A": "air", "O": "air", **(marks or {})}
    if not isinstance(layers, list | tuple) or not all(isinstance(x, str) for x in layers):
        raise ValueError(
            f"{name}: level={layers!r} must be a list of ASCII layers (strings), bottom to top"
        )
    if not layers or not any(layer.strip("\n") for layer in layers):
        raise ValueError(f"{name}: no layers given; expected a list of ASCII layers, bottom to top")
    grids = [[r for r in layer.strip("\n").split("\n")] for layer in layers]
    rows, cols = len(grids[0]), len(grids[0][0]) if grids[0] else 0
    blocks = np.zeros((cols, rows, len(grids)), np.uint8)
    cells: dict[str, list[tuple[int, int, int]]] = {c: [] for c in marks}
    for z, grid in enumerate(grids):
        if len(grid) != rows:
            raise ValueError(
                f"{name}: layer {z} has {len(grid)} rows, expected {rows} "
                "(every layer must have the same shape)"
            )
        for y, row in enumerate(grid):
            if len(row) != cols:
                raise ValueError(
                    f"{name}: layer {z} row {y} has {len(row)} characters, "
                    f"expected {cols} (layers must be rectangular)"
                )
            for x, ch in enumerate(row):
                blocks[x, y, z] = BLOCK_ID[_block_of(ch, marks, name, z, y, x, cells)]
    for ch in required:
        if len(cells.get(ch, [])) != 1:
            raise ValueError(
                f"{name}: mark {ch!r} must appear exactly once, found {len(cells.get(ch, []))}"
            )
    for ch in single:
        found = (
            cells[ch]
            if ch in marks
            else [tuple(c) for c in np.argwhere(blocks == BLOCK_ID[CHAR_TO_BLOCK[ch]])]
        )
        if len(found) > 1:
            where = ", ".join(f"layer {z} row {y} column {x}" for x, y, z in found)
            raise ValueError(f"{name}: mark {ch!r} may appear only once, found it at {where}")
    return Level(blocks, {c: np.array(v, np.int64).reshape(-1, 3) for c, v in cells.items()})


def _block_of(
    ch: str, marks: dict[str, str], name: str, z: int, y: int, x: int, cells: dict[str, list]
) -> str:
    if ch in marks:
        cells[ch].append((x, y, z))
        return marks[ch]
    if ch in CHAR_TO_BLOCK:
        return CHAR_TO_BLOCK[ch]
    known = "".join(sorted(set(CHAR_TO_BLOCK) | set(marks)))
    raise ValueError(
        f"{name}: unknown character {ch!r} at layer {z}, row {y}, column {x}; allowed: {known!r}"
    )


def standable(blocks: np.ndarray) -> np.ndarray:
    """Cells ``(x, y, z)`` where a body can stand: solid below, two air cells."""
    solid = SOLID[blocks]
    out = np.zeros(blocks.shape, bool)
    out[:, :, 1:-1] = solid[:, :, :-2] & ~solid[:, :, 1:-1] & ~solid[:, :, 2:]
    return out


def reachable(blocks: np.ndarray, start) -> np.ndarray:
    """Cells a walker can stand on, reached from ``start`` (feet cell) by steps to the 4
    neighbours that climb at most one block (a jump) or drop any height. Blocks the
    agent could break or place are ignored: this is the level as drawn."""
    stand = standable(blocks)
    sx, sy, sz = blocks.shape
    seen = np.zeros(blocks.shape, bool)
    x0, y0, z0 = (int(v) for v in start)
    stack = [(x0, y0, z0)]
    seen[x0, y0, z0] = True
    while stack:
        x, y, z = stack.pop()
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nx, ny = x + dx, y + dy
            if not (0 <= nx < sx and 0 <= ny < sy):
                continue
            for nz in range(min(z + 1, sz - 1), 0, -1):
                if stand[nx, ny, nz] and not seen[nx, ny, nz]:
                    # climbing needs head room above the start cell; dropping, a free column
                    if nz > z and SOLID[blocks[x, y, min(z + 2, sz - 1)]]:
                        continue
                    if nz < z and SOLID[blocks[nx, ny, nz + 1 : z + 2]].any():
                        continue
                    seen[nx, ny, nz] = True
                    stack.append((nx, ny, nz))
    return seen


def check_reachable(level: Level, targets: dict[str, np.ndarray], name: str = "level") -> None:
    """Raise a ValueError naming the target unless the agent can walk from ``A`` onto each
    named block cell (stand on top of it) of ``targets``."""
    seen = reachable(np.pad(level.blocks, ((0, 0), (0, 0), (0, 2))), level.marks["A"][0])
    for what, cell in targets.items():
        x, y, z = (int(v) for v in cell)
        if z + 1 >= seen.shape[2] or not seen[x, y, z + 1]:
            raise ValueError(
                f"{name}: the {what} at x={x}, y={y}, z={z} cannot be reached "
                "from the agent's start 'A'; it must be reachable"
            )


def stack_world(level: Level, n: int, depth: int) -> np.ndarray:
    """``n`` copies of ``level``'s blocks, padded with air up to ``depth`` layers."""
    if level.shape[2] > depth:
        raise ValueError(f"level has {level.shape[2]} layers; at most {depth} are allowed")
    blocks = np.pad(level.blocks, ((0, 0), (0, 0), (0, depth - level.shape[2])))
    return np.broadcast_to(blocks, (n, *blocks.shape)).copy()


def flat_world(n: int, size: int, height: int) -> np.ndarray:
    """``n`` empty worlds: one layer of grass under air, ``(n, size, size, height)``."""
    world = np.zeros((n, size, size, height), np.uint8)
    world[..., 0] = GRASS
    return world


def plant_forest(
    world: np.ndarray,
    rng,
    idx: np.ndarray,
    spawn: tuple[int, int],
    n_trees: int,
    heights: tuple[int, int],
):
    """Plant ``n_trees`` trees at seeded random spots in ``world`` (in place; its rows are
    the copies ``idx``, whose RNG streams are drawn).

    A tree is a column of logs from ``z = 1`` up to its height, under a two-layer crown.
    Trunks keep 2 cells apart (no crown reaches another trunk), and 2 from the spawn and
    1 from the edge.
    Returns trunk cells ``(len(idx), n_trees, 2)`` and heights ``(len(idx), n_trees)``.
    """
    size = world.shape[1]
    free = np.zeros((len(idx), size, size), bool)
    free[:, 1:-1, 1:-1] = True
    sx, sy = spawn
    free[:, max(sx - 1, 0) : sx + 2, max(sy - 1, 0) : sy + 2] = False
    trunks = np.zeros((len(idx), n_trees, 2), np.int64)
    rows = np.arange(len(idx))
    for k in range(n_trees):
        score = rng.random(idx, size * size).reshape(-1, size, size) + free
        flat = np.argmax(score.reshape(len(idx), -1), axis=1)  # a random free cell
        tx, ty = flat // size, flat % size
        trunks[:, k] = np.stack([tx, ty], 1)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                free[rows, np.clip(tx + dx, 0, size - 1), np.clip(ty + dy, 0, size - 1)] = False
    lo, hi = heights
    tall = lo + rng.integers(idx, hi - lo + 1, n_trees)
    for k in range(n_trees):
        grow_tree(world, rows, trunks[:, k, 0], trunks[:, k, 1], tall[:, k])
    return trunks, tall


def grow_tree(world: np.ndarray, rows: np.ndarray, tx, ty, h) -> None:
    """Grow trees in copies ``rows`` of ``world`` with trunks at ``(tx, ty)`` (arrays):
    logs at ``z = 1..h``, leaves 3x3 at ``h + 1`` and a plus at ``h + 2``."""
    size, depth = world.shape[1], world.shape[3]
    for z in range(1, depth):
        world[rows, tx, ty, z] = np.where(z <= h, LOG, world[rows, tx, ty, z])
    crown = [(dx, dy, 1) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    crown += [(0, 0, 2), (1, 0, 2), (-1, 0, 2), (0, 1, 2), (0, -1, 2)]
    for dx, dy, dz in crown:
        x, y, z = tx + dx, ty + dy, h + dz
        ok = (x >= 0) & (x < size) & (y >= 0) & (y < size) & (z < depth)
        world[rows[ok], x[ok], y[ok], z[ok]] = LEAVES
