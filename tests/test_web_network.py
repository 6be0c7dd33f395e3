"""The whole-network page (filters by edge kind, credit, strength, weight, group; groups coloured; readable at 60
and 600 sites) and a story's spread replayed step by step, on the traced fixture database and on a synthetic
network of 600 sites written through the store's schema."""
from __future__ import annotations

import json
import math
import random
import sqlite3
import warnings

import pytest

from newstrace.store import Store
from newstrace.web import svg

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from newstrace.web.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from test_web import build_db

    db = build_db(tmp_path_factory.mktemp("web"))
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        c.db = db
        yield c


def synthetic(path, n_sites: int, seed: int = 3) -> str:
    """A store with ``n_sites`` sites, copy flows (a few hubs, a long tail), identifier edges and operator groups
    of 2-5 sites (the network tables only: what /network reads)."""
    rng = random.Random(seed)
    db = str(path / f"net{n_sites}.db")
    st = Store(db)
    c = st.conn
    sites = [f"s{i:03d}-{rng.choice(['news', 'wire', 'daily'])}.example" for i in range(n_sites)]
    with c:
        for i, s in enumerate(sites):
            c.execute("INSERT INTO sites(site, name, pages, furniture_pages, updated_at) VALUES (?,?,?,?,?)",
                      (s, s, rng.randint(1, 5000), 0, "2025-01-01"))
        hubs = sites[: max(3, n_sites // 20)]
        seen = set()
        for s in sites:
            for _ in range(rng.randint(1, 3)):
                b = rng.choice(hubs) if rng.random() < 0.7 else rng.choice(sites)
                if b == s or (s, b) in seen:
                    continue
                seen.add((s, b))
                n = rng.randint(1, 80)
                k = rng.randint(0, n)
                c.execute("INSERT INTO site_edges VALUES (?,?,?,?,?,?)",
                          (s, b, "copy", n, 1, json.dumps({"copies": n, "credited": k, "credit_rate": k / n})))
        i = 0
        while i < n_sites:
            size = rng.randint(2, 5)
            members = sites[i:i + size]
            for a in members[1:]:
                c.execute("INSERT INTO site_edges VALUES (?,?,?,?,?,?)",
                          (members[0], a, "identifier", 2, 1, json.dumps({"strong": [{"kind": "paypal",
                                                                                      "value": f"p{i}"}]})))
            for m in members:
                c.execute("INSERT INTO site_groups VALUES (?,?,?)", (m, f"op-{i:03d}", "[]"))
            i += size + rng.randint(0, 6)
    st.close()
    return db


def test_network_page_filters_and_twins(client):
    r = client.get("/network")
    assert r.status_code == 200
    assert 'href="/network"' in client.get("/").text          # in the header of every page
    d = client.get("/network.json").json()
    assert d["sites"] > 0 and d["edges"] == len(d["edge_list"]) > 0
    kinds = {e["kind"] for e in d["edge_list"]}
    assert "copy" in kinds
    for n in d["nodes"]:
        assert f'href="/site/{n["site"]}"' in r.text or n["site"] != n["site"].strip()
    copy_only = client.get("/network.json?kind=copy").json()
    assert {e["kind"] for e in copy_only["edge_list"]} == {"copy"}
    idents = client.get("/network.json?kind=identifier").json()
    assert all(e["kind"] == "identifier" for e in idents["edge_list"])
    assert copy_only["edges"] + idents["edges"] == d["edges"]
    unc = client.get("/network.json?kind=copy&credit=uncredited").json()
    cred = client.get("/network.json?kind=copy&credit=credited").json()
    unk = client.get("/network.json?kind=copy&credit=unknown").json()
    assert unc["edges"] + cred["edges"] + unk["edges"] == copy_only["edges"]
    assert all(e["credit_rate"] is not None and e["credit_rate"] < 0.5 for e in unc["edge_list"])
    heavy = client.get("/network.json?min_weight=2").json()
    assert all(e["weight"] >= 2 for e in heavy["edge_list"])
    csv_ = client.get("/network.csv?kind=copy")
    assert csv_.status_code == 200 and csv_.text.count("\n") == copy_only["edges"] + 1
    for bad in ("kind=x", "credit=x", "min_weight=x", "strong=2"):
        assert client.get(f"/network?{bad}").status_code == 400
    # credit is told by dash pattern as well as colour
    assert 'stroke-dasharray="9,4"' in client.get("/network?kind=copy&credit=uncredited").text or not unc["edges"]


def test_network_groups_coloured_and_linked(client):
    d = client.get("/network.json").json()
    grouped = [n for n in d["nodes"] if n["group_id"]]
    if not grouped:
        pytest.skip("no operator group in the fixtures")
    g = grouped[0]["group_id"]
    page = client.get("/network").text
    assert f'href="/group/{g}"' in page
    only = client.get(f"/network.json?group={g}").json()
    members = {n["site"] for n in d["nodes"] if n["group_id"] == g}
    assert all(e["site_a"] in members or e["site_b"] in members for e in only["edge_list"])


@pytest.mark.parametrize("n_sites", [60, 600])
def test_whole_network_readable(tmp_path, n_sites):
    db = synthetic(tmp_path, n_sites)
    with TestClient(create_app(db)) as c:
        r = c.get("/network")
        assert r.status_code == 200
        d = c.get("/network.json").json()
    c2 = sqlite3.connect(db)
    connected = {s for row in c2.execute("SELECT site_a, site_b FROM site_edges") for s in row}
    c2.close()
    assert d["sites"] == len(connected) and d["edges_not_drawn"] == 0
    # geometry: every site on the canvas, sites spread out, labels never overlap, many labelled
    from newstrace.web.views import Reader, network

    page = network(Reader(db), {})
    geo = page.html["net"]
    size = geo["size"]
    pts = [(v["x"], v["y"], v["r"]) for v in geo["nodes"]]
    assert all(0 <= x <= size and 0 <= y <= size for x, y, _ in pts)
    overlapping = sum(1 for i, (x, y, r) in enumerate(pts)
                      if any(math.hypot(x - a, y - b) < r + q for j, (a, b, q) in enumerate(pts) if j != i))
    assert overlapping <= 0.1 * len(pts), overlapping
    boxes = []
    for v in geo["nodes"]:
        if v["label"]:
            w = 6.2 * len(v["label"]["text"])
            boxes.append((v["label"]["x"] - w / 2, v["label"]["y"] - 10, v["label"]["x"] + w / 2, v["label"]["y"] + 2))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert len(boxes) >= min(len(pts), 40)
    # the ten biggest groups have their own colour
    fills = {v["fill"] for v in geo["nodes"]}
    assert len(fills & set(svg.GROUP_COLOURS)) == min(10, len({v["group_id"] for v in geo["nodes"] if v["group_id"]}))


def test_layout_is_deterministic():
    sites = [f"x{i}" for i in range(30)]
    edges = [(sites[i], sites[(i * 7) % 30], 3.0) for i in range(30)]
    assert svg.layout(sites, edges, {}) == svg.layout(sites, edges, {})


def test_spread_replay(client):
    c = sqlite3.connect(client.db)
    sid, size = c.execute("SELECT story_id, size FROM stories ORDER BY size DESC, story_id LIMIT 1").fetchone()
    c.close()
    r = client.get(f"/story/{sid}/spread")
    assert r.status_code == 200
    assert f'href="/story/{sid}/spread"' in client.get(f"/story/{sid}").text
    d = client.get(f"/story/{sid}/spread.json").json()
    frames = d["frames"]
    assert len(frames) >= 2
    assert frames[-1]["pages"] == size
    assert [f["pages"] for f in frames] == sorted(f["pages"] for f in frames)   # the story only grows
    assert frames[0]["new"][0]["kind"] == "origin"
    assert sum(len(f["new"]) for f in frames) == size                          # every page appears once
    whens = [f["when"] for f in frames if f["when"] != "undated pages"]
    assert whens == sorted(whens)
    assert r.text.count('class="frame"') == len(frames)
    one = client.get(f"/story/{sid}/spread?step=2")
    assert one.status_code == 200 and one.text.count('class="frame"') == 1
    assert 'href="?step=1"' in one.text and "step 2 of" in one.text
    assert client.get(f"/story/{sid}/spread?step=999").status_code == 400
    assert client.get("/story/st-nope/spread").status_code == 404


def test_story_link_survives_an_earlier_origin(tmp_path, monkeypatch):
    """Ingest two copies of a story, trace, keep the story URL; ingest the real (earlier) origin, which renames
    the story after it: the old URL (and its twins, spread and bundle) redirect to the grown story."""
    import shutil
    from pathlib import Path

    import newstrace

    monkeypatch.setenv("NEWSTRACE_XLING_E5", "0")
    sites = Path(__file__).resolve().parent.parent / "src" / "newstrace" / "samples" / "sites"
    files = {"copies": ["globalreadernet.example/varonia-approves-valdren-dam-despite-fishermens-protests/5871201.html",
                        "truthwavedaily.example/2025/03/06/fishing-villages-betrayed-valdren-dam.html"],
             "origin": ["meridiancourier.example/environment/2025/03/04/valdren-dam-approved.html"]}
    for part, names in files.items():
        for n in names:
            (tmp_path / part / n).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(sites / n, tmp_path / part / n)
    db = str(tmp_path / "grow.db")
    newstrace.ingest([str(tmp_path / "copies")], db=db, workers=1, analyze=False)
    c = sqlite3.connect(db)
    before = c.execute("SELECT story_id, origin_id FROM stories").fetchall()
    c.close()
    assert len(before) == 1
    old, old_origin = before[0]
    newstrace.ingest([str(tmp_path / "origin")], db=db, workers=1, analyze=False)
    c = sqlite3.connect(db)
    after = c.execute("SELECT story_id, origin_id, size FROM stories").fetchall()
    c.close()
    assert len(after) == 1 and after[0][0] != old and after[0][2] == 3
    new = after[0][0]
    with TestClient(create_app(db), follow_redirects=False) as cl:
        for suffix, target in (("", ""), (".json", ".json"), ("/spread?step=1", "/spread?step=1"),
                               ("/bundle.zip", "/bundle.zip"), (".csv", ".csv")):
            r = cl.get(f"/story/{old}{suffix}")
            assert r.status_code == 301, (suffix, r.status_code)
            assert r.headers["location"] == f"/story/{new}{target}"
        assert cl.get(f"/story/{new}").status_code == 200
        assert cl.get("/story/st-000000000000").status_code == 404
        d = cl.get(f"/story/{old}.json", follow_redirects=True).json()
        assert d["story"]["story_id"] == new
        assert any(m["page_id"] == old_origin and m["role"] == "copy" for m in d["members"])


def test_api_document_covers_every_twin(client):
    """/openapi.json lists every page's JSON twin (and CSV twin) with its parameters and the fields of a real
    answer; every page's footer links its own entry on /api."""
    import re as _re

    from starlette.routing import Route

    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    app_routes = [r.path for r in client.app.app.routes if isinstance(r, Route)]
    twins = [p for p in app_routes if p.endswith((".json", ".csv")) and not p.startswith(("/.json", "/openapi"))
             and not p.startswith("/export/")]
    missing = [p for p in twins if p not in paths]
    assert not missing, missing
    st = paths["/stories.json"]["get"]
    names = {p["name"] for p in st["parameters"]}
    assert {"page", "sort", "site", "lang", "group", "from", "to", "min_size"} <= names
    props = st["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    assert {"stories", "total", "facets", "page_numbers"} <= set(props)
    assert "story_id" in props["stories"]["items"]["properties"]
    story = paths["/story/{story_id}.json"]["get"]
    assert "301" in story["responses"] and "members" in \
        story["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    api = client.get("/api").text
    c = sqlite3.connect(client.db)
    sid = c.execute("SELECT story_id FROM stories LIMIT 1").fetchone()[0]
    pid = c.execute("SELECT page_id FROM articles LIMIT 1").fetchone()[0]
    c.close()
    for path, op in (("/stories", "stories"), (f"/story/{sid}", "story"), (f"/article/{pid}", "article"),
                     ("/network", "network"), (f"/capture/{pid}", "capture")):
        page = client.get(path).text
        assert f'href="/api#{op}"' in page, path
        assert f'id="{op}"' in api
        assert _re.search(r'href="[^"]+\.json[^"]*" rel="alternate"', page), path
