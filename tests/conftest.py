import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


# -- the shipped English spaCy pipeline and the base alias table, for the analyze tests (one per module) --------
@pytest.fixture(scope="module")
def nlp():
    from newstrace.analyze.nlp import english

    return english()


@pytest.fixture(scope="module")
def table():
    from newstrace.analyze import aliases

    return aliases.load(None)


def shared_data(name: str) -> Path:
    """A folder of ../shared/data, or skip the test cleanly when it is absent."""
    p = SHARED / name
    if not p.exists():
        pytest.skip(f"evaluation data {p} not present")
    return p


# -- PostgreSQL: a real server (Debian's postgresql package), started once per test session -----------------
@pytest.fixture(scope="session")
def pg_server():
    """initdb + pg_ctl in a private temporary folder, listening on its own socket folder only (no TCP port),
    as user postgres when the tests run as root. Skips only when the server binaries are not installed."""
    from newstrace.store.backend_pgserver import TempServer, find_bin

    if find_bin("15") is None and find_bin(None) is None:
        pytest.skip("PostgreSQL server binaries absent (/usr/lib/postgresql/*/bin/initdb): install Debian's "
                    "`postgresql` package (./run test does it when run as root)")
    srv = TempServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def pg_url(pg_server, request):
    """A new empty database on the session's server, as a postgresql:// URL."""
    import re
    import uuid

    name = "t_" + re.sub(r"\W+", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:6]
    return pg_server.createdb(name)
