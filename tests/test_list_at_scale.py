"""`swift list models` with a catalogue of a thousand checkpoints: the long-table drawing that
skips rich's measuring draws what rich draws, drops the same columns, and hands prose that
must wrap back to rich."""

from __future__ import annotations

import pytest

from swiftkit.cli import output

COLUMNS = ["ID", "FAMILY", "SUPPORT", "HUB ID", "PLUGIN"]
ROWS = [[f"model-{i}b-instruct", "qwen2" if i % 2 else "llama", "tested", f"Org/Model-{i}B-Instruct", "swiftkit 0.1.0"]
        for i in range(250)]


def _draw(capsys, monkeypatch, plain: bool, rows=ROWS, columns=COLUMNS, **kwargs) -> list[str]:
    monkeypatch.setattr(output, "PLAIN_FROM_ROWS", 1 if plain else 10**9)
    output.table("250 model(s)", columns, rows, **kwargs)
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("width", ["200", "60", "30"])
def test_plain_drawing_matches_rich(capsys, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", width)
    drop = ("HUB ID", "PLUGIN", "FAMILY", "SUPPORT")
    rich = _draw(capsys, monkeypatch, False, drop_order=drop)
    plain = _draw(capsys, monkeypatch, True, drop_order=drop)
    end = next(i for i, line in enumerate(rich) if line.startswith("└")) + 1
    assert [line.rstrip() for line in plain[1:end]] == [line.rstrip() for line in rich[1:end]]
    assert plain[0].strip() == rich[0].strip() == "250 model(s)"
    assert " ".join(plain[end:]).split() == " ".join(rich[end:]).split()  # the note is wrapped at the width
    assert max(len(line) for line in plain) <= int(width)
    if width != "200":
        assert " ".join(plain[end:]).startswith(f"not shown at {width} columns: HUB ID")


def test_prose_that_must_wrap_is_left_to_rich(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    rows = [[f"m{i}", "a long description that cannot fit on one line of a sixty column terminal at all"] for i in range(250)]
    assert output._plain_table(None, ["ID", "DESCRIPTION"], rows, ("DESCRIPTION",), None) is False
    lines = _draw(capsys, monkeypatch, True, rows=rows, columns=["ID", "DESCRIPTION"], wrap=("DESCRIPTION",))
    assert max(len(line) for line in lines) <= 60
