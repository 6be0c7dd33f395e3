"""Bodies never move under stored spans: furniture relearning rewrites a body in a new version, keeping the
old one while a copy's spans index into it; the next trace names the new version and the old one goes."""
from __future__ import annotations

from starlette.testclient import TestClient

from newstrace.store import Store, furniture
from newstrace.trace import TraceConfig, link_new
from newstrace.web.app import create_app
from test_trace import TEXTS, art, body, write

APPEAL = "Harbour Post is printed at the Port Ellis press hall on the eastern quay every weekday evening."


def _spanned(st: Store, current: bool = False) -> list[tuple[str, str]]:
    """The text every copy's spans cover, in the copy and in the source, read from the versions they name
    (or from the current bodies)."""
    out = []
    for cid, sid, spans, ch, sh in st.conn.execute(
            "SELECT copy_id, source_id, spans, copy_hash, source_hash FROM copies ORDER BY copy_id, source_id"):
        if current:
            ch = sh = None
        cb, sb = furniture.body_at(st.conn, cid, ch), furniture.body_at(st.conn, sid, sh)
        for a0, a1, b0, b1 in __import__("json").loads(spans):
            out.append((cb[a0:a1], sb[b0:b1]))
    return out


def test_relearned_furniture_keeps_the_body_version_spans_name(tmp_path):
    st = Store(tmp_path / "v.db")
    origin = art("https://harbour-post.example/ferry", APPEAL + "\n\n" + body("harbour"), TEXTS["harbour"]["title"],
                 "2021-05-04T09:00:00+00:00")
    copy = art("https://coast-daily.example/ferry", APPEAL + "\n\n" + body("harbour"), TEXTS["harbour"]["title"],
               "2021-05-05T09:00:00+00:00")
    write(st, [origin, copy])
    st.relearn_furniture()
    link_new(st, translate=False, config=TraceConfig(workers=1))
    before = _spanned(st)
    assert before
    old_hash = st.conn.execute("SELECT body_hash FROM articles WHERE page_id = ?", (origin.page_id,)).fetchone()[0]

    # two more pages of the origin's site carry the appeal: it is furniture now, and the origin's body changes
    more = [art(f"https://harbour-post.example/{k}", APPEAL + "\n\n" + body(k), TEXTS[k]["title"], "2021-06-01")
            for k in ("orchard", "library")]
    write(st, more)
    st.relearn_furniture()
    new_body = st.conn.execute("SELECT body, body_hash FROM articles WHERE page_id = ?", (origin.page_id,)).fetchone()
    assert APPEAL not in new_body[0] and new_body[1] != old_hash
    kept = st.conn.execute("SELECT body FROM body_versions WHERE page_id = ? AND body_hash = ?",
                           (origin.page_id, old_hash)).fetchone()
    assert kept is not None and APPEAL in kept[0]
    assert _spanned(st) == before                       # the stored spans still cover the same text
    assert _spanned(st, current=True) != before         # (which the rewritten body no longer has there)
    st.close()
    with TestClient(create_app(str(tmp_path / "v.db"))) as c:   # and the compare page highlights it
        page = c.get(f"/copy/{copy.page_id}/{origin.page_id}.json").json()
    segs = page["segments"]["source"]
    assert "".join(seg["text"] for seg in segs) == kept[0]      # the version the spans name, highlighted
    assert segs[0]["text"].startswith(APPEAL[:40]) and segs[0]["cls"] != "removed"

    st = Store(tmp_path / "v.db")
    link_new(st, translate=False, config=TraceConfig(workers=1))   # the changed body is aligned and decided again
    assert st.conn.execute("SELECT source_hash FROM copies WHERE source_id = ?", (origin.page_id,)).fetchone()[0] \
        == new_body[1]
    assert st.conn.execute("SELECT count(*) FROM body_versions").fetchone()[0] == 0   # no span names it any more
    for a, b in _spanned(st):
        assert a and b
    st.close()
