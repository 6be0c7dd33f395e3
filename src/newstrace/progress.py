"""Progress of a long run: a bar with totals and an ETA on a terminal, a plain line per interval otherwise
(logs, CI, ``nohup``), and one line per phase (reading, furniture, trace) either way."""
from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def _fmt_secs(s: float) -> str:
    s = int(s)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class Progress:
    """``total`` is the input size in bytes when known (files on disk), else None (no ETA).
    ``tty`` None: decide from the stream. ``interval``: seconds between plain lines."""

    def __init__(self, total: int | None, stream: TextIO | None = None, tty: bool | None = None,
                 interval: float | None = None):
        self.stream = stream or sys.stderr
        self.total = total or None
        self.done = 0
        self.pages = 0
        self.problems = 0
        self.t0 = time.monotonic()
        self.interval = float(os.environ.get("NEWSTRACE_PROGRESS_SECONDS", "10")) if interval is None else interval
        self._last = self.t0
        self.tty = self.stream.isatty() if tty is None else tty
        self.bar = None
        self._closed = False
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="B", unit_scale=True, dynamic_ncols=True, file=self.stream,
                            smoothing=0.1, desc="ingest")

    def update(self, done: int, pages: int, problems: int) -> None:
        """``done``: bytes of input read so far; ``pages`` and ``problems`` so far."""
        step, self.done = done - self.done, max(done, self.done)
        self.pages, self.problems = pages, problems
        if self.bar is not None:
            if step > 0:
                self.bar.update(step)
            self.bar.set_postfix(pages=pages, problems=problems, refresh=False)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.line()

    def line(self) -> None:
        el = time.monotonic() - self.t0
        rate = self.pages / el if el > 0 else 0.0
        parts = [f"ingest: {self.pages} pages ({rate:.1f}/s), {self.problems} problems"]
        if self.total:
            frac = min(1.0, self.done / self.total)
            size = f"{self.total / 1e6:.1f} MB" if self.total >= 1e5 else f"{self.total / 1e3:.1f} kB"
            parts.append(f"{frac:.0%} of {size}")
            if 0 < frac < 1:
                parts.append(f"ETA {_fmt_secs(el * (1 - frac) / frac)}")
        parts.append(f"elapsed {_fmt_secs(el)}")
        print(", ".join(parts), file=self.stream, flush=True)

    def phase(self, what: str) -> None:
        """A new phase after the pages are read (furniture relearning, trace)."""
        self.close()
        print(f"{what} ({_fmt_secs(time.monotonic() - self.t0)} elapsed)", file=self.stream, flush=True)

    def close(self) -> None:
        """End the reading part: the bar closes, or a last plain line gives the final figures (once)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif not self.tty and not self._closed:
            self.line()
        self._closed = True
