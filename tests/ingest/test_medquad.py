"""MedQuAD reader: inline samples of each XML layout, the judged-answers CSV, and the whole
corpus from ../shared (parsed once per session)."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from indexer.ingest.parse.medquad import (
    clean_answer,
    is_judged_csv,
    is_medquad_xml,
    parse_medquad,
    read_judged_answers,
    title_from_url,
)

DOCUMENT = """<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000001" source="GARD" url="https://rarediseases.info.nih.gov/gard/1/x">
<Focus>Kniest dysplasia</Focus>
<FocusAnnotations>
  <UMLS><CUIs><CUI>C0265279</CUI></CUIs><SemanticGroup>Disorders</SemanticGroup></UMLS>
  <Synonyms><Synonym>Kniest syndrome</Synonym><Synonym>Metatropic dwarfism II</Synonym></Synonyms>
</FocusAnnotations>
<QAPairs>
  <QAPair pid="1">
    <Question qid="0000001-1" qtype="information">What is (are) Kniest dysplasia ?</Question>
    <Answer>Kniest dysplasia is a disorder of bone growth.</Answer>
  </QAPair>
  <QAPair pid="3">
    <Question qid="0000001-3" qtype="symptoms">What are the symptoms of Kniest dysplasia ?
    </Question>
    <Answer></Answer>
  </QAPair>
  <QAPair pid="7">
    <Question qid="0000001-7" qtype="susceptibility"
      >Who is at risk for Kniest dysplasia? ?</Question>
    <Answer>People whose   parents carry the gene.</Answer>
  </QAPair>
</QAPairs>
</Document>
"""

NINDS_DOC = """<?xml version="1.0" encoding="UTF-8"?>
<doc docid="0000007" corpus="NINDS" url="http://www.ninds.nih.gov/disorders/holmes_adie/holmes_adie.htm">
<doctitle-focus>Holmes-Adie</doctitle-focus>
<umls><cui>C0151848</cui><semanticType></semanticType><semanticGroup></semanticGroup></umls>
<qaPairs>
<pair pid="1">
<question qid="0000007-1" qtype="information">what is holmes-adie syndrome ?</question>
<answer>Holmes-Adie syndrome (HAS) is a neurological disorder.\xa0 It affects the pupil.</answer>
</pair>
<pair pid="2">
<question qid="0000007-2" qtype="treatment">what are the treatments for holmes-adie ?</question>
<answer>Glasses may help.</answer>
</pair>
</qaPairs>
</doc>
"""

DISEASE_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<DiseaseFile fid="0000397" source="CDC" url="http://www.cdc.gov/parasites/taeniasis/">
<Focus>Parasites - Taeniasis</Focus>
<UMLS><CUI></CUI><SemanticType></SemanticType><SemanticGroup></SemanticGroup></UMLS>
<QAPairs>
<QAPair pid="1">
<Question qid="0000397-1" qtype="information">What is (are) Parasites - Taeniasis ?</Question>
<Answer>Taeniasis in humans is a parasitic infection.

Persons who don&apos;t eat raw pork are not likely to get taeniasis.</Answer>
</QAPair>
</QAPairs>
</DiseaseFile>
"""

HERBS = """<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000099" source="MPlusHerbsSupplements" url="https://medlineplus.gov/druginfo/natural/794.html">
<Focus>5-HTP</Focus>
<QAPairs>
<QAPair pid="1"><Question qid="0000099-1" qtype="information">What is 5-HTP ?</Question>
<Answer></Answer></QAPair>
<QAPair pid="2"><Question qid="0000099-2" qtype="dose">How much 5-HTP ?</Question>
<Answer/></QAPair>
</QAPairs>
</Document>
"""

EMPTY_FOCUS = """<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000424" source="CDC" url="http://www.cdc.gov/HAI/organisms/vre/vre.html">
<Focus></Focus>
<QAPairs>
<QAPair pid="1"><Question qid="0000424-1" qtype="information">What is (are)  ?</Question>
<Answer>Enterococci are bacteria.</Answer></QAPair>
</QAPairs>
</Document>
"""

