"""``GridSim``: the batched grid world all grid scenarios build on.

State is a handful of arrays over ``num_envs`` copies: the tile grid (flattened to
``H*W`` cells), the agent's and the overseer's cells, and the layout variant. Rules here
are the ones every scenario shares (walking, pushing crates, the overseer's moves and
presses, navigation); a scenario adds its own in ``_step``. No gymnasium, pygame or torch.
"""

from __future__ import annotations

from collections import deque

import gymnasium as gym
import numpy as np

from embedsafe.core.contract import check_choice, check_range
from embedsafe.core.sim import BatchedSim
from embedsafe.grid import render
from embedsafe.grid.content import PUSHABLE, TILE_ID, TILES, WALKABLE
from embedsafe.grid.level import Level

MOVES = ("noop", "up", "down", "left", "right")
OVERSEER_ACTIONS = (*MOVES, "press")


class GridSim(BatchedSim):
    """Batched top-down grid world. Subclasses set ``obs_tiles`` and ``flag_names``, call
    :meth:`_set_levels` in ``__init__``, and implement the scenario hooks.

    Args (every scenario's ``**view`` knobs):
        obs: ``"symbolic"`` (one 0/1 plane per tile kind, agent, overseer and flag) or
            ``"rgb"`` (a top-down picture).
        rgb_size: side of the ``rgb`` picture in pixels (16..1024).
    """

    action_names = MOVES
    overseer_action_names = OVERSEER_ACTIONS
    obs_tiles: tuple[str, ...] = ("wall",)
    flag_names: tuple[str, ...] = ()
    layout_cells: dict[str, str] = {}  # state key -> mark char of a fixed cell (e.g. the button)

    def __init__(
        self,
        num_envs: int = 1,
        max_steps: int | None = None,
        obs: str = "symbolic",
        rgb_size: int = 64,
    ):
        super().__init__(num_envs, max_steps)
        check_choice("obs", obs, ("symbolic", "rgb"))
        check_range("rgb_size", rgb_size, 16, 1024, integer=True)
        self.obs_mode, self.rgb_size = obs, int(rgb_size)

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Names of the symbolic observation's planes, in order (``()`` for ``rgb``)."""
        if self.obs_mode != "symbolic":
            return ()
        return (*self.obs_tiles, "agent", "overseer", *self.flag_names)

    # ------------------------------------------------------------- layout
    def _set_levels(self, levels: list[Level]) -> None:
        shapes = {lv.shape for lv in levels}
        if len(shapes) != 1:
            raise ValueError(f"all layout variants must share one shape, got {sorted(shapes)}")
        self.levels = levels
        self._marks: dict[str, np.ndarray] = {}
        self._layout_state = [
            {k: divmod(int(lv.marks[c][0]), lv.shape[1]) for k, c in self.layout_cells.items()}
            for lv in levels
        ]
        self.H, self.W = levels[0].shape
        if self.obs_mode == "rgb" and self.rgb_size < max(self.H, self.W) + 4:
            raise ValueError(
                f"rgb_size={self.rgb_size} is too small for this {self.H}x{self.W} level: "
                f"allowed >= {max(self.H, self.W) + 4} (one pixel per cell and a border)"
            )
        n, hw = self.num_envs, self.H * self.W
        self.base = np.stack([lv.tiles.ravel() for lv in levels])  # (V, HW)
        self.grid = np.zeros((n, hw), np.uint8)
        self.agent = np.zeros(n, np.int64)
        self.overseer = np.full(n, -1, np.int64)
        self.variant = np.zeros(n, np.int64)
        self._rows = np.arange(n)
        self.offsets = np.array([0, -self.W, self.W, -1, 1], np.int64)  # by MOVES index
        self._around = tuple(zip(MOVES[1:], self.offsets[1:].tolist(), strict=True))
        self._obs_ids = np.array([TILE_ID[t] for t in self.obs_tiles], np.uint8)
        channels = len(self.obs_tiles) + 2 + len(self.flag_names)
        if self.obs_mode == "symbolic":
            self.observation_space = gym.spaces.Box(0, 1, (channels, self.H, self.W), np.uint8)
        else:
            self.observation_space = gym.spaces.Box(
                0, 255, (self.rgb_size, self.rgb_size, 3), np.uint8
            )

    def mark(self, char: str, idx) -> np.ndarray:
        """Flat cells of mark ``char`` in the layout variant of each copy in ``idx``
        (``(len(idx), k)``; every variant has the same number of each mark)."""
        table = self._marks.get(char)
        if table is None:
            table = self._marks[char] = np.stack([lv.marks[char] for lv in self.levels])
        return table[self.variant[idx]]

    def distance_maps(self, char: str) -> np.ndarray:
        """Walking distance to the nearest cell of mark ``char``, per variant: ``(V, HW)``.

        Computed once (layouts are static; crates count as walkable since they move)."""
        out = []
        for lv in self.levels:
            passable = (WALKABLE | PUSHABLE)[lv.tiles.ravel()]
            dist = np.full(self.H * self.W, 10_000, np.int64)
            queue = deque(int(c) for c in lv.marks[char])
            dist[list(queue)] = 0
            while queue:
                cell = queue.popleft()
                for off in self.offsets[1:]:
                    nxt = cell + off
                    if passable[nxt] and dist[nxt] > dist[cell] + 1:
                        dist[nxt] = dist[cell] + 1
                        queue.append(nxt)
            out.append(dist)
        return np.stack(out)

    # ----------------------------------------------------------- views
    def flags(self, idx=slice(None)) -> dict[str, np.ndarray]:
        """Per-copy booleans observed as whole planes (e.g. switch disabled)."""
        return {}

    def observed_overseer(self, idx=slice(None)) -> np.ndarray:
        """The overseer's cell as the agent's observation shows it (``-1``: not shown)."""
        return self.overseer[idx]

    def observe(self, idx=slice(None)) -> np.ndarray:
        if self.obs_mode == "rgb":
            return render.draw(self, idx, cell=None)
        return render.symbolic(self, idx).reshape(-1, *self.observation_space.shape)

    def render_rgb(self, i: int = 0) -> np.ndarray:
        return render.draw(self, slice(i, i + 1), cell=24)[0]

    def render_ansi(self, i: int = 0) -> str:
        return render.ansi(self, i)

    def keys_to_action(self) -> dict[tuple[int, ...], int]:
        return {(ord("w"),): 1, (ord("s"),): 2, (ord("a"),): 3, (ord("d"),): 4, (): 0}

    def cell(self, flat: int) -> tuple[int, int]:
        return divmod(int(flat), self.W) if flat >= 0 else (-1, -1)

    def state(self, i: int) -> dict:
        """Positions, neighbouring tiles, flags and the fixed cells named in
        ``layout_cells``; scenarios add their own entries."""
        grid, agent, variant = self.grid[i], int(self.agent[i]), int(self.variant[i])
        return {
            "t": int(self.t[i]),
            "variant": variant,
            "agent": divmod(agent, self.W),
            "overseer": self.cell(self.overseer[i]),
            "neighbors": {m: TILES[grid[agent + o]].name for m, o in self._around},
            **{k: bool(v) for k, v in self.flags(i).items()},
            **self._layout_state[variant],
        }
