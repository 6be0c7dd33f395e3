"""Trace speed mechanisms give the same answers as the plain ones: batched MinHash, the in-memory band index
of a rebuild, alignment of repeated bodies once, worker pools, and a run killed midway resumes."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from newstrace.store import Store, trace_index
from newstrace.trace import TraceConfig, aligning, deciding, link_new, trace_all
from newstrace.trace.index import doc_keys
from newstrace.trace.text import features_many, tokenize
from test_trace import TEXTS, art, corpus, write


def _bodies() -> list[str]:
    out = ["", "one two", "a b c d e", "a b c d e f", "Straße ÉCOLE İstanbul ﬁne " * 20]
    for t in TEXTS.values():
        if isinstance(t, str):
            out.append(t)
            continue
        ps = t["paragraphs"]
        out.append("\n\n".join(ps))
        out.append(ps[0])
    return out


def test_features_many_equals_one_by_one():
    bodies = _bodies()
    many = [tokenize(b) for b in bodies]
    pos, keys = features_many(many)
    for i, b in enumerate(bodies):
        d = tokenize(b)
        want = np.unique(doc_keys(d))
        assert np.array_equal(keys[pos == i], want)
        assert many[i].chunks == d.chunks
        assert np.array_equal(many[i].chunk_keys, d.chunk_keys)
        assert (many[i].sig is None and d.sig is None) or np.array_equal(many[i].sig, d.sig)


def _dense_corpus() -> list:
    """The test corpus plus a wire story republished verbatim by many sites, some edited copies of it and
    copies of one page on one site (a dense component)."""
    arts = list(corpus().values())
    ps = TEXTS["orchard"]["paragraphs"]
    wire = "\n\n".join(ps)
    for i in range(14):
        arts.append(art(f"https://wire{i}.example/story", wire, TEXTS["orchard"]["title"], f"2021-06-{i + 1:02d}"))
    for i in range(4):
        text = "\n\n".join(["A word from the editors of this small site, before the news of the day."] + ps[:4])
        arts.append(art(f"https://edit{i}.example/story", text, "Edited", f"2021-07-{i + 1:02d}"))
    # furniture (an appeal) left in the bodies of one site's pages, one of them copied elsewhere with it
    appeal = TEXTS["appeal"]
    for i, key in enumerate(["harbour", "orchard", "library", "harbour_other_outlet"]):
        text = "\n\n".join(TEXTS[key]["paragraphs"][i:i + 2] + [appeal])
        arts.append(art(f"https://sister.example/{key}", text, TEXTS[key]["title"], f"2021-08-{i + 1:02d}"))
        if i == 2:
            arts.append(art(f"https://taker.example/{key}", text, TEXTS[key]["title"], f"2021-08-{i + 5:02d}"))
    return arts


def _state(st: Store) -> tuple:
    q = st.conn.execute
    url = dict(q("SELECT page_id, url FROM articles").fetchall())
    rid = {r: url[p] for r, p in q("SELECT aid, page_id FROM articles")}
    pairs = sorted((rid[a], rid[b], linked, res) for a, b, linked, res in
                   q("SELECT a, b, linked, result FROM trace_pairs"))
    copies = sorted((url[r[0]], url[r[1]], url.get(r[2]), r[3], r[4], r[5], r[6], r[7])
                    for r in q("SELECT copy_id, source_id, origin_id, kind, credited, spans, evidence, confidence "
                               "FROM copies"))
    stories = sorted(tuple(r) for r in q("SELECT * FROM stories"))
    bands = sorted((k, rid[r]) for k, r in q("SELECT key, rid FROM trace_bands UNION ALL "
                                             "SELECT key, rid FROM trace_bands_new"))
    docs = sorted((rid[r], w, m, p) for r, w, m, p in q("SELECT rid, words, minhash, paragraphs FROM trace_docs"))
    return pairs, copies, stories, bands, docs


def _run(tmp_path, name, monkeypatch, **cfg) -> tuple:
    st = Store(tmp_path / f"{name}.db")
    write(st, _dense_corpus())
    res = trace_all(st, rebuild=True, translate=False, config=TraceConfig(**cfg))
    out = _state(st)
    st.close()
    return out, res


def test_memory_index_equals_stored_index(tmp_path, monkeypatch):
    # small batches: candidates and boilerplate of each batch are those of the articles indexed so far
    mem, r1 = _run(tmp_path, "mem", monkeypatch, chunk=5)
    sql, r2 = _run(tmp_path, "sql", monkeypatch, chunk=5, mem_index=False)
    assert r1["aligned"] == r2["aligned"] > 100
    assert mem == sql
    one, _ = _run(tmp_path, "one", monkeypatch)
    assert one[1] == mem[1]


def test_repeated_bodies_aligned_once(tmp_path, monkeypatch):
    calls = []
    real = aligning.align

    def counting(a, b, *args):
        calls.append(1)
        return real(a, b, *args)
    monkeypatch.setattr(aligning, "align", counting)
    cached, r = _run(tmp_path, "cache", monkeypatch)
    n_cached = len(calls)
    calls.clear()
    plain, _ = _run(tmp_path, "plain", monkeypatch, align_cache=0)
    assert len(calls) == r["aligned"]
    assert n_cached < len(calls) / 2       # 15 identical bodies: their 105 pairs aligned once
    assert cached == plain


def test_workers_do_not_change_results(tmp_path, monkeypatch):
    one, _ = _run(tmp_path, "w1", monkeypatch, chunk=9)
    two, _ = _run(tmp_path, "w2", monkeypatch, chunk=9, workers=2, par_min=1, decide_batch=5)
    assert one == two


def test_killed_run_resumes(tmp_path, monkeypatch):
    full, _ = _run(tmp_path, "clean", monkeypatch, chunk=6)
    st = Store(tmp_path / "killed.db")
    write(st, _dense_corpus())
    real = aligning._w_align
    n = []

    def dies(task):
        n.append(1)
        if len(n) > 3:
            raise KeyboardInterrupt
        return real(task)
    with monkeypatch.context() as m:
        m.setattr(aligning, "_w_align", dies)
        with pytest.raises(KeyboardInterrupt):
            trace_all(st, rebuild=True, translate=False, config=TraceConfig(chunk=6))
    done = st.conn.execute("SELECT count(*) FROM trace_pairs").fetchone()[0]
    assert done > 0
    res = link_new(st, translate=False, config=TraceConfig(chunk=6))
    res2 = trace_all(st, translate=False, config=TraceConfig(chunk=6))
    assert res["aligned"] + done == len(full[0])     # pairs aligned before the kill are not aligned again
    assert res2["aligned"] == 0
    assert _state(st)[:3] == full[:3]
    st.close()


def test_killed_before_index_stored_resumes(tmp_path, monkeypatch):
    full, _ = _run(tmp_path, "clean2", monkeypatch, chunk=6)
    st = Store(tmp_path / "killed2.db")
    write(st, _dense_corpus())

    def dies(*a):
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr(trace_index, "write_bands", dies)
        with pytest.raises(KeyboardInterrupt):
            trace_all(st, rebuild=True, translate=False, config=TraceConfig(chunk=6))
    # articles listed in trace_docs without their band keys stored: indexed again, nothing aligned again
    assert st.conn.execute("SELECT count(*) FROM trace_unfinished").fetchone()[0] > 0
    res = link_new(st, translate=False, config=TraceConfig(chunk=6))
    assert res["indexed"] == len(_dense_corpus()) and res["aligned"] == 0
    assert st.conn.execute("SELECT count(*) FROM trace_unfinished").fetchone()[0] == 0
    assert _state(st) == full
    st.close()


@pytest.mark.parametrize("legacy", [False, True])
def test_changed_body_drops_its_old_band_keys(tmp_path, monkeypatch, legacy):
    st = Store(tmp_path / "chg.db")
    arts = _dense_corpus()
    write(st, arts[:-3])
    link_new(st, translate=False)
    write(st, arts[-3:])
    link_new(st, translate=False)          # a second batch: through the stored index
    rid = st.conn.execute("SELECT aid FROM articles WHERE url = ?", (arts[-1].url,)).fetchone()[0]
    if legacy:   # indexed before migration 0008: no keys kept with the row
        st.conn.execute("UPDATE trace_docs SET keys = NULL WHERE rid = ?", (rid,))
    new_body = TEXTS["library"]["paragraphs"][0] + "\n\n" + TEXTS["library"]["paragraphs"][1]
    with st.conn:
        st.conn.execute("UPDATE articles SET body = ?, body_hash = 'changed' WHERE aid = ?", (new_body, rid))
    res = link_new(st, translate=False)
    assert res["indexed"] == 1
    stored = sorted(k for (k,) in st.conn.execute("SELECT key FROM trace_bands WHERE rid = ? UNION ALL "
                                                  "SELECT key FROM trace_bands_new WHERE rid = ?", (rid, rid)))
    want = sorted(np.unique(doc_keys(tokenize(new_body))).tolist())
    assert stored == want
    blob = st.conn.execute("SELECT keys FROM trace_docs WHERE rid = ?", (rid,)).fetchone()[0]
    assert sorted(np.frombuffer(blob, dtype=np.int64).tolist()) == want
    inc = _state(st)
    trace_all(st, rebuild=True, translate=False)
    reb = _state(st)
    # the pages it was linked to are decided again too: their copies and stories as a rebuild has them
    assert reb == inc
    st.close()


@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_killed_while_deciding_loses_nothing_and_the_next_run_finishes(tmp_path, monkeypatch, mode):
    arts = _dense_corpus()

    def first(st):
        write(st, arts[:-4])
        trace_all(st, rebuild=True, translate=False)
        write(st, arts[-4:])

    def second(st):
        return trace_all(st, translate=False) if mode == "full" else link_new(st, translate=False)
    clean = Store(tmp_path / "clean.db")
    first(clean)
    second(clean)
    want = _state(clean)
    clean.close()

    st = Store(tmp_path / "killed.db")
    first(st)
    before = _state(st)
    assert before[1]

    def dies(*a, **k):
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr(deciding, "decide", dies)
        with pytest.raises(KeyboardInterrupt):
            second(st)
    # the decisions already stored are all still there; the next run, even an incremental one with
    # nothing new to index, decides what the killed one left
    assert _state(st)[1:3] == before[1:3]
    assert st.conn.execute("SELECT count(*) FROM trace_dirty").fetchone()[0] > 0
    res = link_new(st, translate=False)
    assert res["indexed"] == 0 and res["aligned"] == 0
    assert _state(st) == want
    assert st.conn.execute("SELECT count(*) FROM trace_dirty").fetchone()[0] == 0
    st.close()


def test_word_offsets_equal_regex_matches():
    from newstrace.trace.text import WORD
    for b in _bodies() + ["_a_ b", "x😀y 𝔘𝔫𝔦 𐐀b ok", "٣٤ 中文字 ǅ ⅷ x² – “quoted” don’t"]:
        d = tokenize(b)
        spans = [m.span() for m in WORD.finditer(d.low)]
        assert list(zip(d.starts.tolist(), d.ends.tolist())) == spans
        assert len(spans) == d.n


def test_pages_linked_to_a_changed_body_are_decided_again(tmp_path):
    # the origin's body is replaced by another text: its two copies, linked to each other, keep a story
    ps = TEXTS["orchard"]["paragraphs"]
    o = art("https://valley-farmer.example/frost", "\n\n".join(ps), "Frost", "2021-06-01T08:00:00+00:00")
    b = art("https://wire1.example/frost", "\n\n".join(ps), "Frost", "2021-06-02T08:00:00+00:00")
    c = art("https://wire2.example/frost", "\n\n".join(ps), "Frost", "2021-06-03T08:00:00+00:00")
    st = Store(tmp_path / "chg2.db")
    write(st, [o, b, c])
    link_new(st, translate=False)
    assert st.conn.execute("SELECT count(*) FROM copies").fetchone()[0] == 2
    new_body = "\n\n".join(TEXTS["library"]["paragraphs"])
    with st.conn:
        st.conn.execute("UPDATE articles SET body = ?, body_hash = 'changed' WHERE url = ?", (new_body, o.url))
    link_new(st, translate=False)
    inc = _state(st)
    assert len(inc[1]) == 1 and inc[1][0][:2] == (c.url, b.url) and inc[2]
    trace_all(st, rebuild=True, translate=False)
    assert _state(st) == inc
    st.close()


def _increments(tmp_path, name: str, merge_share: float) -> tuple[tuple, list[int], int]:
    """The dense corpus linked in five increments onto a first traced part."""
    st = Store(tmp_path / f"{name}.db")
    arts = _dense_corpus()
    cut = [len(arts) // 3 + k * ((len(arts) - len(arts) // 3) // 5) for k in range(5)] + [len(arts)]
    write(st, arts[:cut[0]])
    trace_all(st, rebuild=True, translate=False)
    merged = []
    for a, b in zip(cut, cut[1:]):
        write(st, arts[a:b])
        merged.append(link_new(st, translate=False, config=TraceConfig(merge_share=merge_share))["bands_merged"])
    left = st.conn.execute("SELECT count(*) FROM trace_bands_new").fetchone()[0]
    out = _state(st)
    st.close()
    return out, merged, left


def test_band_table_of_increments_gives_the_same_results_merged_or_not(tmp_path):
    """Increments write their band keys into trace_bands_new; merged into trace_bands after every increment,
    now and then, or never, the candidates, pairs, copies and stories are the same."""
    always, m0, left0 = _increments(tmp_path, "always", 0.0)
    never, m1, left1 = _increments(tmp_path, "never", 100.0)
    some, m2, left2 = _increments(tmp_path, "some", 0.15)
    assert all(m > 0 for m in m0) and left0 == 0
    assert m1 == [0] * 5 and left1 > 0
    assert 0 < sum(1 for m in m2 if m) < 5
    assert always == never == some
    assert always[1] and always[2]            # copies and stories were found


def test_rows_a_pre_0011_run_left_unfinished_are_indexed_again(tmp_path):
    """A trace_docs row with an empty indexed_at (how a killed run marked them before migration 0011) is listed
    in trace_unfinished by migration 0161, then dropped and indexed again by the next run: the same state as a
    store that never had it."""
    full, _ = _run(tmp_path, "clean", None, chunk=6)
    db = tmp_path / "legacy.db"
    st = Store(db)
    write(st, _dense_corpus())
    trace_all(st, rebuild=True, translate=False, config=TraceConfig(chunk=6))
    rid = st.conn.execute("SELECT max(rid) FROM trace_docs").fetchone()[0]
    with st.conn:
        st.conn.execute("UPDATE trace_docs SET indexed_at = NULL WHERE rid = ?", (rid,))
        st.conn.execute("DELETE FROM trace_bands WHERE rid = ?", (rid,))
        st.conn.execute("DELETE FROM migrations WHERE name = '0161_trace_unfinished_only'")
    st.close()
    st = Store(db)
    assert [r[0] for r in st.conn.execute("SELECT rid FROM trace_unfinished")] == [rid]
    res = link_new(st, translate=False, config=TraceConfig(chunk=6))
    assert res["indexed"] == 1
    assert st.conn.execute("SELECT count(*) FROM trace_docs WHERE indexed_at IS NULL").fetchone()[0] == 0
    assert _state(st) == full
    st.close()


def _every_pending(st: Store) -> list[int]:
    """What trace_index.pending answered before its mark: every article read."""
    return [r[0] for r in st.conn.execute(
        "SELECT a.aid FROM articles a LEFT JOIN trace_docs d ON d.rid = a.aid "
        "WHERE d.rid IS NULL OR d.body_hash IS NOT a.body_hash ORDER BY a.aid")]


def test_pending_after_the_mark_equals_every_article_read(tmp_path):
    """Once a run has recorded its mark, pending reads the articles after it and the bodies listed as changed
    (a trigger on any body_hash update): the same articles as reading every one, after new articles, a body
    changed through the store, one changed by plain SQL, and a killed run's unfinished rows."""
    from newstrace.store import furniture

    st = Store(tmp_path / "p.db")
    arts = _dense_corpus()
    write(st, arts[:20])
    trace_all(st, rebuild=True, translate=False)
    assert trace_index.pending(st.conn) == [] and _every_pending(st) == []
    write(st, arts[20:30])
    rid_new = [p.key for p in trace_index.pending(st.conn)]
    assert rid_new == _every_pending(st) and len(rid_new) == 10
    pid, body, h = st.conn.execute("SELECT page_id, body, body_hash FROM articles WHERE aid = 3").fetchone()
    with st.conn:
        furniture.replace_body(st.conn, pid, body, h, body + "\n\nA line added.", "h-new", "2026-12-07")
        st.conn.execute("UPDATE articles SET body_hash = 'by-hand' WHERE aid = 5")
        st.conn.execute("UPDATE articles SET title = 'only the title' WHERE aid = 6")
    got = [p.key for p in trace_index.pending(st.conn)]
    assert got == _every_pending(st) == [3, 5] + rid_new
    link_new(st, translate=False)
    assert trace_index.pending(st.conn) == [] and _every_pending(st) == []
    assert st.conn.execute("SELECT count(*) FROM trace_changed").fetchone()[0] == 0
    # a run killed after writing some rows: they are dropped and pending again
    write(st, arts[30:])
    with st.conn:
        trace_index.mark_unfinished(st.conn, [1, 2])
        trace_index.drop_unfinished(st.conn)
    got = [p.key for p in trace_index.pending(st.conn)]
    assert got == _every_pending(st) and got[:2] == [1, 2] and len(got) == 2 + len(arts) - 30
    # a body changed by another writer after a run listed its pending articles stays pending after its mark
    link_new(st, translate=False)
    listed = trace_index.pending(st.conn)
    with st.conn:
        st.conn.execute("UPDATE articles SET body_hash = 'meanwhile' WHERE aid = 4")
        trace_index.mark_indexed(st.conn, listed.top)
    assert [p.key for p in trace_index.pending(st.conn)] == _every_pending(st) == [4]
    link_new(st, translate=False)
    assert trace_index.pending(st.conn) == [] and _every_pending(st) == []
    # a cleared index (a rebuild) reads every article again
    with st.conn:
        trace_index.clear(st.conn)
    assert [p.key for p in trace_index.pending(st.conn)] == _every_pending(st) == list(range(1, len(arts) + 1))
    st.close()


