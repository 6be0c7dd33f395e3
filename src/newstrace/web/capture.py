"""The captured copy of a page: its bytes read back from where ingest read them, and a sanitised rendering.

The store keeps extracted text, not the captured HTML (``pages`` holds the source, type, size and a content
hash; ``page_sources`` every place the page was read from). So the captured bytes are read back from the
source: a WARC record by file and offset (``archive.warc.gz#1234``), an HTML file by path (gunzipped when
``.gz``), a JSONL export by file and line. When the file is gone or changed (its bytes no longer hash to the
stored ``content_sha``) the page says so and serves the extracted text only.

:func:`sanitise` turns hostile HTML into inert HTML by construction: the output is written tag by tag from an
allowlist (text structure only), every attribute dropped but a few plain ones, every text escaped; scripts,
styles, frames, forms, media, meta and link elements go with their content; links keep their text and show
their target as text; images become their alt text. The result is served as its own document under
``Content-Security-Policy: sandbox`` with nothing allowed to load (:data:`CAPTURE_CSP`).
"""
from __future__ import annotations

import gzip
import html
import json
import os
from typing import Any

from ..records import content_hash

MAX_BYTES = 16 * 1024 * 1024
CAPTURE_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'; object-src 'none'; script-src 'none'")

KEEP = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "q",
        "cite", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "code", "pre", "kbd", "samp",
        "var", "abbr", "time", "span", "div", "section", "article", "header", "footer", "nav", "aside", "main",
        "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "a", "address",
        "details", "summary", "del", "ins", "center", "font", "big", "tt", "strike"}
# dropped with their content (code, styles, embedded documents, form values); every other tag outside KEEP is
# dropped but its children are walked (and sanitised) in its place: an HTML4 parser nests the rest of the page
# inside an unclosed <source> or <embed>, which must not lose it
DROP = {"script", "style", "noscript", "template", "iframe", "frameset", "svg", "math", "head", "title", "textarea",
        "select", "option", "optgroup", "datalist", "xml", "xmp", "plaintext", "noembed", "noframes"}
VOID = {"br", "hr"}
ATTRS = {"colspan", "rowspan", "lang", "dir", "datetime", "scope", "headers", "abbr"}
NUMERIC = {"colspan", "rowspan"}


def parse_source(source: str) -> dict[str, Any]:
    """``a.warc.gz#1234`` -> warc file and offset; ``x.jsonl:12`` -> jsonl file and line; else a file path."""
    path, sep, tail = source.rpartition("#")
    if sep and tail.isdigit() and ".warc" in path.lower():
        return {"kind": "warc", "file": path, "offset": int(tail)}
    path, sep, tail = source.rpartition(":")
    if sep and tail.isdigit() and path.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        return {"kind": "jsonl", "file": path, "line": int(tail)}
    return {"kind": "file", "file": source}


def _open(path: str):
    from ..read import ReadProblem, open_regular

    try:
        return open_regular(path)
    except ReadProblem as e:
        raise OSError(str(e)) from None


def read_back(source: str) -> dict[str, Any]:
    """The captured bytes of one source, with the WARC record's headers when it is one. Never raises: a
    missing or unreadable file gives ``{"raw": None, "missing": reason}``."""
    s = parse_source(source)
    out: dict[str, Any] = {**s, "source": source, "raw": None, "missing": None}
    if not os.path.exists(s["file"]):
        out["missing"] = f"the file {s['file']} is no longer there"
        return out
    try:
        if s["kind"] == "warc":
            out.update(_read_warc(s["file"], s["offset"]))
        elif s["kind"] == "jsonl":
            out.update(_read_jsonl(s["file"], s["line"]))
        else:
            with _open(s["file"]) as fh:
                f = gzip.GzipFile(fileobj=fh, mode="rb") if s["file"].lower().endswith(".gz") else fh
                out["raw"] = f.read(MAX_BYTES + 1)
            if len(out["raw"]) > MAX_BYTES:
                out["raw"], out["missing"] = None, f"the file is larger than {MAX_BYTES} bytes"
    except Exception as e:  # noqa: BLE001 - a broken or replaced file is reported, never fatal
        out["raw"], out["missing"] = None, f"could not read it back: {type(e).__name__}: {e}"
    return out


def _read_warc(path: str, offset: int) -> dict[str, Any]:
    from fastwarc.warc import ArchiveIterator

    with _open(path) as fh:
        fh.seek(offset)
        for rec in ArchiveIterator(fh, parse_http=True, verify_digests=False):
            payload = rec.reader.read(MAX_BYTES + 1)
            if len(payload) > MAX_BYTES:
                return {"missing": f"the record is larger than {MAX_BYTES} bytes"}
            return {"raw": payload, "record_id": rec.record_id, "record_type": str(rec.headers.get("WARC-Type")),
                    "warc_date": rec.headers.get("WARC-Date"), "target_uri": rec.headers.get("WARC-Target-URI"),
                    "payload_digest": rec.headers.get("WARC-Payload-Digest"),
                    "http_status": rec.http_headers.status_code if rec.http_headers is not None else None}
    return {"missing": f"no WARC record at offset {offset} any more"}


