"""robots.txt rules of one host, read with the standard library's parser (RFC 9309 outcomes).

2xx: the rules as written (with Crawl-delay and Sitemap lines); 4xx: no rules (everything allowed);
5xx, a timeout or a network failure: the host is treated as fully disallowed for this run, as RFC 9309
asks (an unreachable robots.txt is no permission), and that is recorded as a problem by the collector.
"""
from __future__ import annotations

from urllib.robotparser import RobotFileParser

from trafilatura.sitemaps import extract_robots_sitemaps


class Robots:
    def __init__(self, text: str | None, allow_all: bool = False, disallow_all: bool = False,
                 base: str = ""):
        self.parser = RobotFileParser()
        self.allow_all = allow_all
        self.disallow_all = disallow_all
        self.sitemaps: list[str] = []
        self.delays: dict[str, float] = {}
        if text is not None:
            self.parser.parse(text.splitlines())
            self.sitemaps = extract_robots_sitemaps(text, base.rstrip("/"))
            self.delays = _crawl_delays(text)
        elif allow_all:
            self.parser.parse([])

    def allowed(self, url: str, agent: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all:
            return True
        return self.parser.can_fetch(agent_token(agent), url)

    def crawl_delay(self, agent: str) -> float | None:
        if self.allow_all or self.disallow_all:
            return None
        return self.delays.get(agent_token(agent).lower(), self.delays.get("*"))


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups match (``newstrace`` of ``newstrace/0.1 (...)``)."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


def _crawl_delays(text: str) -> dict[str, float]:
    """{agent: Crawl-delay} per group; the standard library's parser drops fractional values (``0.5``)."""
    out: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (x.strip() for x in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        elif key in ("allow", "disallow", "crawl-delay"):
            in_rules = True
            if key == "crawl-delay":
                try:
                    d = float(value)
                except ValueError:
                    continue
                if d >= 0:
                    for a in agents:
                        out.setdefault(a, d)
    return out
