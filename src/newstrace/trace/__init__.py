"""Trace: find copies between stored articles, decide origin and credit, build stories and the site network.

``link_new(store)`` indexes the articles not indexed yet (or whose body changed), aligns them with their
LSH candidates among everything stored, and re-decides only the components they touch.
``trace_all(store, rebuild=False)`` does the same for the whole store (``rebuild`` drops the index first
and re-aligns every candidate pair).  Pairs already aligned on the same two bodies are never re-aligned.
The run itself is a short driver over phases (run.py); every setting is in one ``TraceConfig``.
"""
from __future__ import annotations

from typing import Any

from .config import TraceConfig
from .run import run

__all__ = ["TraceConfig", "link_new", "trace_all"]


def link_new(store, translate: bool | None = None, config: TraceConfig | None = None) -> dict[str, Any]:
    """Link the articles added since the last trace against everything stored.
    ``translate=False`` (or NEWSTRACE_NO_TRANSLATE=1) skips the cross-language phase."""
    return run(store, _config(config, translate), rebuild=False, full_decide=False)


def trace_all(store, rebuild: bool = False, translate: bool | None = None,
              config: TraceConfig | None = None) -> dict[str, Any]:
    """(Re)build copy links, stories and the site network for the whole store."""
    return run(store, _config(config, translate), rebuild=rebuild, full_decide=True)


def _config(config: TraceConfig | None, translate: bool | None) -> TraceConfig:
    from dataclasses import replace
    cfg = config or TraceConfig()
    return cfg if translate is None else replace(cfg, translate=translate)
