"""Fuzz campaigns at scale: Hypothesis generates the requests, an asyncio client sends them fast.

Generating is separate from sending. Hypothesis costs milliseconds per example (tens for deep
JSON or long text), too slow for 10,000 requests per endpoint within `make test`, so it draws
pools: `pool(strategy, size)` gives `size` examples (fixed seeds, no shrinking, no database) of
each ingredient (bodies, paths, headers, ...), and `mixed(count, seed, build, **pools)` combines
`count` requests from them with a seeded random choice of one example from each pool (`build`
may also splice pool values into a document). Then `blast(base_url, probes, "name")` sends them
over a few
keep-alive connections with several requests in flight, checks every answer (no 5xx, no
traceback) and returns a `Tally` that prints requests per second and statuses. A request the
server drops without answering (a broken HTTP request it refuses by closing) is counted apart;
the campaigns then check the service is still running and still answers.
"""

from __future__ import annotations

import asyncio
import copy
import os
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from yarl import URL

from tests import run_coroutine

TRACEBACK = re.compile(rb"Traceback|File \"|line \d+, in ", re.I)
POOL = int(os.environ.get("ASB_FUZZ_POOL", "150"))  # Hypothesis examples per ingredient


@dataclass(frozen=True)
class Probe:
    """One generated request: the path already percent-encoded as it is to be sent."""

    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Tally:
    endpoint: str
    statuses: Counter = field(default_factory=Counter)
    dropped: int = 0  # closed by the server without an answer
    seconds: float = 0.0
    failures: list = field(default_factory=list)  # (probe, status, answer excerpt)

    @property
    def sent(self) -> int:
        return sum(self.statuses.values()) + self.dropped

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def line(self) -> str:
        rate = self.sent / self.seconds if self.seconds else 0.0
        shown = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return (f"{self.endpoint}: {self.sent} requests in {self.seconds:.1f} s "
                f"({rate:.0f}/s), 5xx {self.server_errors}, dropped {self.dropped}; {shown}")


def generate(strategy: st.SearchStrategy, count: int, start: int = 0) -> list:
    """`count` examples of `strategy`, the same ones every run (several fixed seeds)."""
    drawn: list = []
    batch = 0
    while len(drawn) < count and batch < 50:
        wanted = count - len(drawn)

        @seed(start + batch)
        @settings(max_examples=wanted, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def collect(example) -> None:
            if len(drawn) < count:
                drawn.append(example)

        collect()
        batch += 1
    return drawn


GENERATING = {"seconds": 0.0}  # time spent in Hypothesis since the last blast (printed there)


def pool(strategy: st.SearchStrategy, size: int = POOL) -> list:
    """`size` Hypothesis examples of one ingredient of the requests."""
    started = time.monotonic()
    try:
        return generate(strategy, size)
    finally:
        GENERATING["seconds"] += time.monotonic() - started


def mixed(count: int, seed_value: int, build, **pools: list) -> list[Probe]:
    """`count` requests, each `build(rng, **one example from each pool)`."""
    rng = random.Random(seed_value)
    names = list(pools)
    return [build(rng, **{name: rng.choice(pools[name]) for name in names})
            for _ in range(count)]


def leaf_paths(value, path: tuple = ()):
    """Every place in a JSON document, as a path of keys and indexes (the root is ())."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, path + (index,))
    yield path


def put(document, path: tuple, value):
    """`document` with the place at `path` set to `value` (changed in place where it can be;
    the root path gives `value`); a path that no longer exists is left alone."""
    if not path:
        return value
    target = document
    try:
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass
    return document


def splice(rng: random.Random, document, values: list, paths: list, most: int = 3):
    """A copy of `document` with one to `most` places replaced by values from the pool."""
    document = copy.deepcopy(document)
    for _ in range(rng.randint(1, most)):
        document = put(document, rng.choice(paths), copy.deepcopy(rng.choice(values)))
    return document


async def _send_all(base_url: str, probes: list[Probe], tally: Tally, concurrency: int,
                    timeout: float) -> None:
    queue: asyncio.Queue = asyncio.Queue()
    for probe in probes:
        queue.put_nowait(probe)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout,
                                     auto_decompress=False) as session:

        async def worker() -> None:
            while not queue.empty():
                probe = queue.get_nowait()
                url = URL(base_url + probe.path, encoded=True)
                try:
                    async with session.request(
                            probe.method, url, data=probe.body or None,
                            headers=dict(probe.headers),
                            skip_auto_headers=("Content-Type",),
                            allow_redirects=False) as response:
                        status, answer = response.status, await response.read()
                except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                        aiohttp.ClientPayloadError):
                    tally.dropped += 1
                    continue
                tally.statuses[status] += 1
                if (status >= 500 or TRACEBACK.search(answer)) and len(tally.failures) < 20:
                    tally.failures.append((probe, status, answer[:300]))

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        tally.seconds = time.monotonic() - started


def blast(base_url: str, probes: list[Probe], endpoint: str, concurrency: int = 8,
          timeout: float = 120) -> Tally:
    """Send every probe to `base_url`; the tally of answers (printed)."""
    tally = Tally(endpoint)
    run_coroutine(_send_all(base_url, probes, tally, concurrency, timeout))
    print(f"\nfuzz {tally.line()} (Hypothesis pools drawn in {GENERATING['seconds']:.1f} s)")
    GENERATING["seconds"] = 0.0
    return tally


def header_text(raw: bytes) -> str:
    """Bytes as a header value a client can send (no line breaks or NUL)."""
    return raw.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"").decode("latin-1")


HEADER_VALUES = st.binary(max_size=80).map(header_text)
# Paths a careless client or an attacker tries beside the real one, already encoded.
PATH_TRICKS = ["/", "//", "/./", "/../", "/%2e%2e/", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
               "/..%2f..%2fetc%2fpasswd", "/%00", "/%ff", "/%c0%ae%c0%ae/", "/a;b", "/?x=%ff",
               "/" + "a" * 3000, "/%252e%252e/", "/~root", "/.git/config", "/.env",
               "/static/../../../etc/passwd", "/%5c..%5c"]
