"""Relations and aliases on a hand-labelled sample of PolNeAR **train** sentences (never the labelled set):
the set the relation and alias rules are written against, so the labelled set's test half stays unread.

The sample (``tests/data/actors/train_sentences.json``, made once by ``--sample``): articles drawn at random
from PolNeAR train (seed), from each the first sentences (within ``--chars``) that hold two or more distinct
spaCy PERSON/ORG/GPE entities, at most ``--per`` per article (relation candidates, chosen without the relation
lexicon), plus every sentence with an alias cue ("known as", "formerly", "renamed", "aka", "-based", a
parenthesis). Labels (``train_labels.txt``, written by hand from the sentence text before the rules were
changed, same guide as GUIDE.md): ``L subject | type | object`` and ``A name | alias | kind`` per sentence, by
surface name. Scoring: a predicted relation whose evidence sentence is a labelled one is right when its type
and the last words of its subject's and object's names equal a gold one's; aliases as the labelled set scores them.

Usage: ``PYTHONPATH=src nice -n 10 .venv/bin/python bench/actors_train_relations.py [--sample] [--errors]``
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_or_skip  # noqa: E402

HERE = Path(__file__).resolve().parent.parent / "tests" / "data" / "actors"
SAMPLE = HERE / "train_sentences.json"
LABELS = HERE / "train_labels.txt"
ALIAS_CUE = re.compile(r"known as|formerly|renamed|\baka\b|-based|\(|now called|changed (?:its|his|her) name")


def _last(s: str) -> str:
    s = s.strip().strip(".,;:'\"\u201c\u201d")
    for tail in ("'s", "\u2019s"):
        if s.endswith(tail):
            s = s[: -len(tail)]
    w = s.casefold().split()
    return w[-1] if w else ""


def _norm(s: str) -> str:
    s = s.strip().strip(".,;:'\"\u201c\u201d")
    for lead in ("the ", "The ", "a ", "an "):
        if s.startswith(lead):
            s = s[len(lead):]
    return s.casefold()


def _train_files(shared: Path, corpus: str) -> list[Path]:
    if corpus == "ptc":
        return sorted((shared / "ptc" / "train-articles").glob("*.txt"))
    return sorted((shared / "polnear" / "data" / "train" / "text").glob("*.txt"))


def make_sample(shared: Path, n: int, per: int, chars: int, seed: int, corpus: str = "polnear") -> list[dict]:
    from newstrace.analyze.nlp import english

    nlp = english()
    files = _train_files(shared, corpus)
    random.seed(seed)
    out = []
    for f in random.sample(files, n):
        text = f.read_text(encoding="utf-8")[:chars]
        doc = nlp(text)
        k = 0
        for s in doc.sents:
            ents = {e.text for e in s.ents if e.label_ in ("PERSON", "ORG", "GPE")}
            rel = len({e.split()[-1] for e in ents}) >= 2 and k < per
            alias = bool(ALIAS_CUE.search(s.text)) and bool(ents)
            if rel or alias:
                k += rel
                row = {"doc": f.stem, "start": s.start_char, "end": s.end_char, "text": s.text,
                       "why": "relation" if rel else "alias"}
                out.append({**row, "corpus": corpus} if corpus != "polnear" else row)
    return out


ALIAS_STRONG = re.compile(r"known as|formerly|renamed|\baka\b|a\.k\.a\.|also called|now called|[A-Za-z]-based "
                          r"[a-z]|\([A-Z]{2,}[A-Z.&]*\)|, or [A-Z]{2,}\b|changed (?:its|his|her) name")


def make_alias_sample(shared: Path, n: int, seed: int, skip: set[str]) -> list[dict]:
    """``n`` sentences drawn at random (seed) from every PolNeAR train sentence with a strong alias cue, in
    articles outside ``skip``; the sentence is the one spaCy's parse of its line gives around the cue."""
    from newstrace.analyze.nlp import english

    nlp = english()
    cands = []
    for f in _train_files(shared, "polnear"):
        if f.stem in skip:
            continue
        text = f.read_text(encoding="utf-8")
        for line in re.finditer(r"[^\n]+", text):
            for mt in ALIAS_STRONG.finditer(line.group()):
                cands.append((f.stem, line.start(), line.group(), mt.start()))
    random.seed(seed)
    out, seen = [], set()
    for stem, off, line, at in random.sample(cands, len(cands)):
        if len(out) >= n:
            break
        for s in nlp(line).sents:
            if s.start_char <= at < s.end_char and (stem, off + s.start_char) not in seen:
                seen.add((stem, off + s.start_char))
                out.append({"doc": stem, "start": off + s.start_char, "end": off + s.end_char, "text": s.text,
                            "why": "alias-cue"})
    return sorted(out, key=lambda x: (x["doc"], x["start"]))


