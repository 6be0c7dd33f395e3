"""The alias table: names -> actors, capitals and seats of power -> the country they can stand for.

The base ships as ``analyze/data/actors_base.csv`` (countries from pycountry/countryinfo, major organisations;
see ``build_base_table``). A user file (``--aliases FILE``, CSV or YAML) adds rows and wins over the base:
CSV columns ``actor_id,name,kind,aliases`` (aliases separated by ``;``), or YAML as a list of mappings with
the same keys (``aliases`` a list). A bad file raises ``ConfigError`` with a coded message.
"""
from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

BASE = Path(__file__).resolve().parent / "data" / "actors_base.csv"

_CAPITAL_VARIANTS = {"Washington D.C.": ["Washington", "Washington, D.C.", "Washington DC"], "Kyiv": ["Kiev"],
                     "New Delhi": ["Delhi"], "Beijing": ["Peking"]}


class ConfigError(ValueError):
    """A configuration error a user must fix (message starts with a code such as ``[E140]``)."""


def norm(name: str) -> str:
    """Lookup key of a name: case-folded, leading "the " and trailing possessive dropped, spaces squeezed."""
    s = re.sub(r"\s+", " ", name.strip())
    s = re.sub(r"^(the|The|THE)\s+", "", s)
    s = re.sub(r"['\u2019]s?$", "", s)
    return s.casefold().strip(" .,")


@dataclass
class Entry:
    actor_id: str
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class AliasTable:
    by_name: dict[str, Entry] = field(default_factory=dict)
    capitals: dict[str, str] = field(default_factory=dict)  # norm(capital or seat) -> country actor_id
    demonyms: dict[str, str] = field(default_factory=dict)  # norm(demonym) -> country actor_id
    entries: dict[str, Entry] = field(default_factory=dict)

    def add(self, e: Entry, wins: bool = True) -> None:
        old = self.entries.get(e.actor_id)
        if old and not wins:
            return
        self.entries[e.actor_id] = e
        for n in [e.name, *e.aliases]:
            k = norm(n)
            if k and (wins or k not in self.by_name):
                self.by_name[k] = e

    def lookup(self, name: str) -> Entry | None:
        return self.by_name.get(norm(name))

    def capital_of(self, name: str) -> str | None:
        return self.capitals.get(norm(name))


@functools.lru_cache(maxsize=8)
def load(user_file: str | None = None) -> AliasTable:
    """The base table, extended (and overridden) by ``user_file`` when given."""
    t = _base()
    if user_file:
        for e in read_user_file(Path(user_file)):
            t.add(e, wins=True)
    return t


@functools.lru_cache(maxsize=8)
def load_text(content: str, fmt: str, name: str = "alias file") -> AliasTable:
    """The base table extended by a user file's ``content`` (``fmt`` "csv" or "yaml"), e.g. the copy a store keeps."""
    t = _base()
    for e in parse_user_text(content, fmt, name):
        t.add(e, wins=True)
    return t


def file_format(path: Path) -> str:
    return "yaml" if path.suffix.lower() in (".yaml", ".yml") else "csv"


def _base() -> AliasTable:
    t = AliasTable()
    with BASE.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            e = Entry(r["actor_id"], r["name"], "country" if r["kind"] == "country" else r["kind"],
                      [a for a in r["aliases"].split(";") if a])
            t.add(e, wins=False)
            cap = r.get("capital") or ""
            if cap:
                for c in [cap, *_CAPITAL_VARIANTS.get(cap, [])]:
                    t.capitals.setdefault(norm(c), e.actor_id)
            for s in (r.get("seats") or "").split(";"):
                if s:
                    t.capitals[norm(s)] = e.actor_id
            if r.get("demonym"):
                t.demonyms.setdefault(norm(r["demonym"]), e.actor_id)
    return t


def read_user_file(path: Path) -> list[Entry]:
    return parse_user_text(read_user_text(path), file_format(path), str(path))


def read_user_text(path: Path) -> str:
    """A user alias file's text ([E140] when missing, [E141] when it is not UTF-8 text)."""
    if not path.exists():
        raise ConfigError(f"[E140] alias file not found: {path}")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"[E141] alias file {path} could not be read: {exc}") from exc


def parse_user_text(content: str, fmt: str, path: str = "alias file") -> list[Entry]:
    """Entries of a user alias file's text; a bad file raises ``ConfigError`` (E141, E142)."""
    import io

    try:
        if fmt == "yaml":
            import yaml

            data = yaml.safe_load(content) or []
            rows = [{**d, "aliases": d.get("aliases") or []} for d in data]
        else:
            rows = [{**r, "aliases": [a.strip() for a in (r.get("aliases") or "").split(";") if a.strip()]}
                    for r in csv.DictReader(io.StringIO(content, newline=""))]
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file
        raise ConfigError(f"[E141] alias file {path} could not be read: {exc}") from exc
    out = []
    for i, r in enumerate(rows, 1):
        if not isinstance(r, dict) or not r.get("name"):
            raise ConfigError(f"[E142] alias file {path}, row {i}: every row needs a name")
        aid = (r.get("actor_id") or "").strip() or re.sub(r"[^a-z0-9]+", "-", str(r["name"]).lower()).strip("-")
        out.append(Entry(aid, str(r["name"]).strip(), (r.get("kind") or "org").strip(),
                         [str(a) for a in r["aliases"]]))
    return out
