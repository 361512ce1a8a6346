"""Human play refuses bad input in one line before a window opens, and never loses a
recording: Ctrl-C, SIGTERM and SIGHUP end the session cleanly with the file saved."""

from __future__ import annotations

import os
import signal

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402

from embedsafe.cli import main  # noqa: E402
from embedsafe.play import load_recording, play  # noqa: E402
from embedsafe.play.keys import down  # noqa: E402

GRID = "embedsafe/RewardButton-Grid-v0"


def walk(_frame):
    return [down("d")]


@pytest.mark.parametrize("fps", ["nan", "inf", "-1", "1e9"])
def test_bad_fps_is_one_line(fps, capsys):
    assert main(["play", GRID, f"--fps={fps}", "--max-frames", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "fps=" in err and "0 to 240" in err
    with pytest.raises(ValueError, match="fps="):
        play(GRID, fps=float(fps), max_frames=1)


def test_record_path_refused_before_playing(tmp_path):
    def never(_frame):
        raise AssertionError("the game started")

    with pytest.raises(ValueError, match="is a directory"):
        play(GRID, record=tmp_path, events=never, max_frames=5)
    with pytest.raises(ValueError, match="does not exist"):
        play(GRID, record=tmp_path / "no" / "me.npz", events=never, max_frames=5)
    existing = tmp_path / "mine.npz"
    existing.write_bytes(b"a user's file")
    with pytest.raises(ValueError, match="--force"):
        play(GRID, record=existing, events=never, max_frames=5)
    assert existing.read_bytes() == b"a user's file"
    play(GRID, record=existing, events=walk, max_frames=3, fps=0, seed=0, force=True)
    assert load_recording(existing).num_steps == 3


def test_cli_refuses_existing_recording(tmp_path, capsys):
    existing = tmp_path / "mine.npz"
    existing.write_bytes(b"keep")
    assert main(["play", GRID, "--record", str(existing), "--max-frames", "1"]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert existing.read_bytes() == b"keep"


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_signal_saves_the_recording(tmp_path, name):
    path = tmp_path / "r.npz"

    def source(frame):
        if frame == 7:
            os.kill(os.getpid(), getattr(signal, name))
        return [down("d")]

    before = signal.getsignal(signal.SIGINT)
    result = play(GRID, record=path, events=source, max_frames=50, fps=0, seed=0)
    assert result.interrupted == name and result.frames == 8
    assert load_recording(path).num_steps == 8
    assert signal.getsignal(signal.SIGINT) is before  # handlers restored


def test_cli_signal_is_clean(tmp_path, capsys, monkeypatch):
    import embedsafe.play.loop as loop

    def interrupted(_frame):
        os.kill(os.getpid(), signal.SIGINT)
        return []

    monkeypatch.setattr(loop, "pygame_events", lambda _pygame: interrupted)
    rec = tmp_path / "c.npz"
    assert main(["play", GRID, "--fps", "0", "--record", str(rec)]) == 130
    out = capsys.readouterr()
    assert "stopped by SIGINT" in out.out and "recording saved" in out.out
    assert "Traceback" not in out.err and rec.is_file()


def test_ctrl_c_before_the_window_is_one_line(capsys, monkeypatch):
    import embedsafe.play.loop as loop

    def interrupt(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop, "parallel_env", interrupt)
    assert main(["play", GRID, "--max-frames", "1"]) == 130
    assert capsys.readouterr().err.strip() == "embedsafe play: interrupted"


def test_finished_episodes_are_on_disk_during_play(tmp_path):
    path = tmp_path / "r.npz"
    seen = []

    def source(frame):
        if frame == 12:  # two 5-step episodes have ended
            seen.append(load_recording(path).num_episodes)
        return [down("d")]

    play(GRID, record=path, events=source, max_frames=13, fps=0, seed=0, max_steps=5)
    assert seen == [2]


@pytest.mark.parametrize(
    ("text", "message"),
    [("agent: [w\n", "not valid YAML"), ("agent:\n  up: {a: 1}\n", "key name or a list")],
)
def test_malformed_keys_file(tmp_path, text, message, capsys):
    keys = tmp_path / "keys.yaml"
    keys.write_text(text)
    assert main(["play", GRID, "--keys", str(keys), "--max-frames", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert main(["play", GRID, "--keys", str(tmp_path), "--max-frames", "1"]) == 2
    assert "cannot read it" in capsys.readouterr().err