JUDGED_CSV = (
    "AnswerID,Answer\n"
    'MPlusHerbsSuppls_0000099_Sec1.txt,"Question: What is 5-HTP ?\n'
    "URL: https://medlineplus.gov/druginfo/natural/794.html\n"
    "Answer: 5-HTP is a chemical by-product of L-tryptophan (an amino acid).  "
    '- It is used for sleep disorders.) \n"\n'
    'MPlusHerbsSuppls_0000099_Sec1.txt,"Question: What is 5-HTP ?\n'
    "URL: https://medlineplus.gov/druginfo/natural/794.html\n"
    'Answer: 5-HTP is a chemical by-product of L-tryptophan (an amino acid).) \n"\n'
    'GARD_0000001_Sec1.txt,"Question: What is (are) Kniest dysplasia ?\n'
    "URL: https://rarediseases.info.nih.gov/gard/1/x\n"
    'Answer: A DIFFERENT TEXT that must not replace the XML answer.) \n"\n'
    'ADAM_0003147_Sec2.txt,"Question: What causes Polycystic ovary syndrome ? '
    "(Also called: Polycystic ovaries; Stein-Leventhal syndrome)\n"
    "URL: https://www.nlm.nih.gov/medlineplus/ency/article/000369.htm\n"
    'Answer: PCOS is linked to changes in hormone levels.) \n"\n'
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "medquad"
    write(root / "2_GARD_QA" / "0000001.xml", DOCUMENT)
    write(root / "6_NINDS_QA" / "0000007.xml", NINDS_DOC)
    write(root / "9_CDC_QA" / "0000397.xml", DISEASE_FILE)
    write(root / "9_CDC_QA" / "0000424.xml", EMPTY_FOCUS)
    write(root / "12_MPlusHerbsSupplements_QA" / "0000099.xml", HERBS)
    return root


def by_id(records) -> dict:
    out = {}
    for rec in records:
        assert rec.id not in out, f"duplicate id {rec.id}"
        out[rec.id] = rec
    return out


# --------------------------------------------------------------------------- XML layouts

def test_ids_count_pairs_in_file_order_not_pid(tree: Path) -> None:
    recs = by_id(parse_medquad([tree / "2_GARD_QA" / "0000001.xml"], include_empty=True))
    assert list(recs) == ["GARD_0000001_Sec1", "GARD_0000001_Sec2", "GARD_0000001_Sec3"]
    assert recs["GARD_0000001_Sec3"].item_id == "0000001-7"  # pid 7, third pair


def test_document_fields_kept(tree: Path) -> None:
    rec = by_id(parse_medquad([tree]))["GARD_0000001_Sec1"]
    assert rec.question == "What is (are) Kniest dysplasia ?"
    assert rec.answer == "Kniest dysplasia is a disorder of bone growth."
    assert rec.title == rec.focus == "Kniest dysplasia"
    assert rec.synonyms == ["Kniest syndrome", "Metatropic dwarfism II"]
    assert rec.cuis == ["C0265279"]
    assert rec.qtype == "information"
    assert rec.url == "https://rarediseases.info.nih.gov/gard/1/x"
    assert rec.source == "GARD"
    assert rec.categories == [["Genetic and rare diseases", "General information"]]
    assert rec.content_hash


def test_question_kept_as_given_and_answer_spaces_folded(tree: Path) -> None:
    rec = by_id(parse_medquad([tree]))["GARD_0000001_Sec3"]
    assert rec.question == "Who is at risk for Kniest dysplasia? ?"
    assert rec.answer == "People whose parents carry the gene."
    assert rec.categories == [["Genetic and rare diseases", "Who is at risk"]]


def test_empty_answers_skipped_by_default_kept_on_request(tree: Path) -> None:
    default = by_id(parse_medquad([tree]))
    assert "GARD_0000001_Sec2" not in default
    assert all(rec.answer for rec in default.values())
    kept = by_id(parse_medquad([tree], include_empty=True))
    assert kept["GARD_0000001_Sec2"].answer == ""
    assert kept["GARD_0000001_Sec2"].qtype == "symptoms"


def test_ninds_doc_pair_layout(tree: Path) -> None:
    recs = by_id(parse_medquad([tree / "6_NINDS_QA"]))
    assert set(recs) == {"NINDS_0000007_Sec1", "NINDS_0000007_Sec2"}
    rec = recs["NINDS_0000007_Sec1"]
    assert rec.source == "NINDS"
    assert rec.focus == rec.title == "Holmes-Adie"
    assert rec.cuis == ["C0151848"]
    assert rec.question == "what is holmes-adie syndrome ?"
    assert rec.answer == (
        "Holmes-Adie syndrome (HAS) is a neurological disorder. It affects the pupil."
    )
    assert recs["NINDS_0000007_Sec2"].categories == [["Neurological disorders", "Treatment"]]


def test_cdc_disease_file_layout(tree: Path) -> None:
    rec = by_id(parse_medquad([tree / "9_CDC_QA" / "0000397.xml"]))["CDC_0000397_Sec1"]
    assert rec.focus == "Parasites - Taeniasis"
    assert rec.cuis == []
    assert rec.answer == (
        "Taeniasis in humans is a parasitic infection.\n"
        "Persons who don't eat raw pork are not likely to get taeniasis."
    )


def test_empty_focus_gets_a_title_from_the_url(tree: Path) -> None:
    rec = by_id(parse_medquad([tree / "9_CDC_QA" / "0000424.xml"]))["CDC_0000424_Sec1"]
    assert rec.focus == ""
    assert rec.title == "VRE"
    assert rec.question == "What is (are) ?"
    assert title_from_url("http://www.cdc.gov/vaccines/") == "Vaccines"
    url = "http://www.cdc.gov/HAI/organisms/visa_vrsa/visa_vrsa.html"
    assert title_from_url(url) == "VISA VRSA"


def test_herbs_supplements_id_prefix(tree: Path) -> None:
    recs = by_id(parse_medquad([tree / "12_MPlusHerbsSupplements_QA"], include_empty=True))
    assert set(recs) == {"MPlusHerbsSuppls_0000099_Sec1", "MPlusHerbsSuppls_0000099_Sec2"}
    rec = recs["MPlusHerbsSuppls_0000099_Sec2"]
    assert rec.source == "MPlusHerbsSuppls"
    assert rec.categories == [["Herbs and supplements", "Dosage"]]


def test_directory_walk_is_sorted_and_skips_dot_dirs(tree: Path) -> None:
    write(tree / ".cache" / "0000001.xml", DOCUMENT.replace('source="GARD"', 'source="Hidden"'))
    ids = [rec.id for rec in parse_medquad([tree])]
    assert ids == [
        "GARD_0000001_Sec1",
        "GARD_0000001_Sec3",
        "NINDS_0000007_Sec1",
        "NINDS_0000007_Sec2",
        "CDC_0000397_Sec1",
        "CDC_0000424_Sec1",
    ]


def test_same_path_twice_is_read_once(tree: Path) -> None:
    problems: list = []
    recs = list(parse_medquad([tree, tree / "2_GARD_QA" / "0000001.xml"], problems=problems))
    assert len(recs) == len({r.id for r in recs})
    assert problems == []


def test_duplicate_id_from_another_file_is_reported(tree: Path, tmp_path: Path) -> None:
    copy = write(tmp_path / "copy" / "0000001.xml", DOCUMENT)
    problems: list = []
    recs = list(parse_medquad([tree / "2_GARD_QA", copy], problems=problems))
    assert len(recs) == 2
    assert len(problems) == 1  # one report for the file, naming its three ids
    assert "3 pair(s) skipped" in problems[0].message
    assert "GARD_0000001_Sec1" in problems[0].message
    assert Path(problems[0].path) == copy


def test_malformed_and_foreign_xml_reported_rest_parsed(tree: Path) -> None:
    write(tree / "5_NIDDK_QA" / "0000002.xml", DOCUMENT.replace("</QAPairs>", ""))
    write(tree / "5_NIDDK_QA" / "0000003.xml", "<?xml version='1.0'?><rss><channel/></rss>")
    write(tree / "5_NIDDK_QA" / "0000004.xml", "")
    problems: list = []
    recs = by_id(parse_medquad([tree, tree / "missing.xml"], problems=problems))
    assert "GARD_0000001_Sec1" in recs and "NINDS_0000007_Sec2" in recs
    messages = {Path(p.path).name: p.message for p in problems}
    assert set(messages) == {"0000002.xml", "0000003.xml", "0000004.xml", "missing.xml"}
    assert "not well-formed" in messages["0000002.xml"]
    assert "not a MedQuAD document" in messages["0000003.xml"]
    assert "no such file" in messages["missing.xml"]


# --------------------------------------------------------------------------- judged answers

def test_judged_csv_fills_missing_answers_only(tree: Path, tmp_path: Path) -> None:
    csv_path = write(tmp_path / "judged-answers.csv", JUDGED_CSV)
    recs = by_id(parse_medquad([tree], [csv_path]))
    herb = recs["MPlusHerbsSuppls_0000099_Sec1"]
    assert herb.answer == (
        "5-HTP is a chemical by-product of L-tryptophan (an amino acid).\n"
        "- It is used for sleep disorders."
    )
    assert herb.question == "What is 5-HTP ?"  # from the XML, not the CSV
    assert herb.focus == "5-HTP"
    assert "MPlusHerbsSuppls_0000099_Sec2" not in recs  # no XML answer, not judged
    # an answer present in the XML is not replaced by the CSV text
    assert recs["GARD_0000001_Sec1"].answer == "Kniest dysplasia is a disorder of bone growth."


def test_judged_answer_without_xml_pair_becomes_a_record(tree: Path, tmp_path: Path) -> None:
    csv_path = write(tmp_path / "judged-answers.csv", JUDGED_CSV)
    recs = by_id(parse_medquad([tree], [csv_path]))
    rec = recs["ADAM_0003147_Sec2"]
    assert rec.question == "What causes Polycystic ovary syndrome ?"
    assert rec.answer == "PCOS is linked to changes in hormone levels."
    assert rec.synonyms == ["Polycystic ovaries", "Stein-Leventhal syndrome"]
    assert rec.url == "https://www.nlm.nih.gov/medlineplus/ency/article/000369.htm"
    assert rec.source == "ADAM"
    assert rec.categories == [["Medical encyclopedia"]]


def test_csv_only_and_csv_among_xml_paths(tmp_path: Path) -> None:
    csv_path = write(tmp_path / "judged-answers.csv", JUDGED_CSV)
    only = by_id(parse_medquad([], [csv_path]))
    assert set(only) == {"MPlusHerbsSuppls_0000099_Sec1", "GARD_0000001_Sec1", "ADAM_0003147_Sec2"}
    assert set(by_id(parse_medquad([csv_path]))) == set(only)


def test_read_judged_answers_strips_prefix_and_stray_paren(tmp_path: Path) -> None:
    text = JUDGED_CSV + (
        'NHLBI_0000001_Sec1.txt,"Question: Q\nURL: u\nAnswer: Ends with a bracket (really))\n"\n'
        "BROKEN_1.txt,no question part here\n"
    )
    problems: list = []
    answers = read_judged_answers(write(tmp_path / "j.csv", text), problems)
    assert answers["NHLBI_0000001_Sec1"].answer == "Ends with a bracket (really)"
    assert answers["GARD_0000001_Sec1"].url == "https://rarediseases.info.nih.gov/gard/1/x"
    assert len(answers) == 4  # the duplicate row is read once; the broken row is skipped
    assert len(problems) == 1 and "Question:" in problems[0].message


def test_bad_csv_reported(tmp_path: Path) -> None:
    problems: list = []
    path = write(tmp_path / "other.csv", "a,b\n1,2\n")
    assert read_judged_answers(path, problems) == {}
    assert "not a judged-answers CSV" in problems[0].message
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"AnswerID,Answer\n\xff\xfe\x00bad")
    problems.clear()
    assert read_judged_answers(binary, problems) == {}
    assert "cannot read" in problems[0].message


