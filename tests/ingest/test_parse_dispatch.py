"""parse_paths classifies its inputs and sends each to the right reader; the parse command."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from indexer.cli import cli
from indexer.ingest.parse import classify, parse_paths
from indexer.ingest.parse.merge import slug_of
from indexer.records import Record, read_jsonl, write_jsonl
from tests.site import SAMPLE_STORE

SCRAPED = SAMPLE_STORE
ITEM = ("www.askacupuncture.example/ask-an-expert/sleep/insomnia/item/"
        "128-insomina-for-years.html")

MEDQUAD_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000042" source="NIDDK" url="https://example.org/topic">
<Focus>Heartburn</Focus>
<QAPairs>
<QAPair pid="1"><Question qid="0000042-1" qtype="information">What is heartburn ?</Question>
<Answer>Heartburn is a burning feeling in the chest.</Answer></QAPair>
<QAPair pid="3"><Question qid="0000042-3" qtype="treatment">How to treat heartburn ?</Question>
<Answer></Answer></QAPair>
</QAPairs>
</Document>
"""


def test_classify_by_kind(tmp_path):
    xml = tmp_path / "0000042.xml"
    xml.write_text(MEDQUAD_XML, encoding="utf-8")
    csv = tmp_path / "judged-answers.csv"
    csv.write_text("AnswerID,Answer\n", encoding="utf-8")
    cases = {
        "page.html": "k2", "Page-2.html@start%3D5": "k2", "index": "k2", "dump.txt": "text",
        "records.jsonl": "jsonl", "page.html.meta.json": "skip", "photo.png": "skip",
    }
    for name, kind in cases.items():
        assert classify(tmp_path / name) == kind, name
    assert classify(xml) == "medquad"
    assert classify(csv) == "judged"


def test_mixed_inputs_in_one_run(tmp_path, shared_dir):
    xml_dir = tmp_path / "medquad"
    xml_dir.mkdir()
    (xml_dir / "0000042.xml").write_text(MEDQUAD_XML, encoding="utf-8")
    (xml_dir / "readme.txt").write_text("About these files.\n", encoding="utf-8")
    records = tmp_path / "extra.jsonl"
    write_jsonl([Record(id="kept-id", question="Kept?", answer="Yes, as given.")], records)
    seed = shared_dir / "seeds" / "000_8dc044ae94b30b21.txt"
    result = parse_paths([SCRAPED, seed, records, xml_dir])
    kinds = result.by_kind
    assert kinds == {"archive": 45 + 5, "jsonl": 1, "medquad": 1}
    ids = [r.id for r in result.records]
    assert "kept-id" in ids and "NIDDK_0000042_Sec1" in ids
    assert len(ids) == len(set(ids))
    with_empty = parse_paths([xml_dir], include_empty=True)
    assert [r.id for r in with_empty.records] == ["NIDDK_0000042_Sec1", "NIDDK_0000042_Sec2"]


def test_store_page_without_sidecar_gets_its_url_from_the_layout(tmp_path):
    store = tmp_path / "store"
    target = store / ITEM
    target.parent.mkdir(parents=True)
    shutil.copy(SCRAPED / ITEM, target)  # no .meta.json beside it
    (rec,) = parse_paths([store]).records
    assert rec.url == "https://" + ITEM
    assert rec.id == "askacupuncture-128"
    assert rec.category == ["sleep", "insomnia"]


def test_progress_reports_every_file():
    seen = []
    result = parse_paths([SCRAPED], report=lambda path, done, total: seen.append((done, total)))
    assert seen[-1] == (result.files, result.files)
    assert [d for d, _ in seen] == list(range(1, result.files + 1))


def test_cli_parse_writes_records_and_a_summary(tmp_path):
    out = tmp_path / "out" / "records.jsonl"
    runner = CliRunner()
    res = runner.invoke(cli, ["parse", str(SCRAPED), "--out", str(out)])
    assert res.exit_code == 0, res.output
    records = list(read_jsonl(out))
    assert len(records) == 45
    assert "45 records" in res.stderr and "merged" in res.stderr
    assert "Page-2.html" in res.stderr and "cut short" in res.stderr  # problems listed
    assert res.stdout == ""


def test_cli_parse_to_stdout_and_quiet(tmp_path):
    dump = tmp_path / "d.txt"
    dump.write_text("Q: One?\nA: Yes.\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["parse", str(dump), "--quiet"])
    assert res.exit_code == 0
    (line,) = res.stdout.splitlines()
    assert json.loads(line)["question"] == "One?"


def test_cli_parse_fails_only_when_nothing_parsed(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    out = tmp_path / "r.jsonl"
    res = CliRunner().invoke(cli, ["parse", str(empty), str(tmp_path / "missing"),
                                   "--out", str(out)])
    assert res.exit_code == 1
    assert "nothing parsed" in res.stderr and "empty file" in res.stderr
    assert "no such file" in res.stderr
    assert not out.exists()
    good = tmp_path / "d.txt"
    good.write_text("Q: One?\nA: Yes.\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["parse", str(empty), str(good), "--out", str(out)])
    assert res.exit_code == 0 and len(list(read_jsonl(out))) == 1


def test_cli_parse_help():
    res = CliRunner().invoke(cli, ["parse", "--help"])
    assert res.exit_code == 0 and "--out" in res.output and "--include-empty" in res.output


def test_loose_page_takes_its_url_from_the_canonical_link(tmp_path):
    loose = tmp_path / "saved-page.html"
    shutil.copy(SCRAPED / ITEM, loose)
    (rec,) = parse_paths([loose]).records
    assert rec.id == "askacupuncture-128" and rec.url == "https://" + ITEM
    bare = tmp_path / "bare.html"
    bare.write_bytes((SCRAPED / ITEM).read_bytes().replace(b'rel="canonical"', b'rel="x"'))
    (rec,) = parse_paths([bare]).records
    # no URL to take it from, but the item's own print link (K2 markup) carries the id
    assert rec.source == "k2" and rec.item_id == "128" and rec.id == "k2-128"
    nothing = tmp_path / "nothing.html"
    nothing.write_bytes(bare.read_bytes().replace(b"item/128-insomina-for-years.html?", b"x?"))
    (rec,) = parse_paths([nothing]).records
    # no id anywhere: a slug of the title, never a text hash
    assert rec.item_id == "" and rec.id == "k2-" + slug_of(rec.title)
    assert len(rec.id) > len("k2-") + 12 and "-" in rec.id[3:]
    assert rec.question.startswith("I have had insomina for years.")
