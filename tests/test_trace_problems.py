"""Trace failures are recorded, never silent: a pair, a component or the translate phase that fails becomes a
Problem(stage="trace") row with its reason, counted by ``stats`` and listed on the problems page."""
from __future__ import annotations

import sys
import types

from starlette.testclient import TestClient

from newstrace.store import Store
from newstrace.trace import TraceConfig, aligning, deciding, trace_all
from newstrace.web.app import create_app
from test_trace import URL, corpus, write
from test_trace_speed import _dense_corpus


def _traced(tmp_path, monkeypatch):
    st = Store(tmp_path / "p.db")
    arts = corpus()
    write(st, list(arts.values()))
    return st, arts


def _problems(st: Store) -> list[dict]:
    return [dict(r) for r in st.conn.execute("SELECT * FROM problems WHERE stage = 'trace' ORDER BY reason")]


def test_a_failing_pair_is_a_problem_and_the_others_are_linked(tmp_path, monkeypatch):
    st, arts = _traced(tmp_path, monkeypatch)
    bad = arts["partial"].body
    real = aligning.align

    def align(a, b, *args):
        if bad in (a.body, b.body):
            raise ValueError("cannot align this body")
        return real(a, b, *args)
    monkeypatch.setattr(aligning, "align", align)
    res = trace_all(st, translate=False, config=TraceConfig(workers=1))
    probs = _problems(st)
    assert res["pairs_failed"] == len(probs) >= 1
    assert {p["reason"] for p in probs} == {"align-failed"}
    with_bad = {r[0] for r in st.conn.execute("SELECT page_id FROM articles WHERE body = ?", (bad,))}
    assert arts["partial"].page_id in with_bad
    assert all(set(p["source"].split()[1:]) & with_bad and "cannot align this body" in p["detail"] for p in probs)
    copies = {r[0] for r in st.conn.execute("SELECT copy_id FROM copies")}
    assert arts["full"].page_id in copies and arts["partial"].page_id not in copies
    assert st.stats()["problems_by_reason"]["align-failed"] == len(probs)
    st.close()
    with TestClient(create_app(str(tmp_path / "p.db"))) as c:
        page = c.get("/problems.json").json()
    assert any(r["reason"] == "align-failed" and r["stage"] == "trace" for r in page["problems"])


def test_a_failing_component_is_a_problem_and_the_others_are_decided(tmp_path, monkeypatch):
    st = Store(tmp_path / "c.db")
    arts = corpus()
    write(st, _dense_corpus())      # the corpus (one component) and other stories
    real = deciding.decide
    target = arts["origin"].page_id

    def decide(comp, pairs, meta, *a):
        if any(meta[r].page_id == target for r in comp):
            raise RuntimeError("odd component")
        return real(comp, pairs, meta, *a)
    monkeypatch.setattr(deciding, "decide", decide)
    res = trace_all(st, translate=False, config=TraceConfig(workers=1))
    probs = _problems(st)
    assert [p["reason"] for p in probs] == ["decide-failed"] and res["components_failed"] == 1
    assert target in probs[0]["detail"] and "RuntimeError: odd component" in probs[0]["detail"]
    urls = {r[0] for r in st.conn.execute("SELECT a.url FROM copies c JOIN articles a ON a.page_id = c.copy_id")}
    assert URL["full"] not in urls and urls     # the failed component has no copies; others do
    st.close()


def test_a_failing_translate_phase_is_a_problem(tmp_path, monkeypatch):
    st, arts = _traced(tmp_path, monkeypatch)
    fake = types.ModuleType("newstrace.trace.translate")

    def translation_pairs(store, new_ids):
        raise MemoryError("encoder out of memory")
    fake.translation_pairs = translation_pairs
    monkeypatch.setitem(sys.modules, "newstrace.trace.translate", fake)
    res = trace_all(st, translate=True, config=TraceConfig(workers=1))
    probs = _problems(st)
    assert [p["reason"] for p in probs] == ["translate-failed"] and res["translate_failed"] == 1
    assert "MemoryError: encoder out of memory" in probs[0]["detail"]
    assert res["copies"] > 0          # same-language tracing went on
    st.close()
