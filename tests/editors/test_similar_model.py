"""Similar questions' fitted model as data: loaded from its file, installed, written by
`qasearch eval rqe --fit/--calibrate --write`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from indexer.cli import cli
from indexer.editors.similar import FEATURES, model


def test_the_data_file_says_where_it_came_from_and_has_every_feature():
    data = json.loads(model.WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert next(iter(data)) == "source" and "qasearch eval rqe" in data["source"]
    m = model.load()
    for sc in (m.lexical, m.semantic):
        assert set(sc.weights) == set(FEATURES)
        assert 0.0 < sc.threshold < 1.0
    assert m.lexical.weights["semantic"] == 0.0 and m.semantic.weights["semantic"] > 0.0


def test_save_and_load_round_trip(tmp_path):
    m = model.load()
    path = tmp_path / "w.json"
    model.save(m, path)
    assert model.load(path) == m


def test_installed_threshold_changes_the_flag_and_reset_restores_it(sample_qi, weights_file):
    text = "Is it safe to have acupuncture in early pregnancy? I worry about miscarriage."
    assert sample_qi.search(text, limit=1)[0].likely_answered
    lex = model.scoring(False)
    model.install(model.Scoring(lex.weights, lex.calibration, 1.01), semantic=False)
    assert not sample_qi.search(text, limit=1)[0].likely_answered
    assert model.scoring(True) == model.load().semantic  # the other mode is untouched
    model.reset()
    assert sample_qi.search(text, limit=1)[0].likely_answered


def test_write_needs_something_fitted():
    out = CliRunner().invoke(cli, ["eval", "rqe", "--write"])
    assert out.exit_code == 2 and "--fit or --calibrate" in out.output


def test_calibrate_write_saves_the_model_with_its_source(shared_dir, weights_file):
    before = model.load(weights_file)
    out = CliRunner().invoke(cli, ["eval", "rqe", "--calibrate", "--write", "--format", "json",
                                   "--shared", str(shared_dir)])
    assert out.exit_code == 0, out.output
    after = model.load(weights_file)
    assert "qasearch eval rqe --calibrate --write" in after.source
    assert after.lexical.weights == before.lexical.weights  # calibration only
    assert after.semantic == before.semantic  # the mode not refitted keeps its values
    assert after.lexical == model.scoring(False)  # what was measured is what was written
