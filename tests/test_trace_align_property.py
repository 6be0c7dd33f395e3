"""Alignment spans stay inside both bodies whatever the edits (a span past the end once stopped a 100k trace)."""
from __future__ import annotations

import json
import random
from pathlib import Path

from newstrace.trace.align import align
from newstrace.trace.text import tokenize

TEXTS = json.loads((Path(__file__).parent / "fixtures" / "trace" / "texts.json").read_text(encoding="utf-8"))


def _paragraphs() -> list[str]:
    out = []

    def walk(x):
        if isinstance(x, str) and len(x.split()) > 12:
            out.extend(p for p in x.split("\n\n") if len(p.split()) > 8)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(TEXTS)
    return out


def _perturb(rng: random.Random, paras: list[str]) -> list[str]:
    out = []
    for p in paras:
        words = p.split()
        for _ in range(rng.randint(0, 4)):  # substitutions, deletions and repeated words
            i = rng.randrange(len(words))
            op = rng.random()
            if op < 0.4:
                words[i] = rng.choice(["regime", "so-called", "alleged", "the", "a"])
            elif op < 0.7 and len(words) > 5:
                del words[i]
            else:
                words.insert(i, words[i])
        if rng.random() < 0.3 and len(words) > 10:  # split a paragraph in two
            k = rng.randrange(3, len(words) - 3)
            out += [" ".join(words[:k]), " ".join(words[k:])]
        elif rng.random() > 0.15:
            out.append(" ".join(words))
    if out and rng.random() < 0.3:  # a paragraph repeated elsewhere (sites paste a quote twice)
        out.insert(rng.randrange(len(out) + 1), rng.choice(out))
    if len(out) > 2 and rng.random() < 0.5:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    if rng.random() < 0.3:
        out.insert(0, "An added introduction that the copying site wrote itself for its own readers today.")
    return out


def test_spans_are_inside_both_bodies_under_random_edits():
    paras = _paragraphs()
    assert len(paras) >= 8
    rng = random.Random(7)
    linked = 0
    for trial in range(600):
        k = rng.randint(2, min(8, len(paras)))
        start = rng.randrange(len(paras) - k + 1)
        src = paras[start:start + k]
        a_body, b_body = "\n\n".join(_perturb(rng, src)), "\n\n".join(src)
        if rng.random() < 0.5:
            a_body, b_body = b_body, a_body
        res = align(tokenize(a_body), tokenize(b_body))
        linked += bool(res.spans)
        for cs, ce, ss, se in res.spans:
            assert 0 <= cs < ce <= len(a_body), (trial, cs, ce, len(a_body))
            assert 0 <= ss < se <= len(b_body), (trial, ss, se, len(b_body))
    assert linked > 500  # the perturbed copies are still found


def test_paragraph_cuts_of_a_trimmed_run_stay_inside_the_segment():
    # a run trimmed against an earlier segment can be longer on the copy side (10 words) than on the
    # source side (8 words); a paragraph end inside it must not map past the source segment's end
    from newstrace.trace.align import _cut_paragraphs

    a = tokenize("one two three four five six seven eight nine\n\nten eleven twelve")
    b = tokenize("one two three four five six seven eight")
    pieces = _cut_paragraphs(a, b, 0, 10, 0, 8, [(0, 10, 0, 8)])
    assert pieces
    for wa0, wa1, wb0, wb1 in pieces:
        assert 0 <= wa0 < wa1 <= 10 and 0 <= wb0 < wb1 <= 8


def test_word_offsets_equal_the_word_matches_on_every_code_point():
    """Doc's word offsets are read off the body's code points (not the lowered text's): the same runs as WORD's
    matches in the lowered text, over every code point (surrogates aside) and mixed-case text."""
    import numpy as np

    from newstrace.trace.text import WORD, _lower
    allc = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    for text in (allc, " ".join(allc[i:i + 7] for i in range(0, 200000, 5)), "İstanbul ẞtraße ǅemal ΣΊΣΥΦΟΣ x"):
        d = tokenize(text)
        low = _lower(text)
        want = [(m.start(), m.end()) for m in WORD.finditer(low)]
        assert len(want) == d.n
        assert list(zip(d.starts.tolist(), d.ends.tolist())) == want
        assert np.array_equal(d.para, np.searchsorted([s for s, _ in d.para_spans], d.starts, side="right") - 1)