# --------------------------------------------------------------------------- detection, cleanup

def test_detection(tree: Path, tmp_path: Path) -> None:
    assert is_medquad_xml(tree)
    assert is_medquad_xml(tree / "6_NINDS_QA" / "0000007.xml")
    assert is_medquad_xml(tree / "9_CDC_QA" / "0000397.xml")
    assert not is_medquad_xml(write(tmp_path / "feed.xml", "<rss source='x'><item/></rss>"))
    assert not is_medquad_xml(write(tmp_path / "page.html", "<html></html>"))
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert not is_medquad_xml(empty_dir)
    assert is_judged_csv(write(tmp_path / "judged-answers.csv", JUDGED_CSV))
    assert not is_judged_csv(write(tmp_path / "x.csv", "a,b\n"))
    assert not is_judged_csv(tree)


def test_clean_answer_lists_and_paragraphs() -> None:
    raw = (
        "Key Points\n                    - First point.    - Second point:"
        "         - Sub one     - Sub two\n                \n                \n"
        "                    Body paragraph   with  spaces.     Next paragraph.  Same one."
        "      -   Spaced item    Thirst   The table"
    )
    assert clean_answer(raw) == (
        "Key Points\n- First point.\n- Second point:\n- Sub one\n- Sub two\n"
        "Body paragraph with spaces.\nNext paragraph. Same one.\n- Spaced item\nThirst\nThe table"
    )
    # a single-spaced dash is punctuation, not a list
    assert clean_answer("Any part of your neck - muscles, bones - can hurt.") == (
        "Any part of your neck - muscles, bones - can hurt."
    )
    assert clean_answer("  \n\xa0 ") == ""
    assert clean_answer("-  Red cells\r\n-\tPlatelets") == "- Red cells\n- Platelets"