def load_labels() -> dict[int, dict]:
    """Sentence index -> {"L": [(subject, type, object)], "A": [(name, alias, kind)]}."""
    out: dict[int, dict] = {}
    cur = None
    for n, raw in enumerate(LABELS.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("=== "):
            cur = out.setdefault(int(line[4:].split()[0]), {"L": [], "A": []})
            continue
        tag, rest = line[0], [x.strip() for x in line[2:].split("|")]
        if tag not in ("L", "A") or len(rest) != 3 or cur is None:
            raise ValueError(f"{LABELS.name}:{n}: bad line {line!r}")
        cur[tag].append(tuple(rest))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sample", action="store_true", help="draw the sentences (once; overwrites the sample)")
    ap.add_argument("--alias-sample", type=int, default=0, metavar="N",
                    help="append N sentences with a strong alias cue from other train articles (once)")
    ap.add_argument("--ptc-sample", type=int, default=0, metavar="N",
                    help="append the sentences of N random PTC train articles, drawn as --sample draws (once)")
    ap.add_argument("--n", type=int, default=45)
    ap.add_argument("--per", type=int, default=3)
    ap.add_argument("--chars", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--errors", action="store_true")
    a = ap.parse_args(argv)
    polnear = shared_or_skip("polnear")
    shared = polnear.parent
    if a.ptc_sample:
        old = json.loads(SAMPLE.read_text(encoding="utf-8"))
        old = [x for x in old if x.get("corpus") != "ptc"]
        new = make_sample(shared, a.ptc_sample, a.per, a.chars, a.seed, "ptc")
        SAMPLE.write_text(json.dumps(old + new, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{len(new)} PTC train sentences appended -> {SAMPLE}")
        return 0
    if a.alias_sample:
        old = json.loads(SAMPLE.read_text(encoding="utf-8"))
        old = [x for x in old if x["why"] != "alias-cue"]
        new = make_alias_sample(shared, a.alias_sample, a.seed, {x["doc"] for x in old})
        SAMPLE.write_text(json.dumps(old + new, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{len(new)} alias-cue sentences appended -> {SAMPLE}")
        return 0
    if a.sample:
        s = make_sample(shared, a.n, a.per, a.chars, a.seed)
        SAMPLE.write_text(json.dumps(s, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{len(s)} sentences -> {SAMPLE}")
        return 0
    import actors_labelled

    from newstrace.analyze import aliases
    from newstrace.analyze.nlp import english

    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    labels = load_labels()
    by_doc: dict[str, list[int]] = {}
    for i, s in enumerate(sample):
        by_doc.setdefault(s["doc"], []).append(i)
    corpus = {s["doc"]: s.get("corpus", "polnear") for s in sample}

    class Doc:  # what actors_labelled.run reads of a labelled document
        def __init__(self, name):
            self.doc, self.date = name, None
            d = shared / "ptc" / "train-articles" if corpus[name] == "ptc" else polnear / "data" / "train" / "text"
            self.text = (d / f"{name}.txt").read_text(encoding="utf-8")

    docs = [Doc(d) for d in by_doc]
    res = actors_labelled.run(docs, english(), aliases.load(None), None, chains="rules")
    c = Counter()
    errs = []
    for g, doc, acts, rels in res:
        for i in by_doc[g.doc]:
            s = sample[i]
            lab = labels.get(i, {"L": [], "A": []})
            a0, b0 = s["start"], s["end"]
            pred = {(_last(g.text[slice(*r.subject_span)]), r.type, _last(g.text[slice(*r.object_span)])) for r in rels
                    if a0 <= r.subject_span[0] < b0 + 1 and a0 <= r.object_span[0] <= b0}
            gold = {(_last(x), t, _last(y)) for x, t, y in lab["L"]}
            c["l_tp"] += len(pred & gold)
            c["l_pred"] += len(pred)
            c["l_gold"] += len(gold)
            pa = {frozenset((_norm(x.name), _norm(x.alias))) for x in acts.aliases if a0 <= x.start < b0}
            ga = {frozenset((_norm(x), _norm(y))) for x, y, _ in lab["A"]}
            c["a_tp"] += len(pa & ga)
            c["a_pred"] += len(pa)
            c["a_gold"] += len(ga)
            if a.errors:
                errs += [f"FP [{i}] {k} || {s['text'][:220]!r}" for k in pred - gold]
                errs += [f"FN [{i}] {k} || {s['text'][:220]!r}" for k in gold - pred]
                errs += [f"FP-A [{i}] {sorted(k)} || {s['text'][:200]!r}" for k in pa - ga]
                errs += [f"FN-A [{i}] {sorted(k)} || {s['text'][:200]!r}" for k in ga - pa]
    print(f"{len(sample)} sentences from {len(docs)} PolNeAR/PTC train articles, {len(labels)} with labels")
    print("| item | precision | recall | F1 | gold |\n|---|---|---|---|---|")
    for name, pre in (("relations (type, subject, object)", "l"), ("aliases / renamings", "a")):
        p, r, f = actors_labelled.prf(c[pre + "_tp"], c[pre + "_pred"], c[pre + "_gold"])
        print(f"| {name} | {p:.3f} | {r:.3f} | **{f:.3f}** | {c[pre + '_gold']} |")
    if errs:
        print("\n" + "\n".join(errs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
