"""The content-gap merge of the claims kernel (claims.merge_content_gaps): two content runs of one sentence
with only unlabelled tokens between them become one run; a source or cue between them, or a sentence end,
keeps them apart."""
from __future__ import annotations

from newstrace.analyze.claims import merge_content_gaps
from newstrace.analyze.claims_tokens import tokenize


def _labels(doc, spans: dict[str, tuple[int, int]]) -> list[str]:
    out = ["O"] * len(doc)
    for role, (a, b) in spans.items():
        for i in range(a, b):
            out[i] = ("B-" if i == a else "I-") + role[:3]
    return out


def test_two_content_halves_of_one_sentence_join_across_unlabelled_words():
    doc = tokenize("Officials said the plan would fail, and the costs would rise sharply.")
    words = [t.text for t in doc]
    a, b = words.index("the"), words.index("and")
    labels = _labels(doc, {"SRC": (0, 1), "CUE": (1, 2)})
    for i in range(a, b - 1):
        labels[i] = "B-CON" if i == a else "I-CON"
    c = words.index("costs") - 1
    for i in range(c, len(words) - 1):
        labels[i] = "B-CON" if i == c else "I-CON"
    merged = merge_content_gaps(doc, labels, 1000)
    con = [i for i, lab in enumerate(merged) if lab.endswith("CON")]
    assert con == list(range(a, len(words) - 1))
    assert [lab for lab in merged if lab.startswith("B-")] == ["B-SRC", "B-CUE", "B-CON"]
    # a gap wider than the limit stays open
    assert merge_content_gaps(doc, labels, 1) == labels
    # off
    assert merge_content_gaps(doc, labels, 0) == labels


def test_a_cue_between_two_contents_or_a_sentence_end_keeps_them_apart():
    doc = tokenize("The plan will fail, she said, and costs will rise. Prices fell today.")
    words = [t.text for t in doc]
    labels = ["O"] * len(doc)
    for i in range(0, 4):
        labels[i] = "B-CON" if i == 0 else "I-CON"
    she, said = words.index("she"), words.index("said")
    labels[she], labels[said] = "B-SRC", "B-CUE"
    k = words.index("costs")
    for i in range(k, k + 3):
        labels[i] = "B-CON" if i == k else "I-CON"
    p = words.index("Prices")
    labels[p], labels[p + 1] = "B-CON", "I-CON"
    assert merge_content_gaps(doc, labels, 1000) == labels
