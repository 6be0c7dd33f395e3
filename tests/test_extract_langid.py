"""py3langid's model from the decompressed copy in the cache: the same identifier as py3langid's own loader."""
from py3langid import langid as L

from newstrace.extract import langid

TEXTS = ["Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen, das die Regeln für Mieter ändert.",
         "Le gouvernement a présenté mercredi un projet de loi sur les retraites.",
         "The harbour board voted on Tuesday to rebuild the sea wall before winter."]


def test_cached_model_gives_py3langids_answers(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSTRACE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(langid, "_DONE", False)
    monkeypatch.setattr(L, "IDENTIFIER", None)
    langid.ensure()
    made = list((tmp_path / "cache").glob("py3langid-*.npz"))
    assert len(made) == 1 and not list((tmp_path / "cache").glob("*.part"))
    ours = L.IDENTIFIER
    assert ours is not None
    own = L.LanguageIdentifier.from_model_file(L.MODEL_FILE)   # py3langid's own loader, from the LZMA file
    assert [ours.classify(t) for t in TEXTS] == [own.classify(t) for t in TEXTS]
    assert [ours.classify(t)[0] for t in TEXTS] == ["de", "fr", "en"]
    # a second process start reads the copy made by the first
    monkeypatch.setattr(langid, "_DONE", False)
    monkeypatch.setattr(L, "IDENTIFIER", None)
    langid.ensure()
    assert list((tmp_path / "cache").glob("py3langid-*.npz")) == made and L.IDENTIFIER is not ours


def test_unwritable_cache_leaves_py3langid_to_load_itself(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NEWSTRACE_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(langid, "_DONE", False)
    monkeypatch.setattr(L, "IDENTIFIER", None)
    langid.ensure()
    assert L.IDENTIFIER is None            # nothing installed: py3langid loads its own model on first use
    assert L.classify(TEXTS[0])[0] == "de"


def _installed():
    langid.classify("warm up")
    return L.IDENTIFIER


def test_automaton_state_is_set_by_the_last_window_bytes():
    """The vectorised walk's premise: no state of the automaton is more than DFA_WINDOW bytes from its start
    (Aho-Corasick: the state after a text is the longest suffix that is a prefix of a feature)."""
    import numpy as np

    ident = _installed()
    nxt, rowbase = ident._np_next, ident._np_rowbase
    depth = np.full(len(rowbase), -1)
    depth[0], frontier, d = 0, np.array([0]), 0
    while len(frontier):
        d += 1
        reached = np.unique(nxt[(rowbase[frontier][:, None] + np.arange(256)).ravel()])
        frontier = reached[depth[reached] < 0]
        depth[frontier] = d
    assert (depth >= 0).all() and depth.max() <= langid.DFA_WINDOW


def test_vectorised_walk_counts_what_py3langid_counts():
    import random

    ident = _installed()
    rng = random.Random(3)
    texts = TEXTS + ["Москва заявила в понедельник, что переговоры продолжатся. " * 3,
                     "東京都は月曜日、新しい計画を発表した。", "a", "", "ab" * 700,
                     "Ο πρωθυπουργός μίλησε στη Βουλή την Τρίτη για τον προϋπολογισμό."]
    texts += ["".join(rng.choice("abcdeéñß ,.\nжщ東") for _ in range(rng.randrange(1, 400))) for _ in range(50)]
    for t in texts:
        data = ident._encode(t)
        ref = L.visit_counts(ident.tk_nextmove, ident._rowbase, ident.tk_output, data)
        got = ident.feature_counts(data)
        if ref is None:
            assert got is None
            continue
        assert list(ref.keys()) == got[0].tolist() and list(ref.values()) == got[1].tolist()


def test_same_answers_as_py3langids_own_identifier():
    ident = _installed()
    own = L.LanguageIdentifier.from_model_file(L.MODEL_FILE)
    texts = TEXTS + ["Москва заявила в понедельник, что переговоры продолжатся.", "東京都は月曜日、新しい計画を発表した。",
                     "x", "", "Il governo ha approvato il decreto.", "El gobierno aprobó el decreto ayer."]
    assert type(ident) is not L.LanguageIdentifier   # the vectorised walk is in use
    for t in texts:
        assert ident.classify(t) == own.classify(t)
        assert ident.rank(t) == own.rank(t)
