"""Evaluation data readers: LiveQA questions, qrels, RQE pairs (inline samples + ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.eval.datasets import (
    load_liveqa_questions,
    load_qrels,
    load_rqe_pairs,
    question_key,
)

LIVEQA = """<?xml version="1.0" encoding="UTF-8"?>
<LiveQA2017-Medical-Test-Set-Full>
  <NLM-QUESTION qid="TQ1">
    <Original-Question qfile="71.txt">
      <SUBJECT>Noonan syndrome</SUBJECT>
      <MESSAGE>What are the references with noonan   syndrome
        and polycystic renal disease</MESSAGE>
    </Original-Question>
    <NIST-PARAPHRASE>What is the relationship between Noonan syndrome and PKD?</NIST-PARAPHRASE>
    <NLM-Summary>Noonan syndrome and polycystic renal disease?</NLM-Summary>
    <ANNOTATIONS>
      <FOCUS fid="F1" fcategory="Problem">noonan syndrome</FOCUS>
      <FOCUS fid="F2" fcategory="Problem">polycystic renal disease</FOCUS>
      <TYPE tid="T1" hasFocus="F1,F2">EFFECT</TYPE>
    </ANNOTATIONS>
    <ReferenceAnswers>
      <RefAnswer aid="TQ1A1"><ANSWER> Renal anomalies are rare. </ANSWER>
        <AnswerURL> https://www.ncbi.nlm.nih.gov/pubmed/765504 </AnswerURL>
        <COMMENT>A case report.</COMMENT></RefAnswer>
    </ReferenceAnswers>
  </NLM-QUESTION>
  <NLM-QUESTION qid="TQ2">
    <Original-Question qFile="1-136931717.xml.txt">
      <SUBJECT></SUBJECT>
      <MESSAGE>I have celiac disease &amp; need to know if these contain gluten</MESSAGE>
    </Original-Question>
    <NIST-PARAPHRASE></NIST-PARAPHRASE>
    <NLM-Summary>Do Zolmitriptan tablets contain gluten?</NLM-Summary>
    <ANNOTATIONS>
      <FOCUS fid="F1" fcategory="DrugSupplement">Zolmitriptan</FOCUS>
      <TYPE tid="T1" hasFocus="F1" hasKeyword="K1">INGREDIENT</TYPE>
      <KEYWORD kid="K1" kcategory="Substance">gluten</KEYWORD>
    </ANNOTATIONS>
    <ReferenceAnswers>
      <ReferenceAnswer aid="TQ2A1"><ANSWER>Lactose, cellulose.</ANSWER>
        <AnswerURL>https://dailymed.nlm.nih.gov/x</AnswerURL><COMMENT/></ReferenceAnswer>
    </ReferenceAnswers>
  </NLM-QUESTION>
</LiveQA2017-Medical-Test-Set-Full>
"""

QRELS = """2 1-Incorrect ADAM_0000719_Sec1.txt
2 3-Incomplete GHR_0000001_Sec2.txt
2 2-Related GHR_0000001_Sec2.txt

4 4-Excellent NINDS_0000007_Sec1.txt
4 2 CDC_0000397_Sec1
"""

RQE = """<?xml version="1.0" encoding="UTF-8"?>
<MEDIQA2019-Task2-RQE-TrainingSet-AMIA2016>
<pair pid="1" type="originalQ-shortQ" value="true">
<chq>
   How should I treat polymenorrhea in a 14-year-old girl?
</chq>
<faq>
   How should I treat   polymenorrhea?
</faq>
</pair>
<pair pid="2" value="false"> <chq>Let's give these immunizations.</chq>
<faq>What are the side effects of Florinef?</faq> </pair>
</MEDIQA2019-Task2-RQE-TrainingSet-AMIA2016>
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_liveqa_questions_fields(tmp_path: Path) -> None:
    first, second = load_liveqa_questions(write(tmp_path / "q.xml", LIVEQA))
    assert first.qid == "TQ1" and first.number == 1
    assert first.subject == "Noonan syndrome"
    assert first.message == (
        "What are the references with noonan syndrome and polycystic renal disease"
    )
    assert first.paraphrase == "What is the relationship between Noonan syndrome and PKD?"
    assert first.summary == "Noonan syndrome and polycystic renal disease?"
    assert first.foci == ["noonan syndrome", "polycystic renal disease"]
    assert first.focus_categories == ["Problem", "Problem"]
    assert first.types == ["EFFECT"]
    assert first.qfile == "71.txt"
    assert first.reference_answers[0].text == "Renal anomalies are rare."
    assert first.reference_answers[0].url == "https://www.ncbi.nlm.nih.gov/pubmed/765504"
    assert first.text == "Noonan syndrome. " + first.message
    assert not first.judged
    # empty subject and paraphrase, qFile spelling, ReferenceAnswer spelling, entities
    assert second.subject == "" and second.paraphrase == ""
    assert second.text == "I have celiac disease & need to know if these contain gluten"
    assert second.qfile == "1-136931717.xml.txt"
    assert second.keywords == ["gluten"]
    assert second.reference_answers[0].aid == "TQ2A1"
    assert second.judged