def _read_jsonl(path: str, line: int) -> dict[str, Any]:
    with _open(path) as fh:
        f = gzip.GzipFile(fileobj=fh, mode="rb") if path.lower().endswith(".gz") else fh
        for i, raw in enumerate(f, 1):
            if i == line:
                rec = json.loads(raw)
                h = rec.get("html") if isinstance(rec, dict) else None
                if isinstance(h, str):
                    return {"raw": h.encode("utf-8", "surrogatepass")}
                return {"missing": "the JSONL record holds text, not HTML"}
    return {"missing": f"no line {line} in {path} any more"}


def captured(sources: list[dict[str, Any]], content_sha: str | None) -> dict[str, Any]:
    """Read back the first source whose bytes still hash to ``content_sha`` (or the first readable one when
    the store has no hash). Returns the read-back dict with ``verified`` (True/False/None) and ``sources``."""
    tried = []
    best = None
    for s in sources:
        r = read_back(s["source"])
        r["seen_at"] = s.get("seen_at")
        if r["raw"] is not None:
            r["verified"] = (content_hash(r["raw"], None) == content_sha) if content_sha else None
            if r["verified"] is False:
                r["missing"] = "the bytes there no longer match what was ingested (the file changed)"
        tried.append(r)
        if best is None and r["raw"] is not None and r["verified"] is not False:
            best = r
    out = dict(best) if best else {"raw": None}
    out["sources"] = [{k: v for k, v in t.items() if k != "raw"} for t in tried]
    return out


def _decode(raw: bytes, content_type: str | None = None) -> str:
    from ..read.charset import charset_from_content_type, decode_bytes

    return decode_bytes(raw, charset_from_content_type(content_type))[0]


def sanitise(raw: bytes, content_type: str | None = None) -> tuple[str, dict[str, int]]:
    """Inert HTML for the body of a captured page, and counts of what was removed."""
    import lxml.html
    from lxml import etree

    removed = {"elements": 0, "attributes": 0, "links": 0, "images": 0}
    try:
        text = _decode(raw, content_type)
    except Exception:  # noqa: BLE001
        text = raw.decode("utf-8", "replace")
    if not text.strip():
        return "", removed
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return "<p>" + html.escape(text) + "</p>", removed
    body = doc.find("body")
    root = body if body is not None else doc
    out: list[str] = []
    # iterative walk (a hostile page can nest deeper than Python's recursion limit)
    stack: list[Any] = [("open", root)]
    while stack:
        op, node = stack.pop()
        if op == "text":
            out.append(html.escape(node))
            continue
        if op == "close":
            out.append(f"</{node}>")
            continue
        tag = node.tag if isinstance(node.tag, str) else None
        tail = node.tail if node is not root else None
        if tail:
            stack.append(("text", tail))
        if tag is None:           # comment, processing instruction, entity
            continue
        tag = tag.lower().split("}")[-1]
        if tag in DROP:
            removed["elements"] += 1
            continue
        if tag == "img":
            removed["images"] += 1
            alt = (node.get("alt") or "").strip()
            out.append(f'<span class="img">[image{": " + html.escape(alt) if alt else ""}]</span>')
            continue
        keep = tag in KEEP and tag not in ("body", "html")
        if tag not in KEEP:
            removed["elements"] += 1
        attrs = []
        for name, value in node.attrib.items():
            n = str(name).lower()
            if keep and n in ATTRS and (n not in NUMERIC or str(value).isdigit()):
                attrs.append(f' {n}="{html.escape(str(value), quote=True)}"')
            else:
                removed["attributes"] += 1
        if tag == "a" and node.get("href") is not None:
            removed["links"] += 1
            attrs.append(f' class="link" title="{html.escape("link to " + str(node.get("href"))[:500], quote=True)}"')
            tag_out = "span"
        else:
            tag_out = tag
        if keep:
            out.append(f"<{tag_out}{''.join(attrs)}>")
            if tag in VOID:
                continue
            stack.append(("close", tag_out))
        for child in reversed(list(node)):
            stack.append(("open", child))
        if node.text:
            stack.append(("text", node.text))
    return "".join(out), removed


def document(body: str, meta: dict[str, Any]) -> str:
    """The sanitised capture as a whole document: a banner saying what it is, then the inert body."""
    e = html.escape
    return ("<!doctype html><html lang=\"und\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Captured copy: {e(meta.get('url') or '')}</title>"
            "<style>body{font:16px/1.5 Georgia,serif;max-width:46rem;margin:0 auto;padding:1rem;"
            "overflow-wrap:anywhere}.banner{font:14px/1.4 system-ui,sans-serif;background:#fff4cc;"
            "border:1px solid #b38600;padding:.5rem .75rem;margin-bottom:1rem}.link{text-decoration:underline dotted}"
            ".img{color:#555;font-style:italic}table{border-collapse:collapse;max-width:100%}pre{overflow:auto}"
            "</style></head><body><div class=\"banner\" role=\"note\"><strong>Captured copy, sanitised.</strong> "
            f"{e(meta.get('url') or '')} as captured {e(meta.get('captured_at') or 'at an unknown time')}, "
            f"from {e(meta.get('source') or '')}"
            f"{' (record ' + e(meta['record_id']) + ')' if meta.get('record_id') else ''}. "
            "Scripts, styles, images, frames and forms are removed; links are inert (their targets show on "
            "hover). Details: <a href=\"" + e(meta.get("back") or "/", quote=True) + "\">capture record</a>.</div>"
            f"<main>{body}</main></body></html>")
