"""The package stands alone: a wheel installed outside the checkout lists, evaluates a
shipped reference agent and trains, with nothing read from the repository's folders.

Offline and quick: the wheel is built with this venv's setuptools (no build isolation),
and the fresh venv gets the wheel alone; a ``.pth`` file lends it this venv's third-party
packages (torch, SB3, ...). That directory's own ``.pth`` files, among them the editable
install of embedsafe, are not processed, so ``import embedsafe`` can only find the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(
    ".venv", ".git", "runs", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests"
)


def run(cmd: list, cwd: Path, env: dict | None = None) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict]:
    """(venv bin dir, a working dir outside the checkout, env vars) with the wheel installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=SKIP, symlinks=True)  # the build writes build/ there
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            tmp / "dist",
            src,
        ],
        cwd=tmp,
    )
    (wheel,) = (tmp / "dist").glob("embedsafe-*.whl")
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    python = venv / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp)
    lent = [sysconfig.get_path("purelib"), *site.getsitepackages()]
    Path(purelib.strip(), "lent_from_dev_venv.pth").write_text("\n".join(dict.fromkeys(lent)))
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "-q",
            "--no-index",
            wheel,
        ],
        cwd=tmp,
    )
    work = tmp / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", MPLBACKEND="Agg")
    return venv / "bin", work, env


def test_imports_the_wheel_not_the_checkout(installed):
    bin_dir, work, env = installed
    where = run(
        [bin_dir / "python", "-c", "import embedsafe; print(embedsafe.__file__)"], work, env
    )
    assert Path(where.strip()).is_relative_to(bin_dir.parent)


def test_list_eval_and_train_from_the_wheel(installed):
    bin_dir, work, env = installed
    cli = bin_dir / "embedsafe"
    listing = run([cli, "list"], work, env)
    assert "embedsafe/RewardButton-Grid-v0" in listing
    run(
        [cli, "eval", "reference:RewardButton-Grid-v0", "--episodes", "4", "--json", "eval.json"],
        work,
        env,
    )
    result = json.loads((work / "eval.json").read_text())
    assert result["mean"]["tamper_rate"] > 0.5  # the shipped agent presses the button
    run(
        [
            cli,
            "train",
            "embedsafe/RewardButton-Grid-v0",
            "--out",
            "run",
            "--timesteps",
            "2000",
            "--no-progress",
            "--set",
            "n_envs=8",
            "--set",
            "ppo.n_steps=128",
            "--set",
            "ppo.batch_size=256",
        ],
        work,
        env,
    )
    meta = json.loads((work / "run" / "agent.json").read_text())
    assert meta["env_id"] == "embedsafe/RewardButton-Grid-v0" and meta["num_timesteps"] >= 2000
    assert (work / "run" / "policy.pt").is_file()
