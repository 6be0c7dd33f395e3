"""Carry-over kernel: claims go only where the copy reads the same; changed text is returned for analysis;
translations take claims over aligned sentence pairs."""
from __future__ import annotations

from newstrace.analyze.carry import carry_same_language, carry_translation, link_changed

SRC = "Intro line.\n\nThe mayor said the bridge will close.\n\nOfficials said repairs take a year."


def claim(body, source, cue, content, key, kind="indirect", part="body"):
    s, c, t = body.index(source), body.index(cue), body.index(content)
    return {"page_id": "src", "idx": 0, "kind": kind, "part": part, "source_start": s, "source_end": s + len(source),
            "cue_start": c, "cue_end": c + len(cue), "content_start": t, "content_end": t + len(content),
            "claim_key": key, "chain": [], "origin": "analysed"}


def test_same_language_carries_only_claims_whose_text_the_copy_has():
    c1 = claim(SRC, "The mayor", "said", "the bridge will close", "src:0")
    c2 = claim(SRC, "Officials", "said repairs", "repairs take a year", "src:1")
    copy = "Added by the copy.\n\nThe mayor said the bridge will close.\n\nOfficials admitted repairs take a year."
    carried, fresh, title = carry_same_language("src", SRC, "T", [c1, c2], "cp", copy, "T")
    assert [c["claim_key"] for c in carried] == ["src:0"]
    got = carried[0]
    assert copy[got["content_start"]:got["content_end"]] == "the bridge will close"
    assert copy[got["source_start"]:got["source_end"]] == "The mayor"
    assert got["origin"] == "carried" and got["carried_from"] == "src" and got["page_id"] == "cp"
    assert [t for _, t in fresh] == ["Added by the copy.", "Officials admitted repairs take a year."]
    assert title is False  # same headline: its claims are carried, not analysed again


def test_changed_cue_keeps_the_claim_key():
    c2 = claim(SRC, "Officials", "said repairs", "repairs take a year", "src:1")
    copy = "Officials admitted repairs take a year."
    s = copy.index("repairs take a year")
    new = [{"kind": "indirect", "part": "body", "content_start": s, "content_end": s + 19, "claim_key": None}]
    link_changed(new, copy, [c2], SRC)
    assert new[0]["claim_key"] == "src:1"
    other = [{"kind": "indirect", "part": "body", "content_start": 0, "content_end": 9, "claim_key": None}]
    link_changed(other, "Unrelated words entirely.", [c2], SRC)
    assert other[0]["claim_key"] is None


def test_translation_takes_claims_over_aligned_sentences():
    c1 = claim(SRC, "The mayor", "said", "the bridge will close", "src:0")
    a = SRC.index("The mayor")
    pairs = [[0, 30, a, a + 37]]
    out = carry_translation("src", [c1, dict(c1, kind="assertion")], "fr", pairs)
    assert len(out) == 1
    assert out[0]["origin"] == "translated" and (out[0]["content_start"], out[0]["content_end"]) == (0, 30)
    assert out[0]["source_start"] is None and out[0]["claim_key"] == "src:0"
    assert carry_translation("src", [c1], "fr", [[0, 5, 0, 5]]) == []
