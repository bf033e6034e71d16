"""Outgoing HTTP for deliveries, with the SSRF guard.

Only http and https URLs; the host is resolved and every address it resolves to is checked: an
address on loopback, link-local (169.254.x.x, where cloud metadata lives), multicast, unspecified or
reserved networks — or in `XINFANG_WEBHOOK_BLOCKED_NETWORKS` — is refused unless it lies in
`XINFANG_WEBHOOK_ALLOWED_NETWORKS`. The connection then goes to the address that was checked (not a
second lookup), so a name that resolves differently a moment later (DNS rebinding) cannot redirect it;
TLS still verifies the certificate against the host name. Redirects are not followed and no proxy is
used (the standard library's http.client, no third-party HTTP library)."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_RESPONSE_BYTES = 4096
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """The URL may not be used: not http(s), no host, or an address the guard refuses. The message
    is translated and names the reason."""


def _networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(value, strict=False) for value in getattr(settings, name, [])]


def address_refused(address: Address) -> bool:
    """Whether the guard refuses an address (settings read at every call)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in _networks("XINFANG_WEBHOOK_ALLOWED_NETWORKS")):
        return False
    if (
        address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    ):
        return True
    return any(address in network for network in _networks("XINFANG_WEBHOOK_BLOCKED_NETWORKS"))


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def url_parse(url: str) -> Target:
    """The parts of an endpoint URL, or UnsafeUrl when it is not an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(_("地址格式不正确。")) from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl(_("只接受 http 或 https 地址。"))
    if not parts.hostname:
        raise UnsafeUrl(_("地址缺少主机名。"))
    if parts.username or parts.password:
        raise UnsafeUrl(_("地址中不能包含用户名或密码。"))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def addresses_resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (a literal address is itself); UnsafeUrl when none does."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise UnsafeUrl(_("无法解析主机名“%(host)s”。") % {"host": host}) from exc
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def addresses_check(host: str, port: int) -> list[Address]:
    """The addresses of `host`, all allowed by the guard; UnsafeUrl when any of them is refused."""
    addresses = addresses_resolve(host, port)
    for address in addresses:
        if address_refused(address):
            raise UnsafeUrl(
                _("地址“%(address)s”属于本机、链路本地或保留网段，不允许作为推送地址。") % {"address": address}
            )
    return addresses


def url_check(url: str, *, resolve: bool = True) -> Target:
    """Check an endpoint URL when it is saved: scheme, host and — for a literal address, or a name
    that resolves now — the addresses. A name that does not resolve yet is accepted here (intranet
    names may be registered later); it is checked again at every delivery."""
    target = url_parse(url)
    literal = _literal(target.host)
    if literal is not None or target.host.lower() == "localhost":
        addresses_check(target.host, target.port)
    elif resolve:
        try:
            addresses = addresses_resolve(target.host, target.port)
        except UnsafeUrl:
            return target
        for address in addresses:
            if address_refused(address):
                raise UnsafeUrl(
                    _("地址“%(address)s”属于本机、链路本地或保留网段，不允许作为推送地址。") % {"address": address}
                )
    return target


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS verified against the host name (SNI and certificate)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes


def http_post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> HttpAnswer:
    """POST `body` to `url` after the guard's checks. Raises UnsafeUrl (refused) or OSError /
    http.client.HTTPException (network failure, timeout). Reads at most 4 KiB of the answer."""
    target = url_parse(url)
    addresses = addresses_check(target.host, target.port)
    connection_class: Any = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address=str(addresses[0]), timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        return HttpAnswer(status=response.status, body=response.read(MAX_RESPONSE_BYTES))
    finally:
        connection.close()
