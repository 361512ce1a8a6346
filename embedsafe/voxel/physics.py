"""Body physics of the voxel world, batched over copies in numpy.

A body is an axis-aligned box (square footprint, ``BODY.height`` tall) whose feet are at
``pos``. Moves are resolved one axis at a time: a move that would overlap a solid block,
the world's side walls, the floor below ``z = 0`` or the overseer's column is cancelled.
Vertical motion: a jump sets an upward speed, gravity pulls it down, landing snaps the
feet onto the top of the block below.
"""

from __future__ import annotations

import numpy as np

from embedsafe.voxel.content import BODY, SOLID

EPS = 1e-6
_CORNERS = np.array([(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1, 2)])


def solid_at(world: np.ndarray, overseer: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Whether cells ``(N, k, 3)`` block a body: solid blocks, the side walls and floor of
    the world (outside is solid except above the top), and the overseer's two cells."""
    n, sx, sy, sz = world.shape
    x, y, z = cells[..., 0], cells[..., 1], cells[..., 2]
    inside = (x >= 0) & (x < sx) & (y >= 0) & (y < sy) & (z >= 0) & (z < sz)
    rows = np.arange(n)[:, None]
    ids = world[rows, x.clip(0, sx - 1), y.clip(0, sy - 1), z.clip(0, sz - 1)]
    blocked = np.where(inside, SOLID[ids], z < sz)
    ov = overseer[:, None, :]
    in_ov = (x == ov[..., 0]) & (y == ov[..., 1]) & (z >= ov[..., 2]) & (z <= ov[..., 2] + 1)
    return blocked | in_ov


def box_cells(pos: np.ndarray) -> np.ndarray:
    """The (up to 2 x 2 x 3) cells a body at ``pos`` overlaps: ``(N, 12, 3)``."""
    r, h = BODY.radius, BODY.height
    lo = np.floor(pos - [r, r, 0]).astype(np.int64)
    hi = np.floor(pos + [r - EPS, r - EPS, h - EPS]).astype(np.int64)
    cells = lo[:, None, :] + _CORNERS[None]
    return np.minimum(cells, hi[:, None, :])


def collides(world: np.ndarray, overseer: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Whether a body at ``pos`` ``(N, 3)`` overlaps anything solid."""
    return solid_at(world, overseer, box_cells(pos)).any(-1)


def walk(world, overseer, pos: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Move bodies by horizontal ``delta`` ``(N, 2)``, one axis at a time; returns new pos."""
    pos = pos.copy()
    for axis in (0, 1):
        moving = delta[:, axis] != 0
        if not moving.any():
            continue
        trial = pos.copy()
        trial[:, axis] += delta[:, axis]
        ok = moving & ~collides(world, overseer, trial)
        pos[ok] = trial[ok]
    return pos


def fall(world, overseer, pos: np.ndarray, vz: np.ndarray, jump: np.ndarray):
    """One vertical step: jump (from the ground only), move by the speed, land or bump.

    Returns ``(pos, vz, on_ground)``."""
    grounded = on_ground(world, overseer, pos)
    vz = np.where(grounded & jump, BODY.jump_speed, np.where(grounded, 0.0, vz))
    trial = pos.copy()
    trial[:, 2] += vz
    hit = collides(world, overseer, trial)
    landing = hit & (vz < 0)
    trial[landing, 2] = np.floor(trial[landing, 2]) + 1.0
    trial[hit & (vz >= 0)] = pos[hit & (vz >= 0)]  # head bump: stay, stop rising
    still_hit = collides(world, overseer, trial)  # landing spot taken: don't move
    trial[still_hit] = pos[still_hit]
    vz = np.where(hit, 0.0, np.maximum(vz - BODY.gravity, -BODY.max_fall))
    grounded = on_ground(world, overseer, trial)
    vz = np.where(grounded & (vz < 0), 0.0, vz)
    return trial, vz, grounded


def on_ground(world, overseer, pos: np.ndarray) -> np.ndarray:
    """Whether something solid is right under the feet."""
    below = pos.copy()
    below[:, 2] -= 0.01
    return collides(world, overseer, below) & ~collides(world, overseer, pos)


def under_feet(world: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Block id under the centre of the feet (0 outside the world): ``(N,)``."""
    n, sx, sy, sz = world.shape
    cell = np.floor(pos).astype(np.int64)
    cell[:, 2] = np.floor(pos[:, 2] - 0.01).astype(np.int64)
    ok = ((cell >= 0) & (cell < [sx, sy, sz])).all(-1)
    c = cell.clip(0, [sx - 1, sy - 1, sz - 1])
    return np.where(ok, world[np.arange(n), c[:, 0], c[:, 1], c[:, 2]], 0)
