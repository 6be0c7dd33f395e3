"""The JSON twins documented: an OpenAPI 3.1 document generated from the app's route table (``/openapi.json``)
and the same as a page (``/api``), linked from the footer of every page.

Paths, path parameters, twins (.json, .csv) and summaries come from the routes and the views' docstrings; query
parameters from the views' filter tuples (``QUERY``); each response schema is inferred from a real answer of the
view on the database being served (an example id taken from it), so the document says what the twin returns, not
what someone once wrote down. Computed once per database change.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

from ..store import web as sw
from . import views

SORTS = {views.stories: sw.STORY_LIST_SORTS, views.sites: sw.SITE_SORTS, views.copies: sw.COPY_SORTS}
QUERY: dict[Callable, tuple[str, ...]] = {
    views.stories: ("page", "sort", *views.STORY_FILTERS),
    views.sites: ("page", "sort", *views.SITE_FILTERS),
    views.copies: ("page", "sort", *views.COPY_FILTERS),
    views.search: ("q", "page", "site", "from", "to", "lang", "kind"),
    views.problems: ("page", "reason"),
    views.identifier: ("kind", "value", "page"),
    views.credited: ("name",),
    views.network: views.NETWORK_FILTERS,
    views.spread: ("step",),
}
REQUIRED = {views.identifier: {"kind", "value"}, views.credited: {"name"}}


def _examples(db: views.Reader) -> dict[str, tuple]:
    """An example value of each path parameter, taken from the database."""
    return sw.example_ids(db.conn(), db.tables())


def _schema(v: Any, depth: int = 0) -> dict[str, Any]:
    if v is None:
        return {"type": "null"}
    if isinstance(v, bool):
        return {"type": "boolean"}
    if isinstance(v, int):
        return {"type": "integer"}
    if isinstance(v, float):
        return {"type": "number"}
    if isinstance(v, str):
        return {"type": "string"}
    if isinstance(v, (list, tuple, set)):
        items = list(v)
        if depth >= 3 or not items:
            return {"type": "array"}
        return {"type": "array", "items": _schema(items[0], depth + 1)}
    if isinstance(v, dict):
        if depth >= 3:
            return {"type": "object"}
        return {"type": "object", "properties": {str(k): _schema(x, depth + 1) for k, x in v.items()}}
    return {"type": "string"}


def _call(view, db, ex, path_params: list[str]) -> tuple[dict[str, Any] | None, str | None]:
    """A real answer of ``view`` for the example ids: (JSON body, CSV columns)."""
    kw: dict[str, Any] = {}
    params: dict[str, str] = {}
    for p in path_params:
        if p in ("copy_id", "source_id"):
            if "copy" not in ex:
                return None, None
            kw[p] = ex["copy"][0 if p == "copy_id" else 1]
        elif p in ex:
            kw[p] = ex[p][0]
        else:
            return None, None
    if view is views.identifier:
        if "identifier" not in ex:
            return None, None
        params = {"kind": ex["identifier"][0], "value": ex["identifier"][1]}
    if view is views.credited:
        if "credited" not in ex:
            return None, None
        params = {"name": ex["credited"][0]}
    try:
        page = view(db, params, **kw)
    except (views.NotFound, views.BadRequest, views.Moved):
        return None, None
    cols = ", ".join(page.table[0]) if page.table is not None else None
    return {"ok": True, "title": page.title, **page.data}, cols


def openapi(db: views.Reader, documented: list[tuple[str, Callable, bool, str]]) -> dict[str, Any]:
    """The OpenAPI document of every page's JSON twin (and CSV twin where there is one)."""
    ex = _examples(db)
    paths: dict[str, Any] = {}
    for path, view, csv_twin, json_path in documented:
        params = [p for p in _path_params(path)]
        body, cols = _call(view, db, ex, params)
        doc = inspect.getdoc(view) or ""
        summary = doc.split("\n\n")[0].replace("\n", " ") or view.__name__
        parameters = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
        for q in QUERY.get(view, ()):
            sch: dict[str, Any] = {"type": "integer" if q in ("page", "step", "min_size", "min_pages") else "string"}
            if q == "sort" and view in SORTS:
                sch = {"type": "string", "enum": list(SORTS[view])}
            if q in ("from", "to"):
                sch = {"type": "string", "format": "date"}
            parameters.append({"name": q, "in": "query", "required": q in REQUIRED.get(view, ()), "schema": sch})
        responses: dict[str, Any] = {
            "200": {"description": "the page's data (the HTML page shows the same)",
                    "content": {"application/json": {"schema": _schema(body) if body else {"type": "object"}}}},
            "404": {"description": "not found: {ok: false, error, status}"},
            "400": {"description": "bad parameter: {ok: false, error, status}"},
        }
        if path.startswith("/story/"):
            responses["301"] = {"description": "the story has a new id (an earlier origin arrived): Location names it"}
        op = {"operationId": view.__name__, "summary": summary, "description": doc, "parameters": parameters,
              "responses": responses, "x-html-page": path}
        paths[json_path] = {"get": op}
        if csv_twin:
            paths[json_path[:-5] + ".csv"] = {"get": {
                "operationId": view.__name__ + "_csv", "summary": f"{summary} (CSV: the page's table)",
                "parameters": parameters,
                "responses": {"200": {"description": f"CSV with the columns: {cols or 'see the JSON twin'}",
                                      "content": {"text/csv": {}}}}}}
    paths["/export/{what}.{fmt}"] = {"get": {
        "operationId": "export", "summary": "A whole filtered list (stories, sites, copies, search, a story's "
                                            "members), streamed",
        "parameters": [{"name": "what", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["stories", "sites", "copies", "search", "members"]}},
                       {"name": "fmt", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["csv", "json"]}},
                       {"name": "story", "in": "query", "required": False, "schema": {"type": "string"},
                        "description": "members: the story whose every member is listed"}],
        "responses": {"200": {"description": "every row of the filtered list (same filters as the list page)"}}}}
    paths["/story/{story_id}/bundle.zip"] = {"get": {
        "operationId": "story_bundle", "summary": (inspect.getdoc(views.story_bundle) or "").split("\n\n")[0],
        "parameters": [{"name": "story_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "a zip: story.json, members.csv, copies.csv, passages.csv, "
                                             "evidence.csv, captures.csv, captures/"}}}}
    paths["/capture/{page_id}/page"] = {"get": {
        "operationId": "capture_document", "summary": (inspect.getdoc(views.capture_document) or "").split("\n\n")[0],
        "parameters": [{"name": "page_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "text/html under Content-Security-Policy: sandbox"},
                      "404": {"description": "the captured bytes cannot be read back (the reason is given)"}}}}
    return {"openapi": "3.1.0",
            "info": {"title": "newstrace serve: the JSON twins", "version": "1",
                     "description": "Every HTML page has a JSON twin (its path plus .json; the home page is "
                                    "/index.json) and table-like pages a CSV twin. Read-only; errors are "
                                    "{ok: false, error, status}."},
            "paths": paths}


def _path_params(path: str) -> list[str]:
    out, i = [], 0
    while True:
        a = path.find("{", i)
        if a < 0:
            return out
        b = path.find("}", a)
        out.append(path[a + 1:b].split(":")[0])
        i = b + 1
