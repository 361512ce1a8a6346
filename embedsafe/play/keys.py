"""Keyboard and mouse handling for human play: pure and windowless (no pygame here).

Input arrives as :class:`InputEvent` values that name keys the way ``pygame.key.name``
does (``"w"``, ``"up"``, ``"space"``, ``"escape"``, ``"left shift"``, ``"[+]"``...), plus a
few mouse pseudo-keys: ``"click left"``, ``"click right"`` (buttons) and ``"look left"``,
``"look right"``, ``"look up"``, ``"look down"`` (mouse motion past a threshold, used for
mouse look in the voxel world). :class:`KeyHandler` turns each frame's events into one
:class:`Tick`: the action of the human's role and the commands (pause, restart...).

Bindings per role:
    agent     the world's own ``sim.keys_to_action()`` (what ``gymnasium.utils.play`` uses),
              plus mouse pseudo-keys for actions named like ``turn_left`` / ``attack``;
    overseer  by action name (``up``→w/↑, ``press``→e, ...), digits for other names.
A key bound to an action shadows a command on the same key, except ``escape`` (quit).

Key config (``--keys CONFIG.yaml``); every section and entry is optional, and an entry
replaces the default keys of that action or command::

    agent:
      up: [w, up]          # action name: a key name or a list of them
      right: d
    overseer:
      press: space         # "a+b" binds a chord (both keys held)
    commands:
      pause: p
      quit: [escape, q]
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MOUSE_KEYS = ("click left", "click right", "look left", "look right", "look up", "look down")
KEY_NAMES: tuple[str, ...] = (
    *string.ascii_lowercase,
    *string.digits,
    *"-=[];',./`\\+",
    "space",
    "return",
    "tab",
    "escape",
    "backspace",
    "up",
    "down",
    "left",
    "right",
    "left shift",
    "right shift",
    "left ctrl",
    "right ctrl",
    "left alt",
    "right alt",
    "[+]",
    "[-]",
    *MOUSE_KEYS,
)
_SPECIAL_CODES = {  # pygame/SDL2 key codes of non-printable keys (SDLK_* values)
    8: "backspace",
    9: "tab",
    13: "return",
    27: "escape",
    32: "space",
    1073741903: "right",
    1073741904: "left",
    1073741905: "down",
    1073741906: "up",
    1073742048: "left ctrl",
    1073742049: "left shift",
    1073742050: "left alt",
    1073742052: "right ctrl",
    1073742053: "right shift",
    1073742054: "right alt",
    1073741911: "[+]",
    1073741910: "[-]",
}
COMMANDS = ("quit", "pause", "restart", "faster", "slower", "step")
DEFAULT_COMMAND_KEYS: dict[str, tuple[str, ...]] = {
    "quit": ("escape", "q"),
    "pause": ("space", "p"),
    "restart": ("r", "backspace"),
    "faster": ("=", "+", "[+]"),
    "slower": ("-", "[-]"),
    "step": ("n",),
}
# Default keys of an action, by its name (overseer, and worlds without keys_to_action).
NAME_KEYS: dict[str, tuple[str, ...]] = {
    "up": ("w", "up"),
    "north": ("w", "up"),
    "forward": ("w", "up"),
    "move_forward": ("w", "up"),
    "down": ("s", "down"),
    "south": ("s", "down"),
    "back": ("s", "down"),
    "backward": ("s", "down"),
    "west": ("a", "left"),
    "east": ("d", "right"),
    "left": ("a", "left"),
    "strafe_left": ("a", "left"),
    "move_left": ("a", "left"),
    "right": ("d", "right"),
    "strafe_right": ("d", "right"),
    "move_right": ("d", "right"),
    "press": ("e",),
    "use": ("e",),
    "interact": ("e",),
    "place": ("click right",),
    "punch": ("f", "click left"),
    "attack": ("f", "click left"),
    "jump": ("space",),
    "turn_left": ("j", "look left"),
    "look_left": ("j", "look left"),
    "turn_right": ("l", "look right"),
    "look_right": ("l", "look right"),
    "look_up": ("i", "look up"),
    "look_down": ("k", "look down"),
}
MOUSE_STEP = 6  # pixels of mouse motion per "look" tap


@dataclass(frozen=True)
class InputEvent:
    """``kind``: ``"down"``, ``"up"`` (key or mouse button), ``"motion"`` (``rel`` in
    pixels) or ``"quit"`` (window closed)."""

    kind: str
    key: str = ""
    rel: tuple[int, int] = (0, 0)


def down(key: str) -> InputEvent:
    return InputEvent("down", key)


def up(key: str) -> InputEvent:
    return InputEvent("up", key)


def key_name(code: int | str) -> str:
    """Name of a ``keys_to_action`` key (an ``ord()``/pygame code or a character)."""
    if isinstance(code, str):
        return "space" if code == " " else code.lower()
    if code in _SPECIAL_CODES:
        return _SPECIAL_CODES[code]
    if 33 <= code < 127:
        return chr(code).lower()
    raise ValueError(f"key code {code!r} has no name; known names: {', '.join(KEY_NAMES)}")


def check_key(key: str, where: str) -> str:
    if key not in KEY_NAMES:
        raise ValueError(
            f"unknown key name {key!r} in {where}; valid names: "
            f"{', '.join(repr(k) for k in KEY_NAMES)}"
        )
    return key


def parse_chord(text: str, where: str) -> frozenset[str]:
    """``"w"`` → {w}; ``"w+space"`` → {w, space}; ``"+"`` is the plus key."""
    parts = [text] if text in ("+", "[+]") else str(text).split("+")
    return frozenset(check_key(p.strip().lower(), where) for p in parts)


@dataclass
class Tick:
    """What one frame of input means: the role's action and the commands issued."""

    action: int
    commands: list[str] = field(default_factory=list)
    keys: frozenset[str] = frozenset()


