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
