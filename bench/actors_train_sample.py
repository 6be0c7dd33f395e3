"""The relations the system finds on a random sample of PolNeAR **train** articles (never the labelled set), and
the sentences with two actors and a relation cue where it finds none: material for reading the system's errors by
construction kind without looking at the labelled set's test half. Prints; scores nothing (train has no relation
labels).

Usage: ``PYTHONPATH=src nice -n 10 .venv/bin/python bench/actors_train_sample.py [--n 70] [--seed 7] [--chars 6000]``
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_or_skip  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=70)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--chars", type=int, default=6000, help="the first N characters of each article")
    a = ap.parse_args(argv)
    polnear = shared_or_skip("polnear")
    from newstrace.analyze import actors, aliases, relations
    from newstrace.analyze.nlp import english

    nlp, table = english(), aliases.load(None)
    files = sorted((polnear / "data" / "train" / "text").glob("*.txt"))
    random.seed(a.seed)
    files = random.sample(files, min(a.n, len(files)))
    cues = set(relations.LEMMA_TYPE) | set(relations.NOUN_REL) | set(relations.NOUN_TYPE)
    miss, found = [], []
    for f in files:
        doc = nlp(f.read_text(encoding="utf-8")[: a.chars])
        acts = actors.analyse(doc, table, None)
        rels = relations.find_relations(doc, acts)
        starts = {r.start for r in rels}
        found += [f"{r.subject_name} | {r.type} | {r.object_name} || {r.evidence[:250]!r}" for r in rels]
        for s in doc.sents:
            ms = [m for m in acts.mentions if s.start_char <= m.start < s.end_char and m.metonymy != "literal"]
            if len({m.key for m in ms}) < 2 or s.start_char in starts:
                continue
            c = [t.text for t in s if t.lemma_.lower() in cues and t.pos_ in ("VERB", "NOUN")]
            if c:
                miss.append(f"{c} {[m.text for m in ms]} || {s.text[:300]!r}")
    print(f"FOUND {len(found)}", *found, sep="\n")
    print(f"NO RELATION, WITH A CUE {len(miss)}", *miss, sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
