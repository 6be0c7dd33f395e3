"""The fork pool of a trace run (tokenise, align, decide in worker processes) and the tokenising job."""
from __future__ import annotations

import os

import numpy as np

from ..store.backend import reachable
from .config import TraceConfig
from .index import item_keys_many
from .text import features_many, pack_docs, tokenize, unpack_docs


def pool(store, cfg: TraceConfig, n: int):
    """A fork pool of ``cfg.workers`` processes when the batch is big and the store is a file, else None."""
    if cfg.workers < 2 or n < cfg.par_min or not hasattr(os, "fork") or not reachable(store.path):
        return None
    import multiprocessing as mp
    return mp.get_context("fork").Pool(cfg.workers)


def close(p) -> None:
    if p is not None:
        p.close()
        p.join()


def features_start(items: list[tuple[int, str]], p, nwork: int):
    """Start (key, body) -> (key, Doc with signature and passage chunks, its unique band keys, its item keys:
    index.item_keys) in the pool's workers when there is one (the Docs come back packed into a few arrays);
    ``features_finish`` waits."""
    if p is None or len(items) < 2:
        return None, _w_features(items, packed=False)
    n = max(1, -(-len(items) // (nwork * 2)))
    parts = [items[i:i + n] for i in range(0, len(items), n)]
    return parts, p.map_async(_w_features, parts, chunksize=1)


def features_finish(job) -> list[tuple]:
    parts, res = job
    if parts is None:
        return res
    out = []
    for part, (keys, packed, cut, bands, icut, ibands) in zip(parts, res.get()):
        for i, (k, d) in enumerate(zip(keys, unpack_docs(packed, [b for _, b in part]))):
            out.append((k, d, bands[cut[i]:cut[i + 1]], ibands[icut[i]:icut[i + 1]]))
    return out


def _w_features(items: list[tuple[int, str]], packed: bool = True):
    docs = [tokenize(body) for _, body in items]
    pos, keys = features_many(docs)
    cut = np.searchsorted(pos, np.arange(len(docs) + 1), "left")
    ik = item_keys_many(docs, keys, cut)
    for d in docs:
        d.release()
    if packed:
        icut = np.concatenate(([0], np.cumsum([len(x) for x in ik]))).astype(np.int64)
        ib = np.concatenate(ik) if ik else np.zeros(0, dtype=np.int64)
        return [k for k, _ in items], pack_docs(docs, bodies=False), cut, keys, icut, ib   # (the caller has the bodies)
    return [(k, d, keys[cut[i]:cut[i + 1]], ik[i]) for i, ((k, _), d) in enumerate(zip(items, docs))]
