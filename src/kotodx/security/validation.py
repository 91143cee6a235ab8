"""Observables as people paste them: each kind checked, values normalised (lower-case domains and hashes,
IPs in canonical form), and a Japanese message naming what is wrong."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z][a-z0-9-]{0,62}$")
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}$")
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}


def normalise(kind: str, value: str) -> str:
    """The canonical value, or ValueError with the reason in Japanese."""
    v = value.strip()
    if not v:
        raise ValueError("値が空です。")
    if kind == "ipv4":
        try:
            return str(ipaddress.IPv4Address(v))
        except ValueError:
            raise ValueError(f"「{v}」はIPv4アドレスではありません（例: 192.0.2.10）。") from None
    if kind == "ipv6":
        try:
            return str(ipaddress.IPv6Address(v))
        except ValueError:
            raise ValueError(f"「{v}」はIPv6アドレスではありません。") from None
    if kind == "domain":
        d = v.lower().rstrip(".")
        try:
            d = d.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"「{v}」はドメイン名ではありません。") from None
        if not DOMAIN.match(d):
            raise ValueError(f"「{v}」はドメイン名ではありません（例: example.jp）。")
        return d
    if kind == "url":
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https", "ftp") or not parts.netloc:
            raise ValueError(f"「{v}」はURLではありません（http:// または https:// で始めてください）。")
        return v
    if kind in HASH_LENGTHS:
        h = v.lower()
        if len(h) != HASH_LENGTHS[kind] or not re.fullmatch(r"[0-9a-f]+", h):
            raise ValueError(
                f"「{v}」は{kind.upper()}のハッシュ値ではありません（16進数{HASH_LENGTHS[kind]}桁）。"
            )
        return h
    if kind == "email":
        if not EMAIL.match(v):
            raise ValueError(f"「{v}」はメールアドレスではありません。")
        return v.lower()
    raise ValueError(f"観測情報の種類「{kind}」は扱えません。")
