"""Generation is atomic: files appear complete or not at all, truth.json labels only a finished extract, and a run regenerates what is unfinished, broken or of another scale or seed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import regeval.generate
from regeval.generate import generate_register, writer
from regeval.pipeline import RunConfig, ensure_register, why_generate

SCALE, SEED = 0.01, 3


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny generated register."""
    out = tmp_path_factory.mktemp("tiny") / "synthetic"
    generate_register(out, SCALE, SEED)
    return out


def config(data_dir: Path, scale: float = SCALE, seed: int = SEED) -> RunConfig:
    """A run that generates into data_dir when needed."""
    return RunConfig(
        data_dir=data_dir,
        db_path=data_dir.parent / "regeval.duckdb",
        report_dir=data_dir.parent / "report",
        publish_dir=data_dir.parent / "publish",
        generate_if_missing=True,
        scale=scale,
        seed=seed,
    )


def copy(tiny: Path, tmp_path: Path) -> Path:
    """A copy of the tiny register to spoil."""
    target = tmp_path / "synthetic"
    shutil.copytree(tiny, target)
    return target


def test_complete_register_is_kept(tiny: Path) -> None:
    """A complete register of the chosen scale and seed is not generated again."""
    assert why_generate(config(tiny)) is None


def test_killed_write_leaves_earlier_file(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write killed half-way leaves the earlier file whole and no temporary file."""
    data = copy(tiny, tmp_path)
    path = data / "sick_leave_quarters.parquet"
    before = path.read_bytes()

    def killed(table, where, **_):
        Path(where).write_bytes(b"PAR1 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(writer.pq, "write_table", killed)
    columns = {
        "county_code": np.array([0, 1]),
        "quarter_start": np.array([15000, 15090]),
        "sick_leave_pct": np.array([5.0, 6.0]),
    }
    with pytest.raises(KeyboardInterrupt):
        writer.write(data, "sick_leave_quarters", columns)
    assert path.read_bytes() == before
    assert sorted(p.name for p in data.iterdir() if p.name.startswith(".")) == []


def test_interrupted_generation_is_not_labelled(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generation stopped after its first table leaves no truth.json, and the next run generates again."""
    data = copy(tiny, tmp_path)
    written = []

    def stop_after_first(out_dir, table, columns):
        if written:
            raise KeyboardInterrupt
        written.append(table)
        return original(out_dir, table, columns)

    original = writer.write
    monkeypatch.setattr(writer, "write", stop_after_first)
    with pytest.raises(KeyboardInterrupt):
        generate_register(data, 0.02, 4)
    assert not (data / "truth.json").exists()
    assert "did not finish" in why_generate(config(data, 0.02, 4))


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        ("truncate", "sick_leave_quarters.parquet cannot be read as parquet (truncated?)"),
        ("delete", "aap_months is missing from"),
        (
            "scale",
            "was generated with scale 0.01 and seed 3; REGEVAL_SCALE / REGEVAL_SEED ask for scale 0.5 and seed 3",
        ),
        (
            "seed",
            "was generated with scale 0.01 and seed 3; REGEVAL_SCALE / REGEVAL_SEED ask for scale 0.01 and seed 9",
        ),
        ("rollout", "was generated with another planted roll-out (rollout_2012_jobseekers)"),
    ],
)
def test_run_regenerates_what_is_broken_or_different(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: str, reason: str
) -> None:
    """A truncated or missing table, a different REGEVAL_SCALE / REGEVAL_SEED or an earlier planted roll-out makes the run generate again, saying why."""
    data = copy(tiny, tmp_path)
    scale, seed = SCALE, SEED
    if spoil == "truncate":
        path = data / "sick_leave_quarters.parquet"
        path.write_bytes(path.read_bytes()[:100])
    elif spoil == "delete":
        (data / "aap_months.parquet").unlink()
    elif spoil == "rollout":
        truth = json.loads((data / "truth.json").read_text())
        truth["rollout_2012_jobseekers"]["adoption"].pop("02")
        (data / "truth.json").write_text(json.dumps(truth))
    elif spoil == "scale":
        scale = 0.5
    else:
        seed = 9
    calls = []
    monkeypatch.setattr(regeval.generate, "generate_register", lambda *a, **k: calls.append(a[1:3]))
    assert reason in why_generate(config(data, scale, seed))
    ensure_register(config(data, scale, seed))
    assert calls == [(scale, seed)]


def test_truth_records_scale_and_seed(tiny: Path) -> None:
    """truth.json records the scale and seed it was generated with."""
    truth = json.loads((tiny / "truth.json").read_text())
    assert (truth["scale"], truth["seed"]) == (SCALE, SEED)
