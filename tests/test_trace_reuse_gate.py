"""Quality gate: the whole of reuse-dev traced, scored against its gold with issue 3's targets, next to
datasketch document-level MinHashLSH in the same run (skips cleanly when ../shared/data/reuse-dev is
absent).  The full table: ``bench/trace_reuse.py``."""
from __future__ import annotations

import os
import sys

from conftest import ROOT, shared_data

sys.path.insert(0, str(ROOT / "bench"))
import trace_reuse  # noqa: E402


def test_reuse_dev_trace_meets_issue_targets(tmp_path):
    shared_data("reuse-dev")
    pages, gcopies, gstories, gsites = trace_reuse.load_gold()
    nt = trace_reuse.run_newstrace(os.path.join(tmp_path, "reuse.db"))
    bl = trace_reuse.run_baseline(nt["bodies"], pages)
    m = trace_reuse.score(nt, gcopies, gstories, gsites, pages)
    b = trace_reuse.score(bl, gcopies, gstories, gsites, pages)
    t = trace_reuse.TARGETS
    assert m["P(copy,source)"] >= t["precision"], m["P(copy,source)"]
    assert m["R(copy,source)"] >= t["recall"], m["R(copy,source)"]
    assert m["origin accuracy"] >= t["origin"]
    assert m["origin accuracy, misdated (12)"] >= t["origin"]
    assert m["credit accuracy (found pairs)"] >= t["credit"]
    assert m["credit accuracy (all gold pairs)"] >= t["credit"]
    assert m["operator groups exact (8 gold)"] == 8 and m["operator groups predicted"] == 8
    assert m["groups merging different operators"] == 0 and m["groups joined by weak identifiers only"] == 0
    for kind in ("partial", "edited", "compilation"):
        assert m[f"R {kind}"] > b[f"R {kind}"], kind
