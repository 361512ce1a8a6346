"""Shortest-path navigation of the voxel overseer (numba, batched over copies).

The overseer walks on one plane (its feet stay at the height it starts at). A cell
``(x, y)`` of that plane is *walkable* when its two body cells are free of solid blocks,
the cell under its feet is solid, and the agent's body does not overlap it; this is the
rule ``VoxelSim._overseer_free`` applies to a single step. :func:`plan` searches the map
breadth-first from the goal for every copy that wants to move, at every decision, so the
route follows the blocks the agent placed or broke and where its body stands now (the
map changes whenever the agent moves, so a cached map would rarely be reused; a search
over a 10 x 10 plane costs about a microsecond).

What the overseer does, in order of preference:

1. a shortest path clear of every cell the agent's body could reach in its next step
   (the agent moves before the overseer, so it cannot step into the overseer's way);
2. a shortest path clear of the agent's body as it stands now;
3. a shortest path through the agent's body (it stands in the only way, e.g. in a
   corridor): walk up to it and bump into it;
4. walled in by blocks: walk to the reachable cell nearest the goal and push on toward
   the goal, into the wall.

In cases 3 and 4 the chosen step is barred, so the world reports ``overseer_blocked``;
in case 1 it never is, in case 2 only if the agent steps into that very cell. Among
equally short steps the one along the longer axis toward the goal comes first, so in an
open level, away from the agent, the overseer walks as the old greedy walker did.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FAR = np.int32(1 << 30)
EPS = 1e-6


@njit(cache=True)
def _walkable(world, solid, z, i, agent_pos, radius, height):
    """Walkable cells ``(X, Y)`` of copy ``i`` at feet height ``z`` (see module doc); the
    agent's body, a box of half-width ``radius`` (none when 0), bars the cells it touches."""
    sx, sy, sz = world.shape[1], world.shape[2], world.shape[3]
    out = np.zeros((sx, sy), np.bool_)
    for x in range(sx):
        for y in range(sy):
            ground = z - 1 < 0 or (z - 1 < sz and solid[world[i, x, y, z - 1]])
            air = True
            for h in range(z, z + 2):
                if 0 <= h < sz and solid[world[i, x, y, h]]:
                    air = False
            out[x, y] = ground and air
    px, py, pz = agent_pos[i, 0], agent_pos[i, 1], agent_pos[i, 2]
    low, high = int(np.floor(pz)), int(np.floor(pz + height - EPS))
    if radius > 0 and high >= z and low <= z + 1:
        for x in range(int(np.floor(px - radius)), int(np.floor(px + radius - EPS)) + 1):
            for y in range(int(np.floor(py - radius)), int(np.floor(py + radius - EPS)) + 1):
                if 0 <= x < sx and 0 <= y < sy:
                    out[x, y] = False
    return out


@njit(cache=True)
def _bfs(walkable, sx0, sy0, offsets, dist, queue):
    """Fill ``dist`` with walking distances from ``(sx0, sy0)`` over ``walkable`` (FAR
    where unreachable; all FAR when the source itself is not walkable)."""
    sx, sy = walkable.shape
    dist[:, :] = FAR
    if not walkable[sx0, sy0]:
        return
    dist[sx0, sy0] = 0
    queue[0, 0], queue[0, 1] = sx0, sy0
    head, tail = 0, 1
    while head < tail:
        x, y = queue[head, 0], queue[head, 1]
        head += 1
        for m in range(1, 5):
            nx, ny = x + offsets[m, 0], y + offsets[m, 1]
            if 0 <= nx < sx and 0 <= ny < sy and walkable[nx, ny] and dist[nx, ny] == FAR:
                dist[nx, ny] = dist[x, y] + 1
                queue[tail, 0], queue[tail, 1] = nx, ny
                tail += 1