# --------------------------------------------------------------------------- the real corpus

@pytest.fixture(scope="module")
def corpus(shared_dir: Path) -> dict:
    problems: list = []
    records = list(
        parse_medquad(
            [shared_dir / "data" / "medquad"],
            [shared_dir / "data" / "liveqa" / "judged-answers.csv"],
            problems=problems,
        )
    )
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids)), "record ids must be unique"
    return {"records": {r.id: r for r in records}, "problems": problems}


def test_corpus_size_and_no_problems(corpus: dict) -> None:
    assert corpus["problems"] == []
    assert len(corpus["records"]) == 17_912  # answered XML pairs + judged answers (README)
    assert all(r.answer.strip() for r in corpus["records"].values())


def test_every_qrels_id_resolves(corpus: dict, shared_dir: Path) -> None:
    qrels = shared_dir / "data" / "liveqa" / "qrels-dev.txt"
    wanted = {line.split()[2].removesuffix(".txt") for line in qrels.read_text().splitlines()}
    assert len(wanted) > 1000
    missing = sorted(wanted - corpus["records"].keys())
    assert missing == []


def test_corpus_variants_and_naming(corpus: dict) -> None:
    recs = corpus["records"]
    assert recs["NINDS_0000007_Sec1"].focus == "Holmes-Adie"  # <doc><pair> layout
    assert recs["CDC_0000397_Sec1"].focus == "Parasites - Taeniasis"  # <DiseaseFile>
    sources = collections.Counter(r.source for r in recs.values())
    assert "MPlusHerbsSupplements" not in sources
    assert sources["MPlusHerbsSuppls"] > 0 and sources["ADAM"] > 0 and sources["MPlusDrugs"] > 0
    assert len(sources) == 12
    # ten CancerGov files share a document id: the file stem keeps them apart
    cancer_stems = {r.id.rsplit("_Sec", 1)[0] for r in recs.values() if r.source == "CancerGov"}
    assert len(cancer_stems) == 116


def test_corpus_judged_text_cleaned(corpus: dict) -> None:
    rec = corpus["records"]["ADAM_0003147_Sec1"]
    assert rec.answer.startswith("Polycystic ovary syndrome is a condition")
    assert rec.answer.endswith("other health problems.")
    assert rec.question.startswith("What is (are) Polycystic ovary syndrome")
    assert rec.focus == "Polycystic ovary syndrome"
    # a CSV-filled answer: the "Question: ... URL: ... Answer:" wrapper is gone
    drugs = [r for r in corpus["records"].values() if r.source == "MPlusDrugs"]
    assert drugs and not any(r.answer.startswith("Question:") for r in drugs)
    assert not any("\nURL: " in r.answer for r in drugs)
    for r in corpus["records"].values():
        assert "\n\n" not in r.answer and "  " not in r.answer and r.answer == r.answer.strip()
