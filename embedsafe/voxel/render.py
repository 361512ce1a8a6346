"""Views of the voxel world: pure functions of a sim's arrays (no pygame here).

``first_person``: RGB frames by ray casting, textures looked up by block name, with a
crosshair. ``top_down``: a symbolic map (one plane per block kind of interest, a height
map, the agent, its heading and the overseer, flags). ``ansi``: text for humans.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from embedsafe.voxel import raycast
from embedsafe.voxel.content import BLOCK_ID, BLOCKS, TEXTURES

TEX = 8  # texture resolution
FOV_DEG = 70.0
VIEW_DIST = 24.0


def _pattern(color, pattern: str, t: int) -> np.ndarray:
    """A ``t x t`` RGB texture: one colour with a simple pattern, so kinds stay distinct."""
    base = np.array(color, np.float32)
    img = np.broadcast_to(base, (t, t, 3)).copy()
    y, x = np.mgrid[0:t, 0:t]
    noise = ((x * 7 + y * 13) % 5) / 5.0
    if pattern == "speckle":
        img *= (0.85 + 0.25 * noise)[..., None]
    elif pattern == "grain":
        img[x % 3 == 0] *= 0.7
    elif pattern == "brick":
        img[(y % 4 == 0) | ((x + 4 * (y // 4)) % 8 == 0)] *= 0.65
    elif pattern == "ring":
        r = np.hypot(y - (t - 1) / 2, x - (t - 1) / 2)
        img[r > t * 0.42] *= 0.5
        img[(r > t * 0.18) & (r < t * 0.28)] *= 0.7
    elif pattern == "checker":
        img[(x // 2 + y // 2) % 2 == 0] *= 0.75
    elif pattern == "stripes":
        img[(x + y) % 4 < 2] *= 0.75
    elif pattern == "grass_side":
        img[y < t // 3] = TEXTURES["grass_top"][0]
    elif pattern == "face":
        img[(y == t // 3) & ((x == t // 4) | (x == t - 1 - t // 4))] = (20, 20, 20)
        img[(y == 2 * t // 3) & (x > t // 4) & (x < t - 1 - t // 4)] = (120, 40, 40)
    return img.clip(0, 255).astype(np.uint8)


@lru_cache(maxsize=1)
def atlas() -> np.ndarray:
    """Textures of every block kind, looked up by name: ``(K, 2, TEX, TEX, 3)``; index 1
    of the second axis is the top/bottom face."""
    out = np.zeros((len(BLOCKS), 2, TEX, TEX, 3), np.float32)
    for i, b in enumerate(BLOCKS):
        out[i, 0] = _pattern(*TEXTURES[b.texture], TEX)
        out[i, 1] = _pattern(*TEXTURES[b.top or b.texture], TEX)
    return out


@lru_cache(maxsize=1)
def shaded() -> np.ndarray:
    """The atlas with face shading and distance fade baked in (what the kernel reads)."""
    return raycast.shaded_atlas(atlas())


@lru_cache(maxsize=8)
def sky(height: int) -> np.ndarray:
    """The background colour of each image row: a vertical gradient."""
    top, low = np.array([100, 160, 230.0]), np.array([190, 220, 245.0])
    f = np.linspace(0, 1, height)[:, None]
    return ((1 - f) * top + f * low).astype(np.uint8)


def first_person(sim, idx, size: int, *, for_agent: bool = True) -> np.ndarray:
    """First-person RGB frames of copies ``idx``: ``(n, size, size, 3)`` uint8, as the
    agent sees them (``for_agent=False``: with everything in it, for people)."""
    idx = np.arange(sim.num_envs)[idx]
    overseer = sim.observed_overseer(idx) if for_agent else sim.overseer[idx]
    out = np.empty((len(idx), size, size, 3), np.uint8)
    raycast.render_batch(
        sim.world[idx],
        sim.eye()[idx],
        sim.yaw()[idx],
        sim.pitch()[idx],
        overseer,
        shaded(),
        sky(size),
        math.tan(math.radians(FOV_DEG) / 2),
        VIEW_DIST,
        BLOCK_ID["overseer_body"],
        BLOCK_ID["overseer_head"],
        out,
    )
    _crosshair(out)
    _hud(out, sim.punch_progress()[idx], list(sim.flags(idx).values()))
    return out


def _hud(img: np.ndarray, progress: np.ndarray, flags: list[np.ndarray]) -> None:
    """A heads-up strip along the bottom edge, so frames carry the whole Markov state:
    a white bar for the punch progress on the block in the crosshair (left half), and
    one square per scenario flag (right half; yellow = on, dark = off)."""
    n, h, w = img.shape[:3]
    bar = max(1, h // 32)
    half = w // 2
    filled = np.arange(half)[None, :] < np.round(progress * half)[:, None]
    img[:, h - bar :, :half][filled[:, None, :].repeat(bar, 1)] = 255
    for k, flag in enumerate(flags):
        x0 = w - (k + 1) * 3 * bar
        colour = np.where(np.asarray(flag, bool)[:, None], [250, 220, 40], [40, 40, 40])
        img[:, h - 2 * bar :, x0 : x0 + 2 * bar] = colour[:, None, None, :].astype(np.uint8)


def _crosshair(img: np.ndarray) -> None:
    """A small plus in the image centre, inverted so it shows on any background."""
    h, w = img.shape[1:3]
    cy, cx, arm = h // 2, w // 2, max(1, h // 32)
    img[:, cy, cx - arm : cx + arm + 1] = 255 - img[:, cy, cx - arm : cx + arm + 1]
    img[:, cy - arm : cy, cx] = 255 - img[:, cy - arm : cy, cx]
    img[:, cy + 1 : cy + arm + 1, cx] = 255 - img[:, cy + 1 : cy + arm + 1, cx]


def top_down(sim, idx) -> np.ndarray:
    """Symbolic map ``(C, X, Y)`` uint8 per copy: per block kind in ``sim.obs_blocks`` the
    number of such blocks in each column; the terrain height; the agent (feet height + 1),
    its heading index + 1 and pitch index + 1 at its cell; the overseer; one plane per flag."""
    idx = np.arange(sim.num_envs)[idx]
    world = sim.world[idx]
    n, sx, sy, sz = world.shape
    planes = [(world == b).sum(-1) for b in sim._obs_ids]
    solid = world != 0
    planes.append(np.where(solid.any(-1), sz - np.argmax(solid[..., ::-1], -1), 0))
    cell = np.floor(sim.pos[idx, :2]).astype(np.int64).clip(0, [sx - 1, sy - 1])
    rows = np.arange(n)
    for value in (np.floor(sim.pos[idx, 2]) + 1, sim.heading[idx] + 1, sim.pitch_i[idx] + 1):
        plane = np.zeros((n, sx, sy), np.int64)
        plane[rows, cell[:, 0], cell[:, 1]] = value
        planes.append(plane)
    ov = sim.observed_overseer(idx)
    plane = np.zeros((n, sx, sy), np.int64)
    here = ov[:, 0] >= 0
    plane[rows[here], ov[here, 0], ov[here, 1]] = 1
    planes.append(plane)
    for flag in sim.flags(idx).values():
        planes.append(np.broadcast_to(np.asarray(flag, np.int64)[:, None, None], (n, sx, sy)))
    return np.stack(planes, 1).clip(0, 255).astype(np.uint8)


def human_view(sim, i: int, size: int = 256) -> np.ndarray:
    """A large first-person frame with a top-down minimap inset (for people, not agents)."""
    img = first_person(sim, slice(i, i + 1), size, for_agent=False)[0]
    sx, sy = sim.world.shape[1:3]
    cell = max(2, size // (4 * max(sx, sy)))
    top = np.where(sim.world[i] != 0, np.arange(sim.world.shape[3]), -1).max(-1)
    ids = np.take_along_axis(sim.world[i], top.clip(0)[..., None], -1)[..., 0]
    colours = np.array([TEXTURES[b.top or b.texture][0] for b in BLOCKS], np.uint8)
    mini = colours[ids]
    ov = sim.overseer[i]
    if ov[0] >= 0:
        mini[ov[0], ov[1]] = TEXTURES["overseer_body"][0]
    ax, ay = np.floor(sim.pos[i, :2]).astype(int).clip(0, [sx - 1, sy - 1])
    mini[ax, ay] = (255, 255, 255)
    mini = mini.transpose(1, 0, 2).repeat(cell, 0).repeat(cell, 1)  # rows = y
    img[2 : 2 + mini.shape[0], 2 : 2 + mini.shape[1]] = mini
    return img


def ansi(sim, i: int) -> str:
    """Top-down text: the highest block's char per column, ``A`` agent, ``O`` overseer."""
    world = sim.world[i]
    top = np.where(world != 0, np.arange(world.shape[2]), -1).max(-1)
    ids = np.take_along_axis(world, top.clip(0)[..., None], -1)[..., 0]
    chars = np.array([b.char or "?" for b in BLOCKS])[ids].T.copy()  # rows = y
    ov = sim.overseer[i]
    if ov[0] >= 0:
        chars[ov[1], ov[0]] = "O"
    ax, ay = np.floor(sim.pos[i, :2]).astype(int)
    chars[ay, ax] = "A"
    flags = ", ".join(f"{k}={int(v[0])}" for k, v in sim.flags(slice(i, i + 1)).items())
    head = f"t={int(sim.t[i])} pos={np.round(sim.pos[i], 2).tolist()} {flags}"
    return "\n".join("".join(r) for r in chars) + "\n" + head + "\n"
