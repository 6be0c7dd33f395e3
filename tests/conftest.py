import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def shared_data(name: str) -> Path:
    """A folder of ../shared/data, or skip the test cleanly when it is absent."""
    p = SHARED / name
    if not p.exists():
        pytest.skip(f"evaluation data {p} not present")
    return p
