"""Connected components by depth-first search, over any neighbour function."""
from __future__ import annotations

from typing import Callable, Hashable, Iterable, Iterator, TypeVar

N = TypeVar("N", bound=Hashable)


def components(start: Iterable[N], neighbours: Callable[[N], Iterable[N]]) -> Iterator[list[N]]:
    """Yield the sorted component of every node in ``start`` not already in an earlier component."""
    seen: set = set()
    for s in start:
        if s in seen:
            continue
        comp, stack = [], [s]
        seen.add(s)
        while stack:
            x = stack.pop()
            comp.append(x)
            for y in neighbours(x):
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        yield sorted(comp)