def test_liveqa_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read XML"):
        load_liveqa_questions(write(tmp_path / "broken.xml", LIVEQA[:300]))
    with pytest.raises(ValueError, match="no NLM-QUESTION"):
        load_liveqa_questions(write(tmp_path / "other.xml", "<root/>"))


def test_qrels_keys_ids_and_higher_grade(tmp_path: Path) -> None:
    qrels = load_qrels(write(tmp_path / "qrels.txt", QRELS))
    assert qrels == {
        "TQ2": {"ADAM_0000719_Sec1": 1, "GHR_0000001_Sec2": 3},
        "TQ4": {"NINDS_0000007_Sec1": 4, "CDC_0000397_Sec1": 2},
    }
    assert question_key(2) == question_key("2") == question_key("TQ2") == "TQ2"


@pytest.mark.parametrize(
    "line", ["2 5-Wonderful X.txt", "2 1-Incorrect", "two 1 X.txt", "2 0 X.txt"]
)
def test_qrels_bad_line_names_file_and_line(tmp_path: Path, line: str) -> None:
    path = write(tmp_path / "qrels.txt", "2 1 A.txt\n" + line + "\n")
    with pytest.raises(ValueError, match=r"qrels\.txt:2: bad qrels line"):
        load_qrels(path)


def test_rqe_pairs(tmp_path: Path) -> None:
    pairs = load_rqe_pairs(write(tmp_path / "rqe.xml", RQE))
    assert [(p.pid, p.value) for p in pairs] == [("1", True), ("2", False)]
    assert pairs[0].chq == "How should I treat polymenorrhea in a 14-year-old girl?"
    assert pairs[0].faq == "How should I treat polymenorrhea?"
    assert pairs[0].type == "originalQ-shortQ" and pairs[1].type == ""
    bad = write(tmp_path / "bad.xml", RQE.replace('value="false"', 'value="maybe"'))
    with pytest.raises(ValueError, match="maybe"):
        load_rqe_pairs(bad)


# --------------------------------------------------------------------------- ../shared

def test_shared_liveqa_and_qrels(shared_dir: Path) -> None:
    liveqa = shared_dir / "data" / "liveqa"
    questions = load_liveqa_questions(
        liveqa / "TREC-2017-LiveQA-Medical-Test-Questions-w-summaries.xml"
    )
    # only the 52 judged (even) questions are shared; the odd ones are held out for judging
    assert len(questions) == 52
    assert [q.number for q in questions] == list(range(2, 105, 2))
    assert all(q.message and q.summary and q.foci and q.types for q in questions)
    qrels = load_qrels(liveqa / "qrels-dev.txt")
    by_qid = {q.qid: q for q in questions}
    assert set(qrels) <= set(by_qid)
    assert all(by_qid[qid].judged for qid in qrels)  # judgments only for even questions
    assert len(qrels) == 52
    lines = (liveqa / "qrels-dev.txt").read_text().split("\n")
    distinct = {(ln.split()[0], ln.split()[2]) for ln in lines if ln.strip()}
    assert sum(len(v) for v in qrels.values()) == len(distinct) == 1164
    assert all(1 <= g <= 4 for v in qrels.values() for g in v.values())
    assert not any(aid.endswith(".txt") for v in qrels.values() for aid in v)


def test_shared_rqe(shared_dir: Path) -> None:
    rqe = shared_dir / "data" / "rqe"
    train = load_rqe_pairs(rqe / "rqe-train-AMIA2016.xml")
    valid = load_rqe_pairs(rqe / "rqe-validation-AMIA2016.xml")
    assert len(train) == 8588 and len(valid) == 302
    assert sum(p.value for p in train) == 4655
    assert sum(p.value for p in valid) == 129
    # one training pair (pid 5860) has an empty <faq>: kept as read, for the caller to skip
    assert [p.pid for p in train + valid if not (p.chq and p.faq)] == ["5860"]
