"""analyze: per-article analysis after extraction (claims, actors, relations, loaded language).

Stage functions here are plain, picklable functions over records; heavy resources (the spaCy pipeline,
trained models shipped under ``analyze/models/``) load lazily once per process through :mod:`.nlp`.
"""
