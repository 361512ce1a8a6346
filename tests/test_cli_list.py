"""`embedsafe list` is the first command a new user runs: it must not wait for torch."""

import subprocess
import sys

import embedsafe


def test_list_prints_every_id_without_importing_torch():
    code = (
        "import sys; from embedsafe.cli import main; rc = main(['list']); "
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH'); sys.exit(rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("NO-TORCH")
    for row in embedsafe.rows():
        assert row.id in out.stdout
