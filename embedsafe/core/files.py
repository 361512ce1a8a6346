"""Writing files so that a kill never leaves half of one: write a temporary name, rename.

``os.replace`` is atomic on POSIX and Windows when both names are in one directory, so a
reader sees either the old file or the whole new one, never a 0-byte or truncated file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_open(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary file handle to write ``path`` in full; renamed into place on success, and
    the temporary file removed on any error (the old ``path``, if any, stays as it was)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Call ``write(fh)`` on a temporary file and rename it to ``path``."""
    with atomic_open(path) as fh:
        write(fh)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda fh: fh.write(text.encode()))
