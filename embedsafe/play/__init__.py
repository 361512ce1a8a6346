"""Human play: a person as the agent or as the overseer, in a pygame window.

- :mod:`embedsafe.play.keys`: the windowless key handler, bindings per world, YAML config;
- :mod:`embedsafe.play.loop`: the pygame loop (:func:`play`), drivable by scripted events;
- :mod:`embedsafe.play.record`: the ``.npz`` recording format and :func:`load_recording`;
- :mod:`embedsafe.play.cli`: ``embedsafe play <env-id> ...``.

pygame is imported lazily, only when a window opens.
"""

from embedsafe.play.keys import InputEvent, KeyHandler, load_key_config, make_handler
from embedsafe.play.loop import PlayResult, play
from embedsafe.play.record import Recorder, Recording, load_recording

__all__ = [
    "InputEvent",
    "KeyHandler",
    "PlayResult",
    "Recorder",
    "Recording",
    "load_key_config",
    "load_recording",
    "make_handler",
    "play",
]
