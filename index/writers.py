"""Writer leases: which writers may still commit the chunks they have staged.

A write stages its chunks before it commits their documents' records, so for a
moment they look like strays, the leftovers of a killed write. Every write
therefore holds a lease, one record in the store's `writers` collection named
by the write's token, which is also the generation of every chunk it stages:
the chunks say who owns them. A sweep deletes a stray only when its owner's
lease is gone (the write finished, so the chunk was replaced or never
committed) or dead: a process on this host that no longer runs (found at once,
so a kill -9 is cleaned up by the next run), or a heartbeat older than
`LEASE_SECONDS` (a writer on another host sharing a Chroma server). Leases live
in the store itself, so the embedded store and a server work alike.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

import chromadb

WRITERS = "writers"
# A write renews its lease before every Chroma call that stages chunks, each a
# few seconds at most, so ten minutes without a heartbeat means the writer is
# gone (or suspended: its commit then re-stages what a sweep removed).
LEASE_SECONDS = 600.0


@dataclass(frozen=True)
class Lease:
    """One write in flight: its token (the generation of its chunks), where it runs, when seen."""

    token: str
    host: str
    pid: int
    heartbeat: float

    def to_metadata(self) -> dict[str, Any]:
        return {"host": self.host, "pid": self.pid, "heartbeat": self.heartbeat}

    @classmethod
    def from_metadata(cls, token: str, meta: dict[str, Any]) -> Lease:
        return cls(token, str(meta["host"]), int(meta["pid"]), float(meta["heartbeat"]))

    def alive(self, now: float, host: str) -> bool:
        """Whether the writer may still commit: a live process here, or a recent heartbeat."""
        if now - self.heartbeat > LEASE_SECONDS:
            return False
        return self.host != host or process_runs(self.pid)


def process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True


class Leases:
    """The `writers` collection: take, renew and release a lease; find the live ones."""

    def __init__(self, client: chromadb.ClientAPI) -> None:
        self.collection = client.get_or_create_collection(WRITERS, embedding_function=None)
        self.host = socket.gethostname()

    def take(self) -> Lease:
        return self.renew(Lease(uuid.uuid4().hex[:12], self.host, os.getpid(), 0.0))

    def renew(self, lease: Lease) -> Lease:
        fresh = Lease(lease.token, lease.host, lease.pid, time.time())
        self.collection.upsert(
            ids=[fresh.token], metadatas=[fresh.to_metadata()], embeddings=[[1.0]]
        )
        return fresh

    def release(self, lease: Lease) -> None:
        self.collection.delete(ids=[lease.token])

    def alive(self) -> set[str]:
        """Tokens of the writers that may still commit; dead leases are dropped on the way."""
        got = self.collection.get(include=["metadatas"])
        pairs = zip(got["ids"], got["metadatas"], strict=True)
        leases = [Lease.from_metadata(i, m) for i, m in pairs]
        now = time.time()
        live = {lease.token for lease in leases if lease.alive(now, self.host)}
        dead = [lease.token for lease in leases if lease.token not in live]
        if dead:
            self.collection.delete(ids=dead)
        return live
