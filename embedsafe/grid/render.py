"""Views of the grid world: pure functions of a sim's arrays (no pygame here).

``symbolic``: one uint8 plane per tile kind, the agent, the overseer and each flag.
``draw``: RGB pixels from per-name textures, batched over copies. ``ansi``: text.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from embedsafe.grid import kernels
from embedsafe.grid.content import ENTITY_CHARS, ENTITY_COLORS, TILES


def symbolic(sim, idx, extra: int = 0) -> np.ndarray:
    """The symbolic planes of copies ``idx``, flat ``(n, C + extra, H*W)``."""
    grid = sim.grid[idx]
    n = grid.shape[0]
    flags = np.empty((n, len(sim.flag_names)), bool)
    for k, value in enumerate(sim.flags(idx).values()):
        flags[:, k] = value
    overseer = sim.observed_overseer(idx)
    return kernels.symbolic(grid, sim.agent[idx], overseer, sim._obs_ids, flags, extra)


def _texture(color, pattern: str, c: int) -> np.ndarray:
    """A ``c x c`` RGB texture: a colour with a simple pattern, so tiles stay distinct."""
    base = np.array(color, np.float32)
    img = np.broadcast_to(base, (c, c, 3)).copy()
    y, x = np.mgrid[0:c, 0:c]
    if pattern == "brick":
        mortar = (y % max(c // 2, 1) == 0) | ((x + (y // max(c // 2, 1)) * (c // 2)) % c == 0)
        img[mortar] *= 0.6
    elif pattern == "dots":
        img[(y % 3 == 1) & (x % 3 == 1)] *= 0.7
    elif pattern == "ring":
        r = np.hypot(y - (c - 1) / 2, x - (c - 1) / 2)
        img[r > c * 0.42] *= 0.45
        img[r < c * 0.18] = np.minimum(base * 1.4, 255)
    elif pattern == "stripes":
        img[(x + y) % 4 < 2] *= 0.75
    elif pattern == "grain":
        img[x % 3 == 0] *= 0.75
    if c >= 4:  # a faint edge so neighbouring cells read as separate tiles
        img[0, :] *= 0.85
        img[:, 0] *= 0.85
    return img.clip(0, 255).astype(np.uint8)


def _entity(color, c: int, shape: str) -> np.ndarray:
    y, x = np.mgrid[0:c, 0:c]
    r = np.hypot(y - (c - 1) / 2, x - (c - 1) / 2)
    body = (
        r <= c * 0.42
        if shape == "disc"
        else (abs(y - (c - 1) / 2) + abs(x - (c - 1) / 2)) <= c * 0.5
    )
    rgba = np.zeros((c, c, 4), np.uint8)
    rgba[body, :3] = color
    rgba[body, 3] = 1
    return rgba


@lru_cache(maxsize=16)
def sprites(c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tiles = np.stack([_texture(t.color, t.pattern, c) for t in TILES])
    agent = _entity(ENTITY_COLORS["agent"], c, "disc")
    overseer = _entity(ENTITY_COLORS["overseer"], c, "diamond")
    return tiles, agent, overseer


def draw(sim, idx, cell: int | None) -> np.ndarray:
    """RGB images of copies ``idx``: ``(n, size, size, 3)`` for observations (``cell=None``,
    fitted to ``sim.rgb_size``) or ``(n, H*cell, W*cell + pad, 3)`` for human viewing.

    A strip along the bottom shows each flag (bright = on), so RGB stays Markov."""
    h, w = sim.H, sim.W
    size = sim.rgb_size
    c = cell or max(1, (size - 4) // max(h, w))
    tiles, agent, overseer = sprites(c)
    grid = sim.grid[idx].reshape(-1, h, w)
    n = grid.shape[0]
    img = tiles[grid]  # (n, h, w, c, c, 3)
    rows = np.arange(n)
    seen = sim.observed_overseer(idx) if cell is None else sim.overseer[idx]  # humans see all
    for pos, sprite in ((sim.agent[idx], agent), (seen, overseer)):
        ok = pos >= 0
        r, q = pos[ok] // w, pos[ok] % w
        mask = sprite[..., 3:].astype(bool)
        img[rows[ok], r, q] = np.where(mask, sprite[..., :3], img[rows[ok], r, q])
    img = img.transpose(0, 1, 3, 2, 4, 5).reshape(n, h * c, w * c, 3)
    flags = list(sim.flags(idx).values())
    strip = max(2, c // 3)
    height = size if cell is None else h * c + strip + 1
    width = size if cell is None else w * c
    out = np.zeros((n, height, width, 3), np.uint8)
    out[:, : h * c, : w * c] = img
    if flags:
        seg = width // len(flags)
        for k, on in enumerate(flags):
            colour = np.where(on[:, None], np.uint8(230), np.uint8(50))
            out[:, height - strip :, k * seg : (k + 1) * seg - 1] = colour[:, None, None, :]
    return out


def ansi(sim, i: int) -> str:
    chars = np.array([t.char for t in TILES])[sim.grid[i]].reshape(sim.H, sim.W)
    for name, pos in (("agent", sim.agent[i]), ("overseer", sim.overseer[i])):
        if pos >= 0:
            chars[pos // sim.W, pos % sim.W] = ENTITY_CHARS[name]
    text = "\n".join("".join(row) for row in chars)
    flags = ", ".join(f"{k}={int(v[0])}" for k, v in sim.flags(slice(i, i + 1)).items())
    return f"{text}\nt={int(sim.t[i])} {flags}\n"
