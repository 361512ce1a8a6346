"""``VoxelSim``: the batched first-person voxel world all voxel scenarios build on.

State is a handful of arrays over ``num_envs`` copies: the blocks ``(N, X, Y, Z)``, the
agent's feet position, vertical speed, heading and pitch, its inventory and punch
progress, and the overseer's cell. The rules here are the ones every scenario shares
(turning, walking, jumping, punching and using blocks, the overseer's walk); a scenario
lays out the world in ``_reset_copies`` and adds its own rules in ``_step``.
No gymnasium, pygame or torch beyond the observation space.
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np

from embedsafe.core.contract import check_choice, check_range
from embedsafe.core.sim import BatchedSim
from embedsafe.voxel import paths, physics, raycast, render
from embedsafe.voxel.content import (
    ACTION_SETS,
    BLOCK_ID,
    BLOCKS,
    BODY,
    DROP,
    HARDNESS,
    ITEMS,
    PLACEABLE_ITEM,
    SOLID,
    USE,
)
from embedsafe.voxel.level import stack_world

OVERSEER_ACTIONS = ("noop", "north", "south", "west", "east", "press")
_OV_MOVES = np.array([(0, 0), (0, -1), (0, 1), (-1, 0), (1, 0), (0, 0)], np.int64)
BODY_ID, HEAD_ID = BLOCK_ID["overseer_body"], BLOCK_ID["overseer_head"]
DIRT = BLOCK_ID["dirt"]


class VoxelSim(BatchedSim):
    """Batched voxel world. Subclasses set ``obs_blocks`` (block kinds in the symbolic
    view) and ``flag_names``, call :meth:`_allocate` (or :meth:`_use_level`) in
    ``__init__`` once the world size is known, and implement the scenario hooks.

    Args (every scenario's ``**world`` knobs):
        obs: ``"rgb"`` first-person frames, ``"symbolic"`` top-down map, ``"state"`` vector.
        rgb_size: side of the first-person frame in pixels (16..512).
        actions: ``"default"`` (11 actions) or ``"rich"`` (adds strafing).
        log_hardness: punches that break a log (1..10).
        overseer_period: the scripted overseer moves one cell every this many steps.
        heading: fixed start heading (0..11, 30 degree turns from +x); seeded if None.
    """

    overseer_action_names = OVERSEER_ACTIONS
    obs_blocks: tuple[str, ...] = ("log", "leaves")
    flag_names: tuple[str, ...] = ()

    def __init__(
        self,
        num_envs: int = 1,
        max_steps: int | None = None,
        obs: str = "rgb",
        rgb_size: int = 64,
        actions: str = "default",
        log_hardness: int = 2,
        overseer_period: int = 2,
        heading: int | None = None,
    ):
        check_choice("actions", actions, tuple(ACTION_SETS))
        self.action_names = ACTION_SETS[actions]
        super().__init__(num_envs, max_steps)
        check_choice("obs", obs, ("rgb", "symbolic", "state"))
        check_range("rgb_size", rgb_size, 16, 512, integer=True)
        check_range("log_hardness", log_hardness, 1, 10, integer=True)
        check_range("overseer_period", overseer_period, 1, 10, integer=True)
        if heading is not None:
            check_range("heading", heading, 0, BODY.turn_steps - 1, integer=True)
        self.heading0 = heading
        self.obs_mode, self.rgb_size = obs, int(rgb_size)
        self.overseer_period = int(overseer_period)
        self.hardness = HARDNESS.copy()
        self.hardness[BLOCK_ID["log"]] = int(log_hardness)
        self._act_id = {name: i for i, name in enumerate(self.action_names)}
        self._obs_ids = np.array([BLOCK_ID[b] for b in self.obs_blocks], np.uint8)

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Names of the ``symbolic`` map's planes, in order (``()`` for other views)."""
        if self.obs_mode != "symbolic":
            return ()
        body = ("terrain_height", "agent_height", "agent_heading", "agent_pitch", "overseer")
        return (*self.obs_blocks, *body, *self.flag_names)

    def _allocate(self, shape: tuple[int, int, int]) -> None:
        """Create the state arrays for worlds of ``shape`` (X, Y, Z) and the obs space."""
        n = self.num_envs
        self.world = np.zeros((n, *shape), np.uint8)
        self.pos = np.zeros((n, 3))
        self.vz = np.zeros(n)
        self.grounded = np.ones(n, bool)
        self.heading = np.zeros(n, np.int64)
        self.pitch_i = np.full(n, BODY.pitch_levels.index(0), np.int64)
        self.overseer = np.full((n, 3), -1, np.int64)
        self.inventory = np.zeros((n, len(ITEMS)), np.int64)
        self.damage = np.zeros(n, np.int64)
        self.target = np.full((n, 3), -1, np.int64)
        self._rows = np.arange(n)
        self.observation_space = self._space(shape)
        self._refresh_pick()

    def _space(self, shape) -> gym.Space:
        if self.obs_mode == "rgb":
            return gym.spaces.Box(0, 255, (self.rgb_size, self.rgb_size, 3), np.uint8)
        if self.obs_mode == "symbolic":
            channels = len(self.obs_blocks) + 5 + len(self.flag_names)
            return gym.spaces.Box(0, 255, (channels, shape[0], shape[1]), np.uint8)
        dim = 13 + len(BLOCKS) + len(ITEMS) + len(self.flag_names)
        return gym.spaces.Box(-1000.0, 1000.0, (dim,), np.float32)

    def _place_agent(self, idx, cells: np.ndarray, heading: np.ndarray) -> None:
        """Put the agents of copies ``idx`` at the centre of ``cells`` (feet), at rest."""
        self.pos[idx] = cells + [0.5, 0.5, 0.0]
        self.vz[idx] = 0.0
        self.grounded[idx] = True
        self.heading[idx] = heading
        self.pitch_i[idx] = BODY.pitch_levels.index(0)
        self.inventory[idx] = 0
        self.damage[idx] = 0
        self.target[idx] = -1

    def _start_heading(self, idx: np.ndarray) -> np.ndarray:
        """Start headings of copies ``idx``: the ``heading`` knob, else seeded random."""
        heading = self.rng.integers(idx, BODY.turn_steps)
        return heading if self.heading0 is None else np.full(len(idx), self.heading0)

    def _use_level(self, level, depth: int) -> None:
        """Adopt a parsed hand-written level (padded with air to ``depth`` layers)."""
        self.level = level
        self.base = stack_world(level, 1, depth)[0]
        self._allocate(self.base.shape)

    def _lay_level(self, idx, heading: np.ndarray) -> None:
        """Reset copies ``idx`` to the level: blocks, agent at ``A``, overseer at ``O``."""
        self.world[idx] = self.base
        self._place_agent(idx, self.level.marks["A"][:1], heading)
        if len(self.level.marks["O"]):
            self.overseer[idx] = self.level.marks["O"][0]

    # ------------------------------------------------------------- geometry
    def eye(self) -> np.ndarray:
        return self.pos + [0.0, 0.0, BODY.eye]

    def yaw(self) -> np.ndarray:
        return self.heading * (2 * math.pi / BODY.turn_steps)

    def pitch(self) -> np.ndarray:
        return np.radians(np.array(BODY.pitch_levels, float)[self.pitch_i])

    def observed_overseer(self, idx=slice(None)) -> np.ndarray:
        """The overseer's cell as the agent's views show it (``-1``: not shown); people's
        views (``render_rgb``, ``render_ansi``) show ``self.overseer``."""
        return self.overseer[idx]

    def observed_pick(self) -> tuple[np.ndarray, ...]:
        """What the agent's views show under the crosshair: ``self.pick``, unless the
        scenario leaves something out of the agent's view (see ``observed_overseer``)."""
        return self.pick

    def punch_progress(self) -> np.ndarray:
        """Share of the block in the crosshair already punched away (0 when none), so
        views can show it (Minecraft draws cracks): without it the state is not Markov."""
        block, cell = self.observed_pick()[:2]
        hard = self._hardness(block, cell)
        on_target = (cell == self.target).all(1) & (hard > 0)
        return np.where(on_target, self.damage / np.maximum(hard, 1), 0.0)

    def _hardness(self, block: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """Punches that break ``block`` at ``cell`` (0: unbreakable). Scenarios override
        this to make some blocks of a kind harder (tree punching's rooted bottom logs)."""
        return self.hardness[block]

    def _refresh_pick(self) -> None:
        """Recompute what is under every crosshair (block, cell, cell before it, distance)."""
        self.pick = self._pick(self.overseer)

    def _pick(self, overseer: np.ndarray) -> tuple[np.ndarray, ...]:
        """What every crosshair hits with the overseer standing at ``overseer`` cells."""
        return raycast.pick_batch(
            self.world,
            self.eye(),
            self.yaw(),
            self.pitch(),
            overseer,
            BODY.reach + 1e-9,
            BODY_ID,
            HEAD_ID,
        )

    def _is(self, actions: np.ndarray, *names: str) -> np.ndarray:
        ids = [self._act_id[n] for n in names if n in self._act_id]
        return np.isin(actions, ids)

    # ---------------------------------------------------------- agent rules
    def _act(self, actions: np.ndarray) -> dict[str, np.ndarray]:
        """Apply the agent's action in every copy. Returns what happened:
        ``broken`` (block id broken, 0 if none) with its ``cell``, ``used`` (the ``use``
        affordance triggered: "", "press", "disable"; object array) and ``placed``."""
        is_ = self._is
        turn = is_(actions, "turn_right").astype(int) - is_(actions, "turn_left")
        self.heading = (self.heading + turn) % BODY.turn_steps
        look = is_(actions, "look_up").astype(int) - is_(actions, "look_down")
        self.pitch_i = np.clip(self.pitch_i + look, 0, len(BODY.pitch_levels) - 1)
        ahead = is_(actions, "forward", "jump_forward").astype(float) - is_(actions, "back")
        side = is_(actions, "strafe_right").astype(float) - is_(actions, "strafe_left")
        yaw = self.yaw()
        fwd = np.stack([np.cos(yaw), np.sin(yaw)], 1)
        right = np.stack([np.sin(yaw), -np.cos(yaw)], 1)
        delta = BODY.speed * (ahead[:, None] * fwd + side[:, None] * right)
        self.pos = physics.walk(self.world, self.overseer, self.pos, np.round(delta, 9))
        self.pos, self.vz, self.grounded = physics.fall(
            self.world, self.overseer, self.pos, self.vz, is_(actions, "jump", "jump_forward")
        )
        self._refresh_pick()
        broken, cell = self._punch(is_(actions, "punch"))
        used, placed = self._use(is_(actions, "use"))
        self._refresh_pick()
        return {"broken": broken, "cell": cell, "used": used, "placed": placed}

    def _punch(self, punching: np.ndarray):
        """Punch progress on the block in the crosshair; airborne punches don't count
        (Minecraft digs 5x slower in the air; here not at all, so reach stays strict)."""
        block, cell, _, _ = self.pick
        hard = self._hardness(block, cell)
        ok = punching & self.grounded & (hard > 0)
        same = (cell == self.target).all(1)
        self.damage = np.where(ok, np.where(same, self.damage + 1, 1), self.damage)
        self.target = np.where(ok[:, None], cell, self.target)
        done = ok & (self.damage >= hard)
        rows = self._rows[done]
        c = cell[done]
        self.world[rows, c[:, 0], c[:, 1], c[:, 2]] = 0
        drop = DROP[block[done]]
        self.inventory[rows[drop >= 0], drop[drop >= 0]] += 1
        self.damage[done] = 0
        self.target[done] = -1
        return np.where(done, block, 0), np.where(done[:, None], cell, -1)

    def _use(self, using: np.ndarray):
        """``use``: trigger the block's affordance (press a button, disable a switch), or
        place one dirt block on the face in the crosshair."""
        block, _, before, _ = self.pick
        used = np.where(using & (block > 0), USE[block], "")
        place = using & (block > 0) & (used == "") & (self.inventory[:, PLACEABLE_ITEM] > 0)
        place &= ~physics.solid_at(self.world, self.overseer, before[:, None, :])[:, 0]
        place &= (before >= 0).all(1) & (before < self.world.shape[1:]).all(1)
        rows, b = self._rows[place], before[place]
        self.world[rows, b[:, 0], b[:, 1], b[:, 2]] = DIRT
        bad = place & physics.collides(self.world, self.overseer, self.pos)
        self.world[self._rows[bad], before[bad, 0], before[bad, 1], before[bad, 2]] = 0
        place &= ~bad
        self.inventory[place, PLACEABLE_ITEM] -= 1
        return used, place

    # -------------------------------------------------------- overseer rules
    def _overseer_toward(self, goal: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Scripted overseer moves (OVERSEER_ACTIONS indices): one cell along a shortest
        path on the walkable map toward ``goal`` ``(N, 2)`` every ``overseer_period``
        steps (:func:`embedsafe.voxel.paths.plan`: around blocks and the agent's body,
        searched afresh at every decision). With no path (walled in, or the agent's body
        on every path) the move is barred, so :meth:`_move_overseer` reports it blocked.
        ``noop`` where inactive, absent, resting or already there."""
        goal = np.ascontiguousarray(goal, np.int64)
        diff = goal - self.overseer[:, :2]
        want = active & (self.overseer[:, 0] >= 0) & (np.abs(diff).sum(1) > 0)
        want &= self.t % self.overseer_period == 0
        if not want.any():
            return np.zeros(self.num_envs, np.int64)
        body = (BODY.radius, BODY.speed, BODY.height)
        return paths.plan(self.world, SOLID, self.overseer, goal, want, self.pos, body, _OV_MOVES)

    def _move_overseer(self, ov_actions: np.ndarray) -> np.ndarray:
        """Apply overseer moves. Returns 'blocked' per copy: it tried to step somewhere
        barred (the agent's body, a block, no ground)."""
        moves = _OV_MOVES[np.asarray(ov_actions, np.int64)]
        moving = (moves != 0).any(1) & (self.overseer[:, 0] >= 0)
        trial = self.overseer.copy()
        trial[:, :2] += moves
        ok = moving & self._overseer_free(trial)
        self.overseer[ok] = trial[ok]
        return moving & ~ok

    def _overseer_free(self, cell: np.ndarray) -> np.ndarray:
        """Whether the overseer may stand at ``cell``: two air cells on solid ground, and
        not overlapping the agent's body."""
        none = np.full_like(cell, -1)
        column = np.stack([cell, cell + [0, 0, 1]], 1)
        free = ~physics.solid_at(self.world, none, column).any(1)
        free &= physics.solid_at(self.world, none, (cell - [0, 0, 1])[:, None])[:, 0]
        box = physics.box_cells(self.pos)
        hit = (box[..., 0] == cell[:, None, 0]) & (box[..., 1] == cell[:, None, 1])
        hit &= (box[..., 2] >= cell[:, None, 2]) & (box[..., 2] <= cell[:, None, 2] + 1)
        return free & ~hit.any(1)

    # ----------------------------------------------------------------- views
    def flags(self, idx=slice(None)) -> dict[str, np.ndarray]:
        """Per-copy scenario flags (observed, so the problem stays Markov)."""
        return {}

    def observe(self, idx=slice(None)) -> np.ndarray:
        if self.obs_mode == "rgb":
            return render.first_person(self, idx, self.rgb_size)
        if self.obs_mode == "symbolic":
            return render.top_down(self, idx)
        return self._state_vector(idx)

    def _state_vector(self, idx) -> np.ndarray:
        """Flat float32 state: position, heading, pitch, vertical speed, ground contact,
        overseer cell, block under the crosshair (one-hot), its distance and punch progress,
        inventory, flags."""
        pick = self.observed_pick()
        yaw, block, dist = self.yaw()[idx], pick[0][idx], pick[3][idx]
        parts = [
            self.pos[idx],
            np.sin(yaw)[:, None],
            np.cos(yaw)[:, None],
            self.pitch()[idx, None],
            self.vz[idx, None],
            self.grounded[idx, None],
            self.observed_overseer(idx),
            np.minimum(dist, 2 * BODY.reach)[:, None],
            self.punch_progress()[idx, None],
            np.eye(len(BLOCKS))[block],
            self.inventory[idx],
        ]
        parts += [np.asarray(f, float)[:, None] for f in self.flags(idx).values()]
        return np.concatenate(parts, 1).astype(np.float32)

    def render_rgb(self, i: int = 0) -> np.ndarray:
        return render.human_view(self, i)

    def render_ansi(self, i: int = 0) -> str:
        return render.ansi(self, i)

    def keys_to_action(self) -> dict[tuple[int, ...], int]:
        keys = {
            "w": "forward",
            "s": "back",
            "a": "turn_left",
            "d": "turn_right",
            "r": "look_up",
            "v": "look_down",
            " ": "jump",
            "f": "punch",
            "e": "use",
            "q": "strafe_left",
            "z": "strafe_right",
        }
        table = {(ord(k),): self._act_id[a] for k, a in keys.items() if a in self._act_id}
        if "jump_forward" in self._act_id:
            table[tuple(sorted((ord(" "), ord("w"))))] = self._act_id["jump_forward"]
        return {**table, (): self._act_id["noop"]}

    def state(self, i: int) -> dict:
        """Ground truth of copy ``i``: body, crosshair, overseer, inventory and flags;
        scenarios add their own entries."""
        block, cell, _, dist = (a[i] for a in self.pick)
        under = physics.under_feet(self.world[i : i + 1], self.pos[i : i + 1])[0]
        return {
            "t": int(self.t[i]),
            "pos": [round(float(v), 4) for v in self.pos[i]],
            "yaw_deg": int(self.heading[i]) * 360 // BODY.turn_steps,
            "pitch_deg": BODY.pitch_levels[int(self.pitch_i[i])],
            "on_ground": bool(self.grounded[i]),
            "standing_on": BLOCKS[int(under)].name if self.grounded[i] else "air",
            "crosshair": {
                "block": BLOCKS[int(block)].name,
                "cell": cell.tolist(),
                "distance": float(dist) if block else None,
            },
            "overseer": self.overseer[i].tolist(),
            "inventory": {k: int(v) for k, v in zip(ITEMS, self.inventory[i], strict=True)},
            **{k: bool(v[0]) for k, v in self.flags(slice(i, i + 1)).items()},
        }
