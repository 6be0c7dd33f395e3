"""The trace's pre-check (trace/index.py ``may_link``): a candidate pair whose long bodies share a single band key
is not aligned; pairs that can link are, and a store traced with and without the pre-check gets the same copies
and stories."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from newstrace.records import Article, content_hash
from newstrace.store import Store
from newstrace.trace import TraceConfig, trace_all
from newstrace.trace.align import align
from newstrace.trace.index import PRECHECK_WORDS, item_keys, item_keys_many, may_link
from newstrace.trace.text import features_many, tokenize

TEXTS = json.loads((Path(__file__).parent / "fixtures" / "trace" / "texts.json").read_text())
QUOTE = ('"We will not let the harbour become a car park for ferries, and we will fight this decision in every court '
         'that will hear us," said Maria Olsen, who chairs the residents association.')


def body(key: str) -> str:
    return "\n\n".join(TEXTS[key]["paragraphs"])


def keys_of(text: str) -> tuple[np.ndarray, int, np.ndarray]:
    """(band keys, words, item keys) of a body."""
    d = tokenize(text)
    pos, keys = features_many([d])
    return keys, d.n, item_keys(d, keys)


def shared(a: np.ndarray, b: np.ndarray) -> int:
    return len(np.intersect1d(a, b))


def test_rule():
    a = np.array([1, 5, 9, 20], dtype=np.int64)
    one = np.array([2, 9, 30], dtype=np.int64)
    two = np.array([5, 9, 30], dtype=np.int64)
    long = PRECHECK_WORDS
    none = np.zeros(0, dtype=np.int64)
    assert not may_link(a, long, one, long + 100, none, none)
    assert may_link(a, long, two, long, none, none)
    assert may_link(a, long - 1, one, long, none, none)    # a short body links on fewer words: always aligned
    assert may_link(None, long, one, long, none, none)     # keys unknown: aligned
    assert may_link(a, long, one, long, none, None)        # item keys unknown: aligned
    assert may_link(a, long, one, long, none, np.array([9], dtype=np.int64))   # the common key is by a quote
    assert may_link(a, long, np.array([3, 4], dtype=np.int64), long, none, none)   # (no common key: not decided here)
    sa = np.arange(64, dtype=np.uint32)
    sb = sa + 100
    assert not may_link(a, long, one, long, none, none, sa, sb)
    sb[8:12] = sa[8:12]                                    # one document band in common: similar bodies, aligned
    assert may_link(a, long, one, long, none, none, sa, sb)


def _phrase_pair():
    """A long body and another long body carrying a phrase of it that gives exactly one common band key."""
    src = body("harbour").split()
    other = body("orchard")
    for n in range(8, 19):
        for start in range(0, len(src) - n, 7):
            text = other + "\n\n" + "It was, as one reader put it, " + " ".join(src[start:start + n]) + "."
            ka, wa, ia = keys_of(body("harbour"))
            kb, wb, ib = keys_of(text)
            if shared(ka, kb) == 1 and not np.isin(np.intersect1d(ka, kb), ia).any():
                return text
    raise AssertionError("no phrase of harbour gives exactly one common key")


def test_one_common_phrase_is_skipped_a_passage_is_not():
    ka, wa, ia = keys_of(body("harbour"))
    assert wa >= PRECHECK_WORDS
    text = _phrase_pair()
    kb, wb, ib = keys_of(text)
    assert not may_link(ka, wa, kb, wb, ia, ib)
    assert not align(tokenize(body("harbour")), tokenize(text)).linked   # the rule agrees with the aligner here
    src = body("harbour").split()
    passage = body("orchard") + "\n\n" + " ".join(src[40:80])
    kp, wp, ip = keys_of(passage)
    assert shared(ka, kp) >= 2 and may_link(ka, wa, kp, wp, ia, ip)
    assert align(tokenize(body("harbour")), tokenize(passage)).linked


def _store(path: Path, only: slice = slice(None)) -> Store:
    st = Store(str(path))
    texts = [("https://harbour-post.example/a/1", body("harbour")),
             ("https://coast-daily.example/b/2", body("harbour")),                       # a full copy
             ("https://valley-farmer.example/c/3", _phrase_pair()),                       # one phrase: skipped
             ("https://island-wire.example/d/4", body("orchard") + "\n\n" + " ".join(body("harbour").split()[40:80])),
             ("https://town-notes.example/e/5", body("library") + "\n\n" + QUOTE)]
    arts = []
    for i, (url, text) in enumerate(texts):
        site = url.split("/")[2]
        arts.append(Article(page_id=content_hash(url, text), url=url, source=url, site=site, publisher=site,
                            title=f"t{i}", published=f"2021-05-0{i + 1}T10:00:00Z", body=text,
                            blocks=text.split("\n\n"), language="en", fetched_at="2022-01-20T00:00:00Z"))
    st.write_batch([({"page_id": a.page_id, "url": a.url, "source": a.source, "fetched_at": a.fetched_at}, a, [])
                    for a in arts[only]])
    return st


def _rows(path: Path, sql: str) -> list:
    with sqlite3.connect(path) as c:
        return sorted(c.execute(sql).fetchall())


def test_same_copies_and_stories_with_and_without(tmp_path):
    """The pre-check runs when new articles are linked onto a traced store (an increment), not on a rebuild."""
    out = {}
    for on in (True, False):
        p = tmp_path / f"s{int(on)}.db"
        st = _store(p, slice(0, 2))   # the origin and its full copy: a traced store with a pair
        first = trace_all(st, rebuild=True, translate=False, config=TraceConfig(workers=1, precheck=on))
        assert not first.get("prechecked")   # (a store traced from nothing aligns every candidate)
        st.close()
        st = _store(p)   # the other three arrive
        res = trace_all(st, translate=False, config=TraceConfig(workers=1, precheck=on))
        st.close()
        assert (res["prechecked"] >= 1) if on else not res.get("prechecked")
        out[on] = (_rows(p, "SELECT copy_id, source_id, kind, spans FROM copies"),
                   _rows(p, "SELECT story_id, page_id FROM story_members"),
                   _rows(p, "SELECT a, b FROM trace_pairs WHERE linked = 1"))
    assert out[True][0], "the full copy and the passage are copies"
    assert out[True] == out[False]


def test_a_shared_quote_is_still_aligned():
    """A phrase that is (part of) a quotation in one body: its keys are item keys, so a pair sharing only it is
    aligned (trace/shared.py may find a shared statement)."""
    d = tokenize(body("orchard") + "\n\n" + QUOTE)
    pos, keys = features_many([d])
    ik = item_keys(d, keys)
    assert len(ik) and set(ik.tolist()) <= set(keys.tolist())
    plain = tokenize(body("orchard"))
    _, pk = features_many([plain])
    assert set(pk.tolist()) - set(ik.tolist()), "orchard keys away from the quote are not item keys"
    assert not len(item_keys(plain, pk))


def test_fill_item_keys_gives_what_indexing_wrote(tmp_path):
    from newstrace.trace.indexing import fill_item_keys
    p = tmp_path / "f.db"
    st = _store(p)
    trace_all(st, rebuild=True, translate=False, config=TraceConfig(workers=1))
    before = _rows(p, "SELECT rid, keys FROM trace_item_keys")
    assert len(before) == 5 and any(k for _, k in before)
    st.conn.execute("DELETE FROM trace_item_keys")
    st.conn.commit()
    assert fill_item_keys(st.conn) == 5
    st.close()
    assert _rows(p, "SELECT rid, keys FROM trace_item_keys") == before


def test_item_keys_many_equals_item_keys_of_each():
    """The batch computation (one pass over all the bodies' characters) gives each body the keys ``item_keys``
    gives it alone: bodies with and without items, empty and one-word bodies, characters whose lower case is
    longer (offsets kept), astral code points, an item at the very start and at the very end of a body, and a
    post whose author line sits on its own line."""
    post = ("Ferries will not park on the harbour front while we still have a say in this town.\n"
            "\u2014 Maria Olsen (@molsen) March 3, 2024")
    bodies = [body("orchard") + "\n\n" + QUOTE, body("orchard"), "", "word", QUOTE, QUOTE + "\n\n" + body("orchard"),
              "\u0130stanbul \u00df " + QUOTE + " \U0001F600 " * 3 + body("orchard"),
              body("orchard") + "\n\n" + post + "\n\n" + body("orchard"),
              "\u201c" + " ".join(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"] * 3)
              + "\u201d", body("orchard") + "\n\n" + QUOTE]
    docs = [tokenize(b) for b in bodies]
    pos, keys = features_many(docs)
    cut = np.searchsorted(pos, np.arange(len(docs) + 1), "left")
    want = [item_keys(d, keys[cut[i]:cut[i + 1]]) for i, d in enumerate(docs)]
    for d in docs:
        d.release()
    got = item_keys_many(docs, keys, cut)
    assert sum(1 for w in want if len(w)) >= 5, "most of these bodies have item keys"
    assert not len(want[1]) and not len(want[2])
    for w, g in zip(want, got):
        assert np.array_equal(w, g)