class KeyHandler:
    """Events in, :class:`Tick` out. ``bindings`` maps chords (frozensets of key names) to
    action indices; ``commands`` maps key names to command names."""

    def __init__(
        self,
        action_names: Sequence[str],
        bindings: Mapping[frozenset[str], int],
        commands: Mapping[str, str] | None = None,
        noop: int = 0,
    ):
        self.action_names = tuple(action_names)
        self.bindings = {frozenset(k): int(v) for k, v in bindings.items() if k}
        bound = set().union(*self.bindings) if self.bindings else set()
        commands = dict(commands if commands is not None else _default_command_map())
        self.commands = {k: c for k, c in commands.items() if k not in bound or k == "escape"}
        self.noop = noop
        self.held: dict[str, int] = {}  # key -> order pressed
        self._taps: dict[str, int] = {}  # pressed and released (or mouse look) this frame
        self._clock = 0
        self._mouse = [0, 0]

    def update(self, events: Iterable[InputEvent]) -> Tick:
        """Feed one frame's events; return the frame's action and commands."""
        commands: list[str] = []
        for ev in events:
            self._clock += 1
            if ev.kind == "quit":
                commands.append("quit")
            elif ev.kind == "down":
                if ev.key in self.commands:
                    commands.append(self.commands[ev.key])
                else:
                    self.held[ev.key] = self._clock
            elif ev.kind == "up":
                if ev.key in self.held:
                    self._taps[ev.key] = self.held.pop(ev.key)
            elif ev.kind == "motion":
                self._mouse[0] += ev.rel[0]
                self._mouse[1] += ev.rel[1]
        self._mouse_taps()
        active = {**self._taps, **self.held}
        self._taps = {}
        return Tick(self._resolve(active), commands, frozenset(active))

    def _mouse_taps(self) -> None:
        dx, dy = self._mouse
        if max(abs(dx), abs(dy)) < MOUSE_STEP:
            return
        if abs(dx) >= abs(dy):
            key = "look right" if dx > 0 else "look left"
        else:
            key = "look down" if dy > 0 else "look up"
        self._taps[key] = self._clock
        self._mouse = [0, 0]

    def _resolve(self, active: dict[str, int]) -> int:
        """The biggest bound chord among the active keys; ties go to the latest key."""
        best, rank = self.noop, (-1, -1)
        for chord, action in self.bindings.items():
            if chord <= active.keys():
                r = (len(chord), max(active[k] for k in chord))
                if r > rank:
                    best, rank = action, r
        return best

    def reset(self) -> None:
        self.held.clear()
        self._taps.clear()
        self._mouse = [0, 0]

    def help_lines(self) -> list[str]:
        """``key: action`` lines for the on-screen control list."""
        by_action: dict[int, list[str]] = {}
        for chord, action in self.bindings.items():
            by_action.setdefault(action, []).append("+".join(sorted(chord)))
        lines = [
            f"{'/'.join(sorted(keys))}: {self.action_names[a]}"
            for a, keys in sorted(by_action.items())
        ]
        by_cmd: dict[str, list[str]] = {}
        for key, cmd in self.commands.items():
            by_cmd.setdefault(cmd, []).append(key)
        return lines + [f"{'/'.join(keys)}: {cmd}" for cmd, keys in by_cmd.items()]

    @property
    def uses_mouse_look(self) -> bool:
        return any(k.startswith("look ") for chord in self.bindings for k in chord)


