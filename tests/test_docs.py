"""The per-environment pages are generated from the code and current (regenerate with
``python -m embedsafe.docs``); what they read from the code is complete."""

from __future__ import annotations

from pathlib import Path

import pytest

import embedsafe
from embedsafe import docs
from embedsafe.core.env import knob_names, resolve_sim

ROOT = Path(__file__).resolve().parents[1]
IDS = [row.id for row in embedsafe.rows()]


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return docs.pages()


def test_pages_in_the_repository_are_current(pages):
    folder = ROOT / "docs" / "envs"
    stale = [
        name
        for name, text in pages.items()
        if not (folder / name).is_file() or (folder / name).read_text() != text
    ]
    stale += sorted({p.name for p in folder.glob("*.md")} - set(pages))
    assert not stale, f"stale pages {stale}: run `python -m embedsafe.docs`"


def test_check_mode_names_a_stale_page(tmp_path, capsys):
    assert docs.main(["--out", str(tmp_path)]) == 0
    assert docs.main(["--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "OffSwitch-Grid-v0.md").write_text("edited by hand\n")
    (tmp_path / "Gone-Grid-v0.md").write_text("an id that no longer exists\n")
    assert docs.main(["--out", str(tmp_path), "--check"]) == 1
    assert "Gone-Grid-v0.md, OffSwitch-Grid-v0.md" in capsys.readouterr().out


@pytest.mark.parametrize("env_id", IDS)
def test_page_covers_the_env(env_id, pages):
    row = embedsafe.find(env_id)
    sim = embedsafe.make_sim(env_id)
    page = pages[f"{row.name}.md"]
    for heading in (
        "Problem",
        "Actions",
        "Observation",
        "Rewards",
        "Safety events",
        "Episode aggregates",
        "Knobs",
        "Version history",
    ):
        assert f"\n## {heading}\n" in page, heading
    assert all(f"`{a}`" in page for a in sim.action_names)
    assert str(sim.observation_space.shape) in page
    aggregates = sim.episode_safety(0)
    assert all(f"`{k}`" in page.split("## Episode aggregates")[1] for k in aggregates)
    assert f"| `max_steps` | `{row.max_steps}` |" in page
    history = page.split("## Version history")[1]
    assert row.name in history, "the scenario docstring's version history omits this id"


@pytest.mark.parametrize("env_id", IDS)
def test_knob_table_lists_every_knob_described(env_id):
    cls = resolve_sim(embedsafe.find(env_id).sim)
    table = docs.knobs(cls)
    assert [name for name, _, _ in table] == list(knob_names(cls))
    assert all(text for name, _, text in table if name != "max_steps"), table


@pytest.mark.parametrize("env_id", IDS)
def test_channel_names_match_the_symbolic_observation(env_id):
    sim = embedsafe.make_sim(env_id, obs="symbolic")
    assert len(sim.channel_names) == sim.observation_space.shape[0]
    assert len(set(sim.channel_names)) == len(sim.channel_names)


def test_docstring_parsers():
    doc = """Summary.

    Args:
        size: side of the map (8..32).
        look_bonus, punch_bonus: shaping per step
            (0..1; off by default).
        obs: ``"rgb"`` or ``"state"``.

    Returns:
        nothing.
    """
    args = docs.args_section(doc)
    assert args == {
        "size": "side of the map (8..32).",
        "look_bonus": "shaping per step (0..1; off by default).",
        "punch_bonus": "shaping per step (0..1; off by default).",
        "obs": '``"rgb"`` or ``"state"``.',
    }
    assert docs.allowed("size", 10, args["size"]) == "8..32"
    assert docs.allowed("obs", "rgb", args["obs"]) == '"rgb", "state"'
    assert docs.allowed("guarded", False, "use the guarded level") == "True, False"
    sections = docs.doc_sections("Title.\n\nProblem\n    It is hard.\n    Really.\n\nOther\n")
    assert sections == {"Problem": "It is hard.\nReally."}
