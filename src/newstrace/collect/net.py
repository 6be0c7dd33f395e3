"""Name resolution and address policy at the socket, where a crawler cannot be tricked around them.

httpx resolves names inside httpcore; newstrace plugs its own network backend in there, so the address
checked is the address connected to (no DNS-rebinding gap between check and connect). Loopback, private,
link-local and other non-global addresses are reached only for a host and port the user named, or with
``allow_private``; anything else (a redirect, a feed or sitemap entry) pointing there is refused before a
socket opens. ``resolve`` maps names to addresses like curl's ``--resolve`` (the tests' fixture sites).
"""
from __future__ import annotations

import ipaddress
import socket

import anyio
import httpcore
import httpx


class DNSFailure(httpcore.ConnectError):
    """The name did not resolve."""


class AddressRefused(httpcore.ConnectError):
    """The name resolved to an address the policy refuses (loopback/private/link-local not named by the user)."""


def is_public(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


class AddressPolicy:
    """Which (host, port) pairs may reach non-public addresses."""

    def __init__(self, named: set[tuple[str, int]] = frozenset(), allow_private: bool = False,
                 resolve: dict[str, str] | None = None, resolve_only: bool = False):
        self.named = {(h.lower().strip("[]"), p) for h, p in named}
        self.allow_private = allow_private
        self.resolve = {k.lower(): v for k, v in (resolve or {}).items()}
        self.resolve_only = resolve_only

    def name(self, host: str, port: int) -> None:
        self.named.add((host.lower().strip("[]"), port))

    async def addresses(self, host: str, port: int) -> list[str]:
        h = host.lower().strip("[]")
        if h in self.resolve:
            return [self.resolve[h]]
        try:
            ipaddress.ip_address(h)
            return [h]
        except ValueError:
            pass
        if self.resolve_only:
            raise DNSFailure(f"dns-failure: {host} is not in the resolver map")
        try:
            infos = await anyio.getaddrinfo(h, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as e:
            raise DNSFailure(f"dns-failure: {host}: {e}") from e
        out = list(dict.fromkeys(str(i[4][0]) for i in infos))
        if not out:
            raise DNSFailure(f"dns-failure: {host}: no address")
        return out

    def check(self, host: str, port: int, ips: list[str]) -> None:
        if self.allow_private or (host.lower().strip("[]"), port) in self.named:
            return
        for ip in ips:
            if not is_public(ip):
                raise AddressRefused(f"private-address: {host}:{port} resolves to {ip}, which is not a public "
                                     "address and was not named by the user")


class PolicyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's default backend behind a resolve-and-check step."""

    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        ips = await self.policy.addresses(host, port)
        self.policy.check(host, port, ips)
        return await self.inner.connect_tcp(ips[0], port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise AddressRefused("unix sockets are never used by the collector")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def make_client(policy: AddressPolicy, connect_timeout: float, read_timeout: float,
                total_connections: int) -> httpx.AsyncClient:
    """An httpx client whose connections go through ``PolicyBackend``; redirects are followed by the collector
    (each hop is checked, archived and counted), never by httpx."""
    transport = httpx.AsyncHTTPTransport(retries=0)
    # httpx does not expose httpcore's network_backend; the pool is rebuilt with the same settings plus it
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(), max_connections=total_connections,
        max_keepalive_connections=total_connections, keepalive_expiry=5.0, network_backend=PolicyBackend(policy))
    timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
    return httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
