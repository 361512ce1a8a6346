"""The human-play loop: a pygame window on the multi-agent env, the human as one agent.

The picture is ``sim.render_rgb(0)`` scaled up; a side panel shows the controls, observed
vs true reward and the safety events. The loop is drivable without a keyboard: pass
``events`` (a callable ``frame -> list[InputEvent]``) and ``max_frames``; with
``SDL_VIDEODRIVER=dummy`` it runs headless (that is how the tests drive it).
"""

from __future__ import annotations

import math
import os
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embedsafe.multiagent import AGENT, AGENTS, OVERSEER, act, parallel_env
from embedsafe.play.keys import InputEvent, Tick, make_handler
from embedsafe.play.opponent import opponent_for
from embedsafe.play.record import Recorder, check_record_path

EventSource = Callable[[int], Iterable[InputEvent]]
PANEL_W, VIEW, LINE = 340, 512, 17
MIN_FPS, MAX_FPS = 1.0, 240.0
WHITE, GREY, YELLOW = (235, 235, 235), (150, 150, 160), (240, 210, 90)
RED, GREEN = (240, 90, 80), (110, 220, 120)


@dataclass
class Hud:
    """What the side panel shows; updated after every step."""

    seed: int = 0
    ret: float = 0.0
    true_ret: float = 0.0
    last_reward: float = 0.0
    last_true: float = 0.0
    events: dict[str, int] = field(default_factory=dict)
    last_events: dict[str, int] = field(default_factory=dict)
    reason: str = "running"
    last_episode: str = ""

    def new_episode(self, safety_events) -> None:
        self.ret = self.true_ret = self.last_reward = self.last_true = 0.0
        self.events = dict.fromkeys(safety_events, 0)
        self.last_events = {}
        self.reason = "running"

    def after_step(self, reward: float, info: dict) -> None:
        self.last_reward, self.last_true = reward, info["true_reward"]
        self.ret += reward
        self.true_ret += info["true_reward"]
        self.last_events = {k: v for k, v in info["safety"].items() if v}
        for k, v in info["safety"].items():
            self.events[k] = self.events.get(k, 0) + v
        self.reason = info["termination_reason"]


@dataclass
class PlayResult:
    frames: int
    steps: int
    episodes: int  # episodes finished in the world
    recording: Path | None
    interrupted: str | None = None  # the signal that ended the session (SIGINT, ...)


def pygame_events(pygame) -> EventSource:
    """Real keyboard/mouse input, as :class:`InputEvent` values."""
    buttons = {1: "click left", 3: "click right"}

    def source(_frame: int) -> list[InputEvent]:
        out = []
        for ev in pygame.event.get():
            if ev.type == pygame.QUIT:
                out.append(InputEvent("quit"))
            elif ev.type in (pygame.KEYDOWN, pygame.KEYUP):
                kind = "down" if ev.type == pygame.KEYDOWN else "up"
                out.append(InputEvent(kind, pygame.key.name(ev.key).lower()))
            elif ev.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP) and ev.button in buttons:
                kind = "down" if ev.type == pygame.MOUSEBUTTONDOWN else "up"
                out.append(InputEvent(kind, buttons[ev.button]))
            elif ev.type == pygame.MOUSEMOTION:
                out.append(InputEvent("motion", rel=tuple(ev.rel)))
        return out

    return source


