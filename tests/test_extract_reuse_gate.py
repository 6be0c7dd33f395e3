"""Quality gate on a slice of reuse-dev (skips cleanly when ../shared/data/reuse-dev is absent).

Four sites with different templates (a layout-table site with <br><br> paragraphs, a site whose headline
carries the site name, sites with copies carrying credits and another site's donation appeal) go through
the whole ingest; bench/reuse_extract.py scores them against gold. The full table: ``bench/reuse_extract.py``.
"""
from __future__ import annotations

import sys

from conftest import ROOT, shared_data

sys.path.insert(0, str(ROOT / "bench"))
import reuse_extract  # noqa: E402

SITES = ["liberty-beacon.example", "citizen-sentinel.example", "observer-east.example", "morning-ledger.example"]


def test_reuse_dev_slice_meets_issue_targets(tmp_path):
    data = shared_data("reuse-dev")
    m = reuse_extract.evaluate(data, str(tmp_path), sites=SITES)["metrics"]
    assert m["pages"] >= 100
    assert m["gold_furniture_hits"] == 0  # the scorer's own sanity check
    assert m["furniture_share"] < 0.02
    assert m["credits"] >= 0.95
    assert m["identifiers"] >= 0.95
    assert m["bad_ok"] == m["bad_n"]
    assert m["body_f1"] >= 0.98
    for field in ("title", "byline", "published", "site"):
        assert m[field] >= 0.95, field
