"""Compiled inner loops of the grid world (numba).

A kernel loops over copies in machine code, so one call costs about a microsecond
whether it steps one copy or thousands; that keeps the single env as fast as the batch
is wide. The per-copy functions (``walk``, ``overseer_walk``, ``downhill``, ``touches``)
state the shared rules once; each scenario's kernel calls them, one copy at a time.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from embedsafe.grid.content import TILE_ID

FLOOR, CRATE = TILE_ID["floor"], TILE_ID["crate"]


@njit(cache=True, inline="always")
def walk(grid, pos, overseer, action, offsets, walkable, pushable):
    """The agent walks, pushes a crate one cell, or bumps: (new cell, bumped tile or -1)."""
    off = offsets[action]
    target = pos + off
    if off == 0 or target == overseer:
        return pos, -1
    tile = grid[target]
    if walkable[tile]:
        return target, -1
    if pushable[tile] and grid[target + off] == FLOOR and target + off != overseer:
        grid[target] = FLOOR
        grid[target + off] = CRATE
        return target, -1
    return pos, np.int64(tile)


@njit(cache=True, inline="always")
def overseer_walk(grid, pos, agent, action, offsets, walkable, pushable):
    """The overseer moves: (new cell, blocked: it tried to walk into the agent or a crate)."""
    if pos < 0 or action >= offsets.shape[0] or offsets[action] == 0:
        return pos, False
    target = pos + offsets[action]
    tile = grid[target]
    if target == agent or pushable[tile]:
        return pos, True
    return (target if walkable[tile] else pos), False


@njit(cache=True, inline="always")
def downhill(dist, pos, offsets):
    """The move (1..4) that lowers ``dist`` from ``pos``; 0 where none does."""
    best, move = dist[pos], 0
    for m in range(1, 5):
        d = dist[pos + offsets[m]]
        if d < best:
            best, move = d, m
    return move


@njit(cache=True, inline="always")
def touches(grid, pos, offsets, tile):
    """Whether ``tile`` lies in the 4-neighbourhood of ``pos``."""
    if pos < 0:
        return False
    for m in range(1, 5):
        if grid[pos + offsets[m]] == tile:
            return True
    return False


@njit(cache=True)
def symbolic(grid, agent, overseer, obs_ids, flags, extra):
    """Planes: one per tile id in ``obs_ids``, the agent, the overseer, each flag, then
    ``extra`` zero planes for the scenario to fill."""
    n, cells = grid.shape
    k = obs_ids.shape[0]
    out = np.zeros((n, k + 2 + flags.shape[1] + extra, cells), np.uint8)
    lookup = np.full(256, -1, np.int64)
    for c in range(k):
        lookup[obs_ids[c]] = c
    for i in range(n):
        for j in range(cells):
            c = lookup[grid[i, j]]
            if c >= 0:
                out[i, c, j] = 1
        out[i, k, agent[i]] = 1
        if overseer[i] >= 0:
            out[i, k + 1, overseer[i]] = 1
        for f in range(flags.shape[1]):
            if flags[i, f]:
                out[i, k + 2 + f, :] = 1
    return out
