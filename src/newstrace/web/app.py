"""``newstrace serve``: a read-only website and JSON API over a newstrace database.

Every HTML page has a ``.json`` twin (same path plus ``.json``; the home page is ``/index.json``) and table-like
pages a ``.csv`` twin. Errors are ``{"ok": false, "error": ..., "status": ...}`` in JSON and a plain page in
HTML. Page content is hostile: templates autoescape everything, nothing from a page is marked safe, only
http(s) URLs become links, and every response carries a strict Content-Security-Policy (no scripts at all).
"""
from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, unquote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..store.backend import display_name
from . import views
from .svg import KIND_COLOURS, kind_colour, show_when, show_whens
from .text import csv_cell, safe_url

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """ASGI middleware: security headers on every response (pages, twins, errors and static files)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _fmt_pct(x: Any) -> str:
    return "–" if x is None else f"{100 * float(x):.0f}%"


def _fmt_lag(h: Any) -> str:
    if h is None:
        return "–"
    h = float(h)
    if abs(h) < 1:
        return f"{h * 60:+.0f} min"
    if abs(h) < 48:
        return f"{h:+.1f} h"
    return f"{h / 24:+.1f} d"


def _fmt_num(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float) and not x.is_integer():
        return f"{x:.2f}"
    return f"{int(x):,}"


def make_env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(enabled_extensions=("html", "svg", "xml"), default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(safe_url=safe_url, seg=lambda v: quote(str(v or ''), safe=''), pct=_fmt_pct, lag=_fmt_lag,
                       when=show_when, whens=show_whens, num=_fmt_num, colour=kind_colour,
                       tojson_pretty=lambda v: json.dumps(v, ensure_ascii=False, indent=1, default=str))
    env.globals.update(kind_colours=KIND_COLOURS, low_confidence=views.LOW_CONFIDENCE)

    def drawn(t: dict[str, Any], name: str) -> Markup:
        """The template ``name`` drawn for the geometry ``t`` (a story's timeline), remembered in ``t``: a story
        kept by the reader (views.Reader.recent) is drawn once, whichever members page asks."""
        key = "_drawn:" + name
        hit = t.get(key)
        if hit is None:
            hit = t[key] = Markup(env.get_template(name).render(t=t))
        return hit

    env.filters["drawn"] = drawn
    return env


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, default=str, indent=1).encode("utf-8")


def json_response(obj: Any, status: int = 200) -> Response:
    return Response(_dumps(obj), status_code=status, media_type="application/json")


def csv_response(columns: list[str], rows: list[dict[str, Any]], name: str) -> Response:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow([csv_cell(r.get(c)) for c in columns])
    return Response(buf.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'inline; filename="{name}.csv"'})


def stream_rows(columns: list[str], rows, fmt: str, name: str) -> StreamingResponse:
    """The whole of a filtered list, written row by row as it is read (CSV, or a JSON array of objects)."""
    def chunks():
        if fmt == "csv":
            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow(columns)
            for i, r in enumerate(rows):
                w.writerow([csv_cell(r.get(c)) for c in columns])
                if i % 500 == 499:
                    yield buf.getvalue().encode("utf-8")
                    buf.seek(0)
                    buf.truncate()
            yield buf.getvalue().encode("utf-8")
        else:
            yield b"["
            for i, r in enumerate(rows):
                yield (b",\n" if i else b"\n") + json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False,
                                                            default=str).encode("utf-8")
            yield b"\n]\n"
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return StreamingResponse(chunks(), media_type=media,
                             headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})


def create_app(db_path: str, get_only: bool = False) -> "SecurityHeaders":
    """The ASGI app serving the database at ``db_path`` read-only."""
    reader = views.Reader(db_path)
    env = make_env()

    def render(request: Request, page: views.Page, fmt: str, status: int = 200) -> Response:
        if fmt == "json":
            return json_response({"ok": True, "title": page.title, **page.data}, status)
        if fmt == "csv":
            if page.table is None:
                raise HTTPException(404, "this page has no CSV twin")
            cols, rows = page.table
            return csv_response(cols, rows, page.template.rsplit(".", 1)[0])
        tpl = env.get_template(page.template)
        path = request.url.path
        twins = {"json": _twin(request, "json"), "csv": _twin(request, "csv") if page.table is not None else None}
        html = tpl.render(title=page.title, d=page.data, h=page.html, twins=twins, path=path,
                          db_name=display_name(reader.path), api_anchor=request.scope.get("endpoint_view"))
        return HTMLResponse(html, status_code=status)

    def endpoint(view: Callable[..., views.Page], fmt: str):
        def handle(request: Request) -> Response:
            params = dict(request.query_params)
            request.scope["endpoint_view"] = view.__name__
            try:
                page = view(reader, params, **request.path_params)
            except views.Moved as e:
                return moved(request, e)
            except views.NotFound as e:
                raise HTTPException(404, str(e))
            except views.BadRequest as e:
                raise HTTPException(400, str(e))
            return render(request, page, fmt)
        handle.__name__ = f"{view.__name__}_{fmt}"
        return handle

    routes: list[Any] = []

    def moved(request: Request, e: "views.Moved") -> Response:
        """A permanent redirect from an old id to its new one, same page type, twin and query."""
        path = request.url.path
        i = path.find(e.old)
        target = path[:i] + quote(e.new, safe="") + path[i + len(e.old):] if i >= 0 else path
        q = request.url.query
        return RedirectResponse(target + (f"?{q}" if q else ""), status_code=301)

    documented: list[tuple[str, Any, bool, str]] = []

    def add(path: str, view, csv_twin: bool = True, json_path: str | None = None):
        documented.append((path, view, csv_twin, json_path or path + ".json"))
        routes.append(Route(json_path or path + ".json", endpoint(view, "json")))
        if csv_twin:
            routes.append(Route((json_path or path + ".json")[:-5] + ".csv", endpoint(view, "csv")))
        routes.append(Route(path, endpoint(view, "html")))

    add("/", views.home, csv_twin=False, json_path="/index.json")
    routes.append(Route("/.json", endpoint(views.home, "json")))
    add("/stories", views.stories)
    add("/sites", views.sites)
    add("/story/{story_id}", views.story)
    add("/copy/{copy_id}/{source_id}", views.compare, csv_twin=False)
    add("/article/{page_id}", views.article, csv_twin=False)
    add("/site/{domain}", views.site)
    add("/actor/{actor_id}", views.actor)
    add("/search", views.search)
    add("/copies", views.copies)

    def export(request: Request) -> Response:
        what, fmt = request.path_params["what"], request.path_params["fmt"]
        if fmt not in ("csv", "json"):
            raise HTTPException(404, "export as .csv or .json")
        try:
            cols, rows = views.export(reader, dict(request.query_params), what)
        except views.NotFound as e:
            raise HTTPException(404, str(e))
        except views.BadRequest as e:
            raise HTTPException(400, str(e))
        return stream_rows(cols, rows, fmt, what)

    routes.append(Route("/export/{what}.{fmt}", export))
    add("/identifier", views.identifier)
    add("/credited", views.credited)
    add("/group/{group_id}", views.group)
    add("/problems", views.problems)
    add("/capture/{page_id}", views.capture, csv_twin=False)

    def capture_page(request: Request) -> Response:
        """The sanitised captured page, its own document: sandboxed, nothing may run or load."""
        from .capture import CAPTURE_CSP

        try:
            doc = views.capture_document(reader, request.path_params["page_id"])
        except views.NotFound as e:
            raise HTTPException(404, str(e))
        return HTMLResponse(doc, headers={"content-security-policy": CAPTURE_CSP, "cache-control": "no-store"})

    def bundle(request: Request) -> Response:
        sid = request.path_params["story_id"]
        try:
            data = views.story_bundle(reader, sid)
        except views.Moved as e:
            return moved(request, e)
        except views.NotFound as e:
            raise HTTPException(404, str(e))
        return Response(data, media_type="application/zip",
                        headers={"content-disposition": f'attachment; filename="story-{quote(sid, safe="")}.zip"'})

    add("/network", views.network)
    add("/story/{story_id}/spread", views.spread, csv_twin=False)
    routes.append(Route("/capture/{page_id}/page", capture_page))

    def api_doc():
        from .api import openapi

        return reader.cached("openapi", lambda: openapi(reader, documented))

    def api_json(request: Request) -> Response:
        return json_response(api_doc())

    def api_page(request: Request) -> Response:
        html = env.get_template("api.html").render(title="API: the JSON twins", d=api_doc(), path="/api",
                                                   twins={"json": "/openapi.json"}, db_name=display_name(reader.path),
                                                   api_anchor=None)
        return HTMLResponse(html)

    routes.append(Route("/openapi.json", api_json))
    routes.append(Route("/api", api_page))
    routes.append(Route("/story/{story_id}/bundle.zip", bundle))
    favicon = (HERE / "static" / "favicon.svg").read_bytes()
    routes.append(Route("/favicon.ico", lambda request: Response(favicon, media_type="image/svg+xml")))
    routes.append(Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"))

    def wants_json(request: Request) -> bool:
        p = request.url.path
        return p.endswith(".json") or p.endswith(".csv") or "application/json" in request.headers.get("accept", "")

    def error(request: Request, status: int, message: str) -> Response:
        if wants_json(request):
            return json_response({"ok": False, "error": message, "status": status}, status)
        html = env.get_template("error.html").render(title=f"{status}: {message}"[:200], status=status,
                                                     message=message, twins={}, path=request.url.path,
                                                     db_name=display_name(reader.path))
        return HTMLResponse(html, status_code=status)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error(request, exc.status_code, exc.detail or "error")

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        return error(request, 500, f"internal error: {type(exc).__name__}")

    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, 404: http_error,
                                                       Exception: server_error, 500: server_error})
    app.state.reader = reader
    if not get_only:
        # the network layout takes seconds on a big network, the copies and stories lists' columns a second, the
        # sites of an identifier on every page seconds: computed in the background at start, so the first
        # /network, /copies, /stories and such /identifier pages answer from the cache (after a database change,
        # the next request recomputes them)
        def warm():
            try:
                if reader.has("site_edges"):
                    reader.cached("network-base", lambda: views._network_base(reader))
                if reader.has("copies"):
                    from .copyindex import build

                    reader.cached_trace("copy-index", lambda: build(reader.conn()))
                if reader.has("stories"):
                    from .copyindex import build_stories

                    reader.cached_trace("story-index", lambda: build_stories(reader.conn()))
                if reader.has("identifiers"):
                    views.warm_identifiers(reader)
            except Exception:  # noqa: BLE001 - a cold cache is only slower
                log.exception("network warm-up failed")
        threading.Thread(target=warm, daemon=True, name="network-warm-up").start()
    # outermost, so that even the 500 answers of Starlette's ServerErrorMiddleware carry the headers
    outer = SecurityHeaders(app)
    outer.state = app.state
    return outer


def _twin(request: Request, ext: str) -> str:
    path = request.url.path
    base = "/index" if path == "/" else quote(path.rstrip("/"), safe="/")
    q = request.url.query
    return f"{base}.{ext}" + (f"?{q}" if q else "")


async def _call(app, target: str) -> tuple[int, bytes]:
    """One GET request straight into the ASGI app (no socket, no HTTP client library)."""
    path, _, query = target.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": unquote(path), "raw_path": path.encode("latin-1", "replace"),
             "query_string": query.encode("latin-1", "replace"), "root_path": "",
             "headers": [(b"host", b"localhost"), (b"accept", b"*/*")],
             "client": ("127.0.0.1", 0), "server": ("localhost", 80)}
    status, chunks = 500, []

    sent_request = False

    async def receive():
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()   # the client never disconnects (a streamed answer listens for that)

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception:  # Starlette re-raises after it has sent its 500 answer
        if not chunks:
            raise
    return status, b"".join(chunks)


def serve(db: str, host: str = "127.0.0.1", port: int = 8080, get: str | None = None) -> int:
    """Serve ``db`` read-only on ``host:port``; with ``get``, answer that one request in-process, print the
    body to stdout and return 0 for a 2xx/3xx answer, 1 otherwise."""
    app = create_app(db, get_only=get is not None)
    if get is not None:
        status, body = asyncio.run(_call(app, get if get.startswith("/") else "/" + get))
        text = body.decode("utf-8", "replace")
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0 if status < 400 else 1
    import uvicorn

    print(f"newstrace: serving {display_name(db)} read-only on http://{host}:{port}/  (Ctrl-C to stop)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
