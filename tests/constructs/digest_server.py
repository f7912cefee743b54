"""RFC 7616 digest authentication as a server checks it: challenges and response verification.

Used by the tests as the upstream's side of the handshake (to check what a generated client
sends), written from the RFC, independent of the code under test.
"""

from __future__ import annotations

import hashlib
import re
import secrets

__all__ = ["DigestServer"]

_PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


class DigestServer:
    """Issues challenges for one realm and checks `Authorization: Digest …` answers."""

    def __init__(self, username: str, password: str, *, algorithm: str = "SHA-256") -> None:
        self.username, self.password, self.algorithm = username, password, algorithm
        self.realm = "upstream@example.test"
        self.nonces: set[str] = set()

    def challenge(self) -> str:
        nonce = secrets.token_hex(16)
        self.nonces.add(nonce)
        return (
            f'Digest realm="{self.realm}", qop="auth", algorithm={self.algorithm}, '
            f'nonce="{nonce}", opaque="{secrets.token_hex(8)}"'
        )

    def _hash(self, text: str) -> str:
        name = "sha256" if self.algorithm.upper().startswith("SHA-256") else "md5"
        return hashlib.new(name, text.encode()).hexdigest()

    def verify(self, method: str, uri: str, header: str | None) -> bool:
        if not header or not header.startswith("Digest "):
            return False
        fields = {m[0]: m[2] or m[1] for m in _PARAM.findall(header[7:])}
        if fields.get("username") != self.username or fields.get("nonce") not in self.nonces:
            return False
        if fields.get("uri") != uri or fields.get("qop") != "auth":
            return False
        ha1 = self._hash(f"{self.username}:{self.realm}:{self.password}")
        ha2 = self._hash(f"{method}:{uri}")
        expected = self._hash(
            f"{ha1}:{fields['nonce']}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}"
        )
        return secrets.compare_digest(expected, fields.get("response", ""))
