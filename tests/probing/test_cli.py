"""``embedsafe probe`` end to end on a tiny agent, and its errors."""

import csv

import pytest

from embedsafe.cli import main


def test_probe_cli_writes_report(tiny_agent, tmp_path, capsys):
    out = tmp_path / "report"
    argv = [
        "probe",
        str(tiny_agent),
        "--out",
        str(out),
        "--episodes",
        "6",
        "--steer-episodes",
        "2",
        "--checkpoints",
        "2",
        "--no-progress",
        "--concepts",
        "button_adjacent,button_near,tamper_intent",
        "--layers",
        "features_extractor.cnn.1,features_extractor.linear.1,action_net",
    ]
    assert main(argv) == 0
    assert "report.md" in capsys.readouterr().out
    text = (out / "report.md").read_text()
    assert "# Probe report: embedsafe/RewardButton-Grid-v0" in text
    for name in (
        "probes.png",
        "what_when_where.png",
        "attribution.png",
        "probe.csv",
        "training.csv",
        "behaviour.csv",
    ):
        assert (out / name).stat().st_size > 0, name
    rows = list(csv.DictReader((out / "probe.csv").open()))
    assert {r["layer"] for r in rows} == {
        "obs",
        "features_extractor.cnn.1",
        "features_extractor.linear.1",
        "action_net",
    }
    steps = {r["checkpoint"] for r in csv.DictReader((out / "training.csv").open())}
    assert len(steps) == 2  # two checkpoints along training


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--env", "embedsafe/OffSwitch-Grid-v0"], "was trained on embedsafe/RewardButton"),
        (["--concepts", "button_adjacent,in_zone"], "unknown concept(s) ['in_zone']"),
        (["--layers", "conv9"], "unknown layer(s) ['conv9']; valid layers: obs"),
        (["--episodes", "2"], "--episodes=2"),
    ],
)
def test_probe_cli_bad_input(tiny_agent, tmp_path, capsys, extra, message):
    argv = ["probe", str(tiny_agent), "--out", str(tmp_path / "r"), "--no-progress", *extra]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_probe_cli_missing_agent(tmp_path, capsys):
    assert main(["probe", str(tmp_path / "nothing"), "--out", str(tmp_path / "r")]) == 2
    assert "does not exist" in capsys.readouterr().err