def play(
    env_id: str,
    role: str = AGENT,
    *,
    opponent: str | Path | None = None,
    record: str | Path | None = None,
    fps: float = 8.0,
    seed: int | None = None,
    keys: dict | None = None,
    events: EventSource | None = None,
    max_frames: int | None = None,
    force: bool = False,
    **knobs: Any,
) -> PlayResult:
    """Play ``env_id`` as ``role`` (``"agent"`` or ``"overseer"``) in a pygame window.

    Args:
        opponent: checkpoint of a trained policy for the other side (default: the scripted
            overseer when playing the agent, a seeded random agent when playing the overseer).
        record: write the session to this ``.npz`` (format: :mod:`embedsafe.play.record`);
            saved after every episode and when the session ends, also by Ctrl-C, SIGTERM
            or SIGHUP. An existing file is refused unless ``force``.
        fps: world steps per second (``+``/``-`` change it; 0 = as fast as possible).
        seed: episode ``k`` is reset with ``seed + k`` (random base seed if None).
        keys: a parsed key config (:func:`embedsafe.play.keys.load_key_config`).
        events: input source (frame index -> events); default: the real keyboard and mouse.
        max_frames: stop after this many frames (scripted runs, tests).
        knobs: the scenario's constructor knobs.
    """
    if role not in AGENTS:
        raise ValueError(f"role={role!r} is not allowed; play as one of {list(AGENTS)}")
    if not isinstance(fps, int | float) or not math.isfinite(fps) or not 0 <= fps <= MAX_FPS:
        raise ValueError(
            f"fps={fps!r} is not allowed: a number from 0 to {MAX_FPS:g} (0 = as fast as possible)"
        )
    if record is not None:
        record = check_record_path(record, force)
    env = parallel_env(env_id, **knobs)
    sim = env.sim
    handler = make_handler(sim, role, env.action_names[role], keys)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    side, other, other_label = opponent_for(env, role, opponent, seed)
    recorder = None
    if record is not None:
        recorder = Recorder(
            env.env_id,
            tuple(sim.safety_events),
            {
                "knobs": knobs,
                "human_role": role,
                "opponent": other_label,
                "action_names": {a: list(env.action_names[a]) for a in AGENTS},
            },
        )

    import pygame  # only human play imports pygame: rendering stays a pure function of state

    pygame.display.init()
    pygame.font.init()
    stop = _StopSignals()  # after pygame: SDL installs its own SIGINT/SIGTERM handlers
    try:
        screen = pygame.display.set_mode((VIEW + PANEL_W, VIEW))
        pygame.display.set_caption(f"embedsafe play: {env.env_id} as {role}")
        if handler.uses_mouse_look and events is None:
            pygame.event.set_grab(True)
            pygame.mouse.set_visible(False)
        font = pygame.font.Font(None, 20)
        source = events or pygame_events(pygame)
        clock = pygame.time.Clock()
        hud = Hud()
        episode, frames, steps, finished = 0, 0, 0, 0
        paused = False
        obs = _reset(env, hud, recorder, seed)
        while (max_frames is None or frames < max_frames) and not stop.signal:
            tick: Tick = handler.update(source(frames))
            if "quit" in tick.commands:
                break
            if "restart" in tick.commands:
                _end(recorder, env, complete=False)
                episode += 1
                handler.reset()
                obs = _reset(env, hud, recorder, seed + episode)
            paused ^= tick.commands.count("pause") % 2 == 1
            fps = _speed(fps, tick.commands)
            if not paused or "step" in tick.commands:
                actions = {role: tick.action, side: act(other, obs[side])}
                before = obs[AGENT]
                obs, rew, term, trunc, infos = env.step(actions)
                steps += 1
                hud.after_step(rew[AGENT], infos[AGENT])
                if recorder:
                    recorder.add(
                        before, actions, rew[AGENT], infos[AGENT], term[AGENT], trunc[AGENT]
                    )
                if term[AGENT] or trunc[AGENT]:
                    finished += 1
                    _end(recorder, env, complete=True)
                    _save(recorder, record, env)  # a finished episode is on disk at once
                    hud.last_episode = _summary(infos[AGENT].get("episode_safety", {}))
                    episode += 1
                    obs = _reset(env, hud, recorder, seed + episode)
            _draw(pygame, screen, font, env, hud, handler, role, other_label, paused, fps, episode)
            pygame.display.flip()
            clock.tick(fps)
            frames += 1
        _end(recorder, env, complete=False)
        path = _save(recorder, record, env)
        return PlayResult(frames, steps, finished, path, stop.signal)
    finally:
        stop.restore()
        pygame.display.quit()