def _default_command_map() -> dict[str, str]:
    return {k: cmd for cmd, keys in DEFAULT_COMMAND_KEYS.items() for k in keys}


def bindings_from_keys_to_action(k2a: Mapping[tuple, int]) -> dict[frozenset[str], int]:
    """Gymnasium's ``keys_to_action`` (tuples of codes or characters) as chords of names."""
    return {frozenset(key_name(c) for c in codes): int(a) for codes, a in k2a.items() if codes}


def bindings_by_name(
    action_names: Sequence[str], *, mouse_only: bool = False
) -> dict[frozenset[str], int]:
    """Default chords for actions from their names; digits for names with no default."""
    out: dict[frozenset[str], int] = {}
    digits = iter("1234567890")
    for i, name in enumerate(action_names):
        keys = NAME_KEYS.get(name, ())
        if mouse_only:
            keys = tuple(k for k in keys if k in MOUSE_KEYS)
        elif not keys and name != "noop":
            keys = (next(digits, ""),)
        out.update({frozenset([k]): i for k in keys if k})
    return out


def noop_index(action_names: Sequence[str]) -> int:
    return list(action_names).index("noop") if "noop" in action_names else 0


def role_bindings(sim, role: str, action_names: Sequence[str]) -> dict[frozenset[str], int]:
    """Default bindings of ``role`` in ``sim`` (see the module docstring)."""
    if role == "agent":
        try:
            k2a = sim.keys_to_action()
        except (AttributeError, NotImplementedError):
            k2a = None
        if k2a:
            return {
                **bindings_by_name(action_names, mouse_only=True),
                **bindings_from_keys_to_action(k2a),
            }
    return bindings_by_name(action_names)


def load_key_config(path: str | Path) -> dict:
    """Read a key-config YAML file (format in the module docstring); checked later by
    :func:`make_handler`, which knows the action names."""
    try:
        with open(path) as fh:
            data = yaml.safe_load(fh) or {}
    except OSError as err:
        raise ValueError(f"--keys {path}: cannot read it ({err.strerror})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        first = str(err).strip().splitlines()[0]
        raise ValueError(f"--keys {path} is not valid YAML: {first}") from None
    if not isinstance(data, dict):
        raise ValueError(
            f"key config {path}: expected a mapping with sections "
            f"'agent', 'overseer', 'commands'; got {type(data).__name__}"
        )
    return data


def _entries(section: Mapping, where: str, allowed: Sequence[str]):
    if not isinstance(section, Mapping):
        raise ValueError(f"{where} must be a mapping of name: key(s)")
    for name, keys in section.items():
        if name not in allowed:
            raise ValueError(f"unknown name {name!r} in {where}; allowed: {', '.join(allowed)}")
        if not isinstance(keys, str | int | list | None) or isinstance(keys, bool):
            raise ValueError(f"{where}.{name} must be a key name or a list of them, got {keys!r}")
        keys = [keys] if isinstance(keys, str | int) else list(keys or [])
        yield name, [parse_chord(str(k), f"{where}.{name}") for k in keys]


def make_handler(
    sim, role: str, action_names: Sequence[str], config: Mapping | None = None
) -> KeyHandler:
    """The :class:`KeyHandler` for a human playing ``role``, defaults overridden by
    ``config`` (a parsed key-config mapping)."""
    config = dict(config or {})
    unknown = set(config) - {"agent", "overseer", "commands"}
    if unknown:
        raise ValueError(
            f"unknown section(s) {sorted(unknown)} in key config; "
            "allowed: agent, overseer, commands"
        )
    bindings = role_bindings(sim, role, action_names)
    for name, chords in _entries(config.get(role) or {}, f"key config '{role}'", action_names):
        index = list(action_names).index(name)
        bindings = {c: a for c, a in bindings.items() if a != index}
        bindings.update({c: index for c in chords})
    commands = dict(DEFAULT_COMMAND_KEYS)
    for name, chords in _entries(config.get("commands") or {}, "key config 'commands'", COMMANDS):
        if any(len(c) != 1 for c in chords):
            raise ValueError(f"key config 'commands'.{name}: commands take single keys")
        commands[name] = tuple(next(iter(c)) for c in chords)
    command_map = {k: cmd for cmd, keys in commands.items() for k in keys}
    return KeyHandler(action_names, bindings, command_map, noop=noop_index(action_names))