@njit(cache=True)
def _preference(dx, dy):
    """Moves (1..4: north, south, west, east) in order of preference toward ``(dx, dy)``:
    the longer axis first, then the other axis, then the rest."""
    along_x = 4 if dx > 0 else 3
    along_y = 2 if dy > 0 else 1
    first, second = (along_x, along_y) if abs(dx) >= abs(dy) else (along_y, along_x)
    if (dy if first <= 2 else dx) == 0:
        first = 0
    if (dy if second <= 2 else dx) == 0:
        second = 0
    order = np.zeros(4, np.int64)
    k = 0
    for m in (first, second, 1, 2, 3, 4):
        if m == 0:
            continue
        seen = False
        for j in range(k):
            seen = seen or order[j] == m
        if not seen:
            order[k] = m
            k += 1
    return order


@njit(cache=True)
def _downhill(dist, x, y, order, offsets):
    """First move in ``order`` that lowers ``dist`` from ``(x, y)``; 0 where none does."""
    sx, sy = dist.shape
    for m in order:
        nx, ny = x + offsets[m, 0], y + offsets[m, 1]
        if 0 <= nx < sx and 0 <= ny < sy and dist[nx, ny] < dist[x, y]:
            return m
    return 0


@njit(cache=True)
def _nearest_reachable(dist, gx, gy):
    """The reached cell nearest ``(gx, gy)`` (Manhattan), ties to the fewest steps away."""
    sx, sy = dist.shape
    bx, by, best, steps = -1, -1, FAR, FAR
    for x in range(sx):
        for y in range(sy):
            if dist[x, y] == FAR:
                continue
            far = abs(x - gx) + abs(y - gy)
            if far < best or (far == best and dist[x, y] < steps):
                bx, by, best, steps = x, y, far, dist[x, y]
    return bx, by


@njit(cache=True)
def plan(world, solid, overseer, goal, want, agent_pos, body, offsets):
    """One overseer move per copy (indices into ``offsets``, the overseer's move table:
    0 noop, 1..4 north, south, west, east) toward ``goal`` ``(N, 2)`` for copies where
    ``want``; 0 elsewhere. See the module docstring for the rule.

    Args:
        world: blocks ``(N, X, Y, Z)``; ``solid``: per block id, whether it is solid.
        overseer: feet cells ``(N, 3)``; ``agent_pos``: the agent's feet ``(N, 3)``.
        body: the agent's ``(radius, stride, height)``: half-width, the most it moves
            sideways in one step, and height.
    """
    n, sx, sy = world.shape[0], world.shape[1], world.shape[2]
    radius, stride, height = body
    moves = np.zeros(n, np.int64)
    dist = np.empty((sx, sy), np.int32)
    queue = np.empty((sx * sy, 2), np.int64)
    for i in range(n):
        if not want[i]:
            continue
        ox, oy, oz = overseer[i, 0], overseer[i, 1], overseer[i, 2]
        gx, gy = goal[i, 0], goal[i, 1]
        order = _preference(gx - ox, gy - oy)
        move = -1
        if 0 <= gx < sx and 0 <= gy < sy:
            # 1. clear of wherever the agent can be after its next step, 2. clear of its
            # body now, 3. through its body (it is on every path: bump into it)
            for r in (radius + stride, radius, 0.0):
                walkable = _walkable(world, solid, oz, i, agent_pos, r, height)
                walkable[ox, oy] = True  # where it stands (a margin may cover it)
                _bfs(walkable, gx, gy, offsets, dist, queue)
                if dist[ox, oy] < FAR:
                    move = _downhill(dist, ox, oy, order, offsets)
                    break
        if move < 0:  # 4. walled in: as near the goal as it gets, then push into the wall
            walkable = _walkable(world, solid, oz, i, agent_pos, radius, height)
            walkable[ox, oy] = True
            _bfs(walkable, ox, oy, offsets, dist, queue)
            bx, by = _nearest_reachable(dist, gx, gy)
            if bx == ox and by == oy:
                move = order[0]
            else:
                _bfs(walkable, bx, by, offsets, dist, queue)
                move = _downhill(dist, ox, oy, order, offsets)
        moves[i] = move
    return moves