class _StopSignals:
    """Turns SIGINT, SIGTERM and SIGHUP into a flag the loop checks every frame, so the
    session ends between steps and the recording is saved whole (main thread only)."""

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self):
        self.signal: str | None = None
        self._old: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for name in self.NAMES:
            if hasattr(signal, name):
                num = getattr(signal, name)
                self._old[num] = signal.signal(num, self._catch)

    def _catch(self, signum, _frame) -> None:
        self.signal = signal.Signals(signum).name

    def restore(self) -> None:
        for num, handler in self._old.items():  # None: a C handler (SDL's), not ours to keep
            signal.signal(num, signal.SIG_DFL if handler is None else handler)


def _save(recorder: Recorder | None, record: Path | None, env) -> Path | None:
    if recorder is None:
        return None
    space = env.observation_space(AGENT)
    return recorder.save(record, space.shape, space.dtype)


def _reset(env, hud: Hud, recorder: Recorder | None, seed: int) -> dict:
    obs, _ = env.reset(seed=seed)
    hud.new_episode(env.sim.safety_events)
    hud.seed = seed
    if recorder:
        recorder.begin_episode(seed)
    return obs


def _end(recorder: Recorder | None, env, complete: bool) -> None:
    if recorder:
        recorder.end_episode(env.sim.observe(slice(0, 1))[0], complete)


def _speed(fps: float, commands: list[str]) -> float:
    for cmd in commands:
        if cmd == "faster":
            fps = min(MAX_FPS, max(fps, MIN_FPS) * 1.5)
        elif cmd == "slower":
            fps = max(MIN_FPS, fps / 1.5) if fps else 30.0
    return fps


def _summary(agg: dict) -> str:
    keep = {k: v for k, v in agg.items() if isinstance(v, int | float) and v}
    return ", ".join(
        f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in keep.items()
    )


def _draw(
    pygame, screen, font, env, hud: Hud, handler, role, other_label, paused, fps, episode
) -> None:
    frame = np.ascontiguousarray(env.sim.render_rgb(0)[..., :3])
    h, w = frame.shape[:2]
    scale = VIEW / max(h, w)
    surface = pygame.surfarray.make_surface(frame.swapaxes(0, 1))
    screen.fill((16, 16, 22))
    screen.blit(pygame.transform.scale(surface, (int(w * scale), int(h * scale))), (0, 0))
    other = OVERSEER if role == AGENT else AGENT
    lines = [
        (env.env_id, WHITE),
        (f"you: {role}   {other}: {other_label}", WHITE),
        *(
            [("no overseer in this scenario: you can only watch", YELLOW)]
            if role == OVERSEER and not env.has_overseer
            else []
        ),
        (
            f"episode seed {hud.seed}  t={int(env.sim.t[0])}/{env.sim.max_steps}  "
            f"fps={fps:.0f}{'  PAUSED' if paused else ''}",
            YELLOW if paused else GREY,
        ),
        (f"observed reward {hud.last_reward:+.2f}   return {hud.ret:.2f}", GREEN),
        (f"true reward     {hud.last_true:+.2f}   return {hud.true_ret:.2f}", WHITE),
        ("safety events (episode):", GREY),
        *[
            (f"  {k}: {v}{'  <- now' if k in hud.last_events else ''}", RED if v else GREY)
            for k, v in hud.events.items()
        ],
        (f"termination: {hud.reason}", GREY),
    ]
    if hud.last_episode:
        lines.append((f"last episode: {hud.last_episode}"[:52], GREY))
    lines.append(("controls:", GREY))
    lines += [(f"  {text}"[:52], WHITE) for text in handler.help_lines()]
    y = 6
    for text, color in lines:
        screen.blit(font.render(text, True, color), (VIEW + 8, y))
        y += LINE


def headless() -> None:
    """Use SDL's dummy video driver (no window), e.g. for tests and smoke runs."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
