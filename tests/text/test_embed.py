"""The embedder (indexer.text.embed): pooling, order, empty texts, the missing-extra message
and the bundled tokenizer. A stand-in encoder replaces the ONNX model: no network, no hub."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import numpy as np
import pytest

from indexer.text import embed
from indexer.text.embed import Embedder, EmbeddingUnavailable, record_text

VOCAB = {"back": 1, "spine": 2, "ivf": 3, "fertility": 4, "sleep": 5}


class WordTokenizer:
    """Word ids from a small vocabulary (unknown words dropped; none at all: id 0)."""

    def encode_batch(self, texts):
        out = []
        for t in texts:
            ids = [VOCAB[w] for w in t.lower().split() if w in VOCAB] or [0]
            out.append(SimpleNamespace(ids=ids))
        return out


def table_encoder(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Token vectors: back/spine point one way, ivf/fertility another, sleep a third."""
    table = np.array([[0, 0, 0.1], [1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.1, 0.9, 0],
                      [0, 0, 1]], dtype=np.float32)
    return table[ids]


def standin() -> Embedder:
    return Embedder(WordTokenizer(), table_encoder, "standin", 3)


def test_rows_are_unit_length_in_input_order() -> None:
    texts = ["ivf", "back pain and the spine, a longer text than the others", "sleep"]
    vecs = standin().encode(texts)
    assert vecs.shape == (3, 3) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0)
    assert np.argmax(vecs[0]) == 1 and np.argmax(vecs[1]) == 0 and np.argmax(vecs[2]) == 2


def test_mean_pooling_ignores_padding() -> None:
    # batched with a longer text, "back" is padded; padding must not move its vector
    alone = standin().encode(["back"])[0]
    batched = standin().encode(["back", "back spine ivf fertility sleep"])[0]
    assert np.allclose(alone, batched)


def test_empty_and_non_text_give_zero_rows() -> None:
    vecs = standin().encode(["", "  ", None, "spine"])
    assert not vecs[:3].any() and vecs[3].any()


def test_progress_counts_encoded_texts() -> None:
    seen: list[int] = []
    standin().encode(["back", "", "ivf"], progress=seen.append)
    assert sum(seen) == 2


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "REQUIRED", ("onnxruntime", "no_such_module_for_hybrid"))
    assert not embed.available()
    with pytest.raises(EmbeddingUnavailable, match=r"pip install -e '\.\[hybrid\]'"):
        embed.require()
    with pytest.raises(EmbeddingUnavailable, match="no_such_module_for_hybrid"):
        embed.load_minilm()


def test_record_text_heading_condition_answer() -> None:
    assert record_text("", "Is acupuncture safe?", "Yes.", "Acupuncture") == (
        "Is acupuncture safe?\nYes.")
    assert record_text("Glaucoma (Symptoms)", "", "Eye pain.", "Glaucoma") == (
        "Glaucoma (Symptoms)\nEye pain.")
    assert record_text("", "What are the symptoms?", "Pain.", "Gout") == (
        "What are the symptoms?\nGout\nPain.")


@pytest.mark.skipif(importlib.util.find_spec("tokenizers") is None,
                    reason="tokenizers is not installed")
def test_bundled_tokenizer_is_minilms_word_pieces() -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(embed.TOKENIZER))
    enc = tok.encode("Acupuncture for sciatica")
    assert enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]"
    assert enc.tokens[1:-1] == ["ac", "##up", "##un", "##cture", "for", "sci", "##atic", "##a"]
    assert tok.get_vocab_size() == 30522


@pytest.mark.skipif(not embed.available(), reason="the embedding libraries are not installed")
def test_real_model_puts_lay_and_clinical_words_together() -> None:
    model = embed.embedder()
    q, near, far = model.encode(["my lower back hurts when I sit",
                                 "Lumbar pain: causes of pain in the lumbar spine",
                                 "How is glaucoma of the eye treated?"])
    assert q @ near > q @ far


def test_query_embeddings_are_kept_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def counting(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        calls.append(len(ids))
        return table_encoder(ids, mask)

    monkeypatch.setattr(embed, "QUERY_CACHE", 2)
    model = Embedder(WordTokenizer(), counting, "standin", 3)
    first = model.query("back pain")
    assert np.allclose(first, model.encode(["back pain"])[0]) and len(calls) == 2
    assert model.query("back pain") is first and len(calls) == 2  # kept: not encoded again
    with pytest.raises(ValueError):
        first[0] = 1.0  # shared between searches: read-only
    model.query("sleep")
    model.query("ivf")  # the oldest ("back pain") goes
    model.query("back pain")
    assert len(calls) == 5
    model.forget_queries()
    model.query("back pain")
    assert len(calls) == 6
