"""RFC 9421 (HTTP Message Signatures) for incoming requests, kept pure.

Parses the Structured Fields subset that Signature-Input, Signature and
Content-Digest use (RFC 8941), checks what the first signature must cover,
checks Content-Digest (RFC 9530) and builds the signature bases of RFC 9421
section 2.5. The time window and the public API live in federation.signatures,
which turns Rfc9421Error into a SignatureError with the same reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

BareItem = int | float | str | bytes | bool
Params = dict[str, BareItem]
Member = BareItem | list[tuple[BareItem, Params]]

_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,3})?")
_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
ALGORITHMS = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519")
_TARGETS = frozenset({"@target-uri", "@path", "@request-target"})
_HOST_BINDING = frozenset({"@authority", "@target-uri"})
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


class Rfc9421Error(ValueError):
    """A malformed field or an unusable signature input; the message is the reason."""


class Token(str):
    """An sf-token: kept apart from sf-string because it serialises without quotes."""


@dataclass(frozen=True)
class SignatureInput:
    """The first signature of a request: its label, covered components and parameters."""

    label: str
    components: tuple[str, ...]
    params: tuple[tuple[str, BareItem], ...]  # in received order: it is part of the base
    signature: bytes

    def param(self, name: str) -> BareItem | None:
        return dict(self.params).get(name)


@dataclass(frozen=True)
class Rfc9421Signature:
    """A checked RFC 9421 signature; the caller still checks the time window and the key."""

    key_id: str
    algorithm: str | None
    signature: bytes
    candidates: tuple[bytes, ...]  # one signature base per plausible scheme
    created: int | None  # Unix time
    expires: int | None
    covers_date: bool  # the Date header is covered, so its window matters too


@dataclass(frozen=True)
class RequestView:
    """What the derived components of RFC 9421 section 2.2 are computed from."""

    method: str
    scheme: str
    host: str | None  # the Host header as received
    path: str  # as sent on the wire (percent-encoded), without the query
    query: str
    fields: Mapping[str, str]  # lowercased field name -> combined value

    @property
    def authority(self) -> str:
        # RFC 9421 section 2.2.3: lowercase host, default port omitted.
        if not self.host:
            raise Rfc9421Error("Host header is missing (needed for @authority/@target-uri)")
        host, sep, port = self.host.lower().rpartition(":")
        if sep and "]" not in port and port == _DEFAULT_PORTS.get(self.scheme):
            return host
        return self.host.lower()

    @property
    def full_path(self) -> str:
        return self.path or "/"

    @property
    def query_suffix(self) -> str:
        return f"?{self.query}" if self.query else ""


# RFC 9421 section 2.2: derived components for requests.
_DERIVED: dict[str, Callable[[RequestView], str]] = {
    "@method": lambda r: r.method,
    "@target-uri": lambda r: f"{r.scheme}://{r.authority}{r.full_path}{r.query_suffix}",
    "@authority": lambda r: r.authority,
    "@scheme": lambda r: r.scheme,
    "@request-target": lambda r: f"{r.full_path}{r.query_suffix}",
    "@path": lambda r: r.full_path,
    "@query": lambda r: f"?{r.query}",
}


class _Reader:
    """A cursor over one field value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def done(self) -> bool:
        return self.pos >= len(self.text)

    def skip(self, chars: str) -> None:
        while not self.done() and self.text[self.pos] in chars:
            self.pos += 1

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r}")
        self.pos += 1

    def match(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        found = pattern.match(self.text, self.pos)
        if found is None:
            raise self.fail(f"expected {what}")
        self.pos = found.end()
        return found

    def fail(self, what: str) -> Rfc9421Error:
        return Rfc9421Error(f"{what} at character {self.pos}")


def _bare_item(r: _Reader) -> BareItem:
    char = r.peek()
    if char == "-" or char.isdigit():
        number = r.match(_NUMBER, "a number").group()
        return float(number) if "." in number else int(number)
    if char == '"':
        return _string(r)
    if char == ":":
        encoded = r.match(_BYTES, "a byte sequence").group(1)
        try:
            return base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise r.fail(f"invalid base64 in byte sequence ({error})") from error
    if char == "?":
        r.pos += 1
        value = r.peek()
        if value not in ("0", "1"):
            raise r.fail("expected ?0 or ?1")
        r.pos += 1
        return value == "1"
    if char.isalpha() or char == "*":
        return Token(r.match(_TOKEN, "a token").group())
    raise r.fail("expected an item")


def _string(r: _Reader) -> str:
    r.expect('"')
    out: list[str] = []
    while not r.done():
        char = r.text[r.pos]
        r.pos += 1
        if char == '"':
            return "".join(out)
        if char == "\\":
            escaped = r.peek()
            if escaped not in ('"', "\\"):
                raise r.fail("invalid escape in string")
            r.pos += 1
            out.append(escaped)
        elif not " " <= char <= "~":
            raise r.fail("invalid character in string")
        else:
            out.append(char)
    raise r.fail("unterminated string")


def _params(r: _Reader) -> Params:
    params: Params = {}
    while r.peek() == ";":
        r.pos += 1
        r.skip(" ")
        key = r.match(_KEY, "a parameter name").group()
        value: BareItem = True
        if r.peek() == "=":
            r.pos += 1
            value = _bare_item(r)
        params[key] = value
    return params


def _member(r: _Reader) -> tuple[Member, Params]:
    if r.peek() != "(":
        return _bare_item(r), _params(r)
    r.pos += 1
    items: list[tuple[BareItem, Params]] = []
    while True:
        r.skip(" ")
        if r.peek() == ")":
            r.pos += 1
            return items, _params(r)
        if r.done():
            raise r.fail("unterminated inner list")
        items.append((_bare_item(r), _params(r)))
        if r.peek() not in (" ", ")"):
            raise r.fail("expected ' ' or ')' in inner list")


def parse_dictionary(value: str, field: str) -> dict[str, tuple[Member, Params]]:
    """RFC 8941 section 4.2.2, except that a repeated key is an error, not an overwrite."""
    r = _Reader(value.strip(" \t"))
    out: dict[str, tuple[Member, Params]] = {}
    try:
        while not r.done():
            key = r.match(_KEY, "a dictionary key").group()
            if key in out:
                raise r.fail(f"repeated key {key!r}")
            if r.peek() == "=":
                r.pos += 1
                out[key] = _member(r)
            else:
                out[key] = (True, _params(r))
            r.skip(" \t")
            if not r.done():
                r.expect(",")
                r.skip(" \t")
                if r.done():
                    raise r.fail("trailing comma")
    except Rfc9421Error as error:
        raise Rfc9421Error(f"{field} header is not a valid structured field: {error}") from error
    return out


def _serialize_bare(value: BareItem) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0")
        return f"{text}0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return f":{base64.b64encode(value).decode('ascii')}:"
    if isinstance(value, Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _serialize_params(params: tuple[tuple[str, BareItem], ...]) -> str:
    return "".join(f";{k}" if v is True else f";{k}={_serialize_bare(v)}" for k, v in params)


def _component(item: BareItem, params: Params) -> str:
    if not isinstance(item, str) or isinstance(item, Token):
        raise Rfc9421Error(f"covered component {_serialize_bare(item)} is not a string")
    if params:
        raise Rfc9421Error(
            f'component parameters are not supported: "{item}"{_serialize_params(tuple(params.items()))}'
        )
    if item != item.lower():
        raise Rfc9421Error(f'covered component "{item}" is not lowercase')
    return item


def first_signature(signature_input: str, signature: str) -> SignatureInput:
    """The first label of Signature-Input, with its value from Signature (RFC 9421 section 4)."""
    inputs = parse_dictionary(signature_input, "Signature-Input")
    if not inputs:
        raise Rfc9421Error("Signature-Input header is empty")
    label, (member, params) = next(iter(inputs.items()))
    if not isinstance(member, list):
        raise Rfc9421Error(f'Signature-Input member "{label}" is not an inner list')
    signatures = parse_dictionary(signature, "Signature")
    if label not in signatures:
        raise Rfc9421Error(f'Signature header has no "{label}" member to match Signature-Input')
    value = signatures[label][0]
    if not isinstance(value, bytes) or not value:
        raise Rfc9421Error(f'Signature member "{label}" is not a non-empty byte sequence (:base64:)')
    components = tuple(_component(item, item_params) for item, item_params in member)
    if len(set(components)) != len(components):
        raise Rfc9421Error(f'Signature-Input "{label}" covers a component twice')
    return SignatureInput(label, components, tuple(params.items()), value)


def parse_content_digest(value: str) -> dict[str, bytes]:
    """Content-Digest (RFC 9530): algorithm -> digest bytes; non-byte members are errors."""
    digests: dict[str, bytes] = {}
    for algorithm, (member, _) in parse_dictionary(value, "Content-Digest").items():
        if not isinstance(member, bytes):
            raise Rfc9421Error(f'Content-Digest member "{algorithm}" is not a byte sequence')
        digests[algorithm] = member
    return digests


def _component_value(name: str, request: RequestView) -> str:
    if name.startswith("@"):
        derive = _DERIVED.get(name)
        if derive is None:
            raise Rfc9421Error(f'derived component "{name}" is not supported in a request signature')
        value = derive(request)
    else:
        found = request.fields.get(name)
        if found is None:
            raise Rfc9421Error(f'covered header "{name}" is missing from the request')
        value = found
    # A line break inside a value would forge extra lines of the base.
    if "\n" in value or "\r" in value:
        raise Rfc9421Error(f'component "{name}" contains a line break')
    return value


def signature_base(signature: SignatureInput, request: RequestView) -> bytes:
    """RFC 9421 section 2.5: one line per component, "@signature-params" last."""
    lines = [f'"{name}": {_component_value(name, request)}' for name in signature.components]
    covered = " ".join(f'"{name}"' for name in signature.components)
    lines.append(f'"@signature-params": ({covered}){_serialize_params(signature.params)}')
    base = "\n".join(lines)
    if not base.isascii():
        raise Rfc9421Error("signature base contains non-ASCII characters")
    return base.encode("ascii")


def check_content_digest(value: str, body: bytes) -> None:
    """sha-256 or sha-512 must be present, and every one of those must match the body."""
    digests = parse_content_digest(value)
    known = {alg: digest for alg, digest in digests.items() if alg in _DIGESTS}
    if not known:
        raise Rfc9421Error(f"Content-Digest has no sha-256 or sha-512 value (got {', '.join(digests) or 'none'})")
    for algorithm, digest in known.items():
        if not hmac.compare_digest(digest, _DIGESTS[algorithm](body).digest()):
            raise Rfc9421Error(f"Content-Digest does not match the request body ({algorithm})")


def _schemes(fields: Mapping[str, str]) -> list[str]:
    # Behind a TLS-terminating proxy the app sees plain http: trust the first
    # X-Forwarded-Proto hop, and always try http too so loopback tests verify.
    forwarded = fields.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    first = forwarded if forwarded in _DEFAULT_PORTS else "https"
    return [first] if first == "http" else [first, "http"]


def _int_param(signature: SignatureInput, name: str) -> int | None:
    value = signature.param(name)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise Rfc9421Error(f"Signature-Input {name} parameter must be an integer")
    return value


def _check_coverage(signature: SignatureInput, needs_digest: bool) -> None:
    covered = set(signature.components)
    listing = f'(covered: {" ".join(signature.components) or "nothing"})'
    if "@method" not in covered:
        raise Rfc9421Error(f"RFC 9421 signature must cover @method {listing}")
    if not covered & _TARGETS:
        raise Rfc9421Error(f"RFC 9421 signature must cover @target-uri, @path or @request-target {listing}")
    if needs_digest and "content-digest" not in covered:
        raise Rfc9421Error(f"RFC 9421 signature must cover content-digest on a request with a body {listing}")
    # Bound to this host: without @authority or @target-uri, a delivery captured by (or sent to) another
    # server verifies here too, and could be replayed to us within the time window.
    if not covered & _HOST_BINDING:
        raise Rfc9421Error(f"RFC 9421 signature must cover @authority or @target-uri {listing}")
    if signature.param("created") is None and "date" not in covered:
        raise Rfc9421Error(f"RFC 9421 signature has no created parameter and does not cover date {listing}")


def parse_request(
    *, method: str, path: str, query: str, fields: Mapping[str, str], body: bytes | None, needs_digest: bool
) -> Rfc9421Signature:
    """Everything about the first signature that needs neither a key nor a clock."""
    if "signature" not in fields:
        raise Rfc9421Error("Signature-Input header present but no Signature header")
    signature = first_signature(fields["signature-input"], fields["signature"])
    _check_coverage(signature, needs_digest)
    key_id = signature.param("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise Rfc9421Error("Signature-Input has no keyid parameter")
    algorithm = signature.param("alg")
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise Rfc9421Error(f'unsupported alg {_serialize_bare(algorithm)} (accepted: {", ".join(ALGORITHMS)})')
    if "content-digest" in signature.components and "content-digest" in fields:
        check_content_digest(fields["content-digest"], body or b"")
    candidates: list[bytes] = []
    for scheme in _schemes(fields):
        base = signature_base(signature, RequestView(method, scheme, fields.get("host"), path, query, fields))
        if base not in candidates:  # without @scheme/@authority/@target-uri both are equal
            candidates.append(base)
    return Rfc9421Signature(
        key_id=str(key_id),
        algorithm=None if algorithm is None else str(algorithm),
        signature=signature.signature,
        candidates=tuple(candidates),
        created=_int_param(signature, "created"),
        expires=_int_param(signature, "expires"),
        covers_date="date" in signature.components,
    )