def test_known_pairs_of_a_batch_are_the_same_looked_up_or_skipped(tmp_path):
    """pairs.known with ``among`` (the batch) skips the lookup of pairs whose batch members have no stored
    pair, and answers the same as looking every pair up."""
    from newstrace.store import pairs as pairs_store
    from newstrace.store.records import Pair, PairMethod

    st = Store(tmp_path / "k.db")
    with st.conn:
        pairs_store.write(st.conn, [Pair(1, 5, "h1", "h5", True, PairMethod.ALIGN, None),
                                    Pair(2, 6, "h2", "old", False, PairMethod.ALIGN, None),
                                    Pair(3, 7, "h3", "h7", False, PairMethod.ALIGN, None)])
    hashes = {k: f"h{k}" for k in range(1, 10)}
    cands = {(1, 5), (2, 6), (3, 7), (4, 5), (5, 8), (1, 9), (8, 9), (3, 6)}
    want = pairs_store.known(st.conn, cands, hashes)
    assert want == {(1, 5), (3, 7)}
    for batch in ([5, 6, 7, 8, 9], [1, 2, 3, 4], [8, 9], list(range(1, 10))):
        assert pairs_store.known(st.conn, {p for p in cands if set(p) & set(batch)}, hashes, among=batch) == \
            pairs_store.known(st.conn, {p for p in cands if set(p) & set(batch)}, hashes)
    assert pairs_store.with_pairs(st.conn, range(1, 10)) == {1, 2, 3, 5, 6, 7}
    st.close()
