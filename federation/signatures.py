"""Pure signing and verification of HTTP signatures: no I/O, no database.

Outbound we sign like Mastodon (draft-cavage, rsa-sha256). Inbound we accept
draft-cavage (rsa-sha256, hs2019) and RFC 9421, check Digest/Content-Digest
and the date window, and hand back the signing strings to try. Looking up the
key by keyId is the caller's job (federation.keys); verify_signature then
checks the parsed signature against that key.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import SplitResult, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation import signatures_rfc9421 as rfc9421

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

ACTIVITY_JSON = "application/activity+json"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CAVAGE_ALGORITHMS = ("rsa-sha256", "hs2019")
_RSA_PKCS1_ALGORITHMS = frozenset({None, "rsa-sha256", "hs2019", "rsa-v1_5-sha256"})
_ED25519_ALGORITHMS = frozenset({None, "hs2019", "ed25519"})
_PSEUDO_PARAMS = {"(created)": "created", "(expires)": "expires"}
_BODY_METHODS = frozenset({"POST", "PUT"})
# One cavage parameter: name=value, quoted or a bare (integer) value, then a comma or the end.
_CAVAGE_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^\s,"]*))\s*(?:,|$)')
_HAS_KEY_ID = re.compile(r"(?:^|,)\s*keyId\s*=", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class _Incoming:
    """One request as parse_request_signature sees it, with the policy knobs."""

    method: str
    path: str
    query: str
    fields: Mapping[str, str]  # lowercased name -> combined value
    body: bytes | None
    now: datetime
    max_past: timedelta
    max_future: timedelta

    @property
    def needs_digest(self) -> bool:
        return self.method.upper() in _BODY_METHODS or bool(self.body)

    def check_window(self, what: str, moment: datetime) -> None:
        now = self.now  # the server time is formatted only for a refusal: most requests are in the window
        if moment > now + self.max_future:
            ahead, window = _human(moment - now), _human(self.max_future)
            raise SignatureError(f"{what} is {ahead} in the future (window is {window}; "
                                 f"server time is {_http_date(now)})")
        if moment < now - self.max_past:
            behind, window = _human(now - moment), _human(self.max_past)
            raise SignatureError(f"{what} is {behind} in the past (window is {window}; "
                                 f"server time is {_http_date(now)})")

    def check_expires(self, expires: datetime) -> None:
        if expires < self.now:
            ago = _human(self.now - expires)
            raise SignatureError(f"signature expired {ago} ago (server time is {_http_date(self.now)})")


class SignatureError(Exception):
    """Why a request's signature is unacceptable; shown to the remote in a 401 body."""


@dataclass(frozen=True)
class ParsedSignature:
    key_id: str  # keyId (cavage) or keyid param (RFC 9421)
    algorithm: str | None  # as declared (lowercased); None when absent
    signature: bytes  # decoded signature bytes
    candidates: tuple[bytes, ...]  # signing strings / signature bases to try, in order
    scheme: str  # "cavage" or "rfc9421"


# --- keys
@functools.lru_cache(maxsize=64)
def load_private_key(pem: str) -> PrivateKey:
    """Our own keys: skipping RSA validation saves ~100 ms per load and they are trusted."""
    key = serialization.load_pem_private_key(pem.encode("ascii"), None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise ValueError(f"unsupported private key type {type(key).__name__} (need RSA or Ed25519)")
    return key


@functools.lru_cache(maxsize=4096)
def load_public_key(pem: str) -> PublicKey:
    """Raises ValueError for an unparsable PEM or a key that is neither RSA nor Ed25519."""
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise ValueError(f"unsupported public key type {type(key).__name__} (need RSA or Ed25519)")
    return key


def generate_rsa_keypair() -> tuple[str, str]:
    """(private PEM in PKCS#8, public PEM in SubjectPublicKeyInfo), RSA-2048, e=65537."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = serialization.Encoding.PEM
    private = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode("ascii"), public.decode("ascii")


def body_digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(timezone.utc)
    if moment.tzinfo is None:  # naive datetimes are taken to be UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _http_date(moment: datetime) -> str:
    # RFC 7231 section 7.1.1.1 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    return email.utils.format_datetime(_utc(moment).replace(microsecond=0), usegmt=True)


def _human(delta: timedelta) -> str:
    """'2 hours', '1 hour 5 minutes', '30 seconds': the two largest units only."""
    seconds = int(abs(delta.total_seconds()))
    parts: list[str] = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "0 seconds"


def _b64decode(value: str, what: str) -> bytes:
    # Tolerate missing padding (some signers strip it) but nothing else.
    padded = value.strip() + "=" * (-len(value.strip()) % 4)
    try:
        decoded = base64.b64decode(padded, validate=True)
    except binascii.Error as error:
        raise SignatureError(f"{what} is not valid base64 ({error})") from error
    if not decoded:
        raise SignatureError(f"{what} is empty")
    return decoded


def _combine_fields(headers: Mapping[str, str]) -> dict[str, str]:
    """Lowercased name -> values joined by ', ' (RFC 9110 section 5.3), for any Mapping."""
    fields: dict[str, list[str]] = {}
    for name, value in headers.items():
        fields.setdefault(name.lower(), []).append(value.strip(" \t"))
    return {name: ", ".join(values) for name, values in fields.items()}


def _timestamp(value: int, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError) as error:
        raise SignatureError(f"{what} {value} is not a usable timestamp") from error


@functools.lru_cache(maxsize=256)
def _parse_http_date(value: str) -> datetime:
    """Cached: within a second, every request carries the same Date (errors are not cached)."""
    try:
        return _utc(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError) as error:
        raise SignatureError(f"Date header is not a valid HTTP date: {value[:64]!r}") from error


def _check_digest(value: str, body: bytes) -> None:
    """Digest (RFC 3230): several 'alg=b64' values may be listed; SHA-256 must be one and match."""
    expected = hashlib.sha256(body).digest()
    algorithms: list[str] = []
    for part in value.split(","):
        algorithm, sep, encoded = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"Digest header is malformed: {value[:100]!r}")
        algorithms.append(algorithm.strip())
        if algorithm.strip().lower() != "sha-256":
            continue
        if not hmac.compare_digest(_b64decode(encoded, "Digest SHA-256 value"), expected):
            raise SignatureError("Digest header does not match the request body (SHA-256)")
    if "sha-256" not in (a.lower() for a in algorithms):
        raise SignatureError(f"Digest header has no SHA-256 value (got {', '.join(algorithms)})")


# --- signing (draft-cavage, as Mastodon sends it)
def _host_header(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{parts.port}"
    return host


def _request_target(method: str, path: str, query: str) -> str:
    return f"{method.lower()} {path or '/'}{'?' + query if query else ''}"


def _signing_string(
    listed: Sequence[str], target: str, fields: Mapping[str, str], params: Mapping[str, str]
) -> bytes:
    """draft-cavage section 2.3; callers have checked that every listed item exists."""
    lines: list[str] = []
    for name in listed:
        if name == "(request-target)":
            value = target
        elif name in _PSEUDO_PARAMS:
            value = params[_PSEUDO_PARAMS[name]]
        else:
            value = fields[name]
        lines.append(f"{name}: {value}")
    # surrogateescape gives back the raw bytes aiohttp decoded non-UTF-8 headers from.
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def _sign(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def sign_request(
    *,
    method: str,
    url: str,
    key_id: str,
    private_key_pem: str,
    body: bytes | None = None,
    content_type: str | None = None,
    accept: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Headers to send: Host, Date, Digest and Content-Type for a body, Accept if given, Signature.

    The request must then go out with exactly this URL (path and query as given,
    not re-encoded) and these header values, or the signature will not verify.
    """
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"cannot sign a request to {url!r}: need an absolute http(s) URL")
    if not key_id or '"' in key_id:
        raise ValueError(f"key_id must be non-empty and contain no quote: {key_id!r}")
    key = load_private_key(private_key_pem)
    headers = {"Host": _host_header(parts), "Date": _http_date(_utc(now))}
    if body is not None:
        headers["Digest"] = body_digest(body)
        headers["Content-Type"] = content_type or ACTIVITY_JSON
    elif content_type is not None:
        headers["Content-Type"] = content_type
    if accept is not None:
        headers["Accept"] = accept
    listed = ["(request-target)"] + [name.lower() for name in headers]
    fields = {name.lower(): value for name, value in headers.items()}
    target = _request_target(method, parts.path, parts.query)
    signature = _sign(key, _signing_string(listed, target, fields, {}))
    algorithm = "rsa-sha256" if isinstance(key, rsa.RSAPrivateKey) else "hs2019"
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(listed)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return headers


# --- parsing: draft-cavage
def _cavage_params(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(value.rstrip()):
        found = _CAVAGE_PARAM.match(value, pos)
        if found is None:
            raise SignatureError(f"Signature header is malformed near character {pos}: {value[pos:pos + 40]!r}")
        name = found.group(1).lower()
        if name in params:
            raise SignatureError(f'Signature header repeats the "{found.group(1)}" parameter')
        params[name] = found.group(2) if found.group(2) is not None else found.group(3)
        pos = found.end()
    return params


def _require_cavage_headers(listed: Sequence[str], request: _Incoming) -> None:
    signed = f'(signed: "{" ".join(listed)}")'
    for required in ("(request-target)", "host"):
        if required not in listed:
            raise SignatureError(f"signed headers must include {required} {signed}")
    if "date" not in listed and "(created)" not in listed:
        raise SignatureError(f"signed headers must include date or (created) {signed}")
    if request.needs_digest and "digest" not in listed:
        raise SignatureError(f"signed headers must include digest on a {request.method.upper()} {signed}")


def _cavage_time_param(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not _DIGITS.fullmatch(raw):
        raise SignatureError(f"{name} parameter must be an integer Unix time, got {raw[:32]!r}")
    return _timestamp(int(raw), f"{name} parameter")


def _parse_cavage(value: str, request: _Incoming) -> ParsedSignature:
    params = _cavage_params(value)
    key_id = params.get("keyid", "")
    if not key_id:
        raise SignatureError("Signature header has an empty keyId")
    algorithm = params["algorithm"].lower() if "algorithm" in params else None
    if algorithm is not None and algorithm not in _CAVAGE_ALGORITHMS:
        raise SignatureError(f'unsupported algorithm "{params["algorithm"]}" (accepted: rsa-sha256, hs2019)')
    if "signature" not in params:
        raise SignatureError("Signature header has no signature parameter")
    signature = _b64decode(params["signature"], "signature parameter")
    listed = params.get("headers", "date").lower().split()
    _require_cavage_headers(listed, request)
    fields = request.fields
    for name in listed:
        if name in _PSEUDO_PARAMS and _PSEUDO_PARAMS[name] not in params:
            raise SignatureError(f"{name} is signed but the {_PSEUDO_PARAMS[name]} parameter is missing")
        if name.startswith("(") and name not in _PSEUDO_PARAMS and name != "(request-target)":
            raise SignatureError(f"unknown pseudo-header {name} in signed headers")
        if not name.startswith("(") and name not in fields:
            raise SignatureError(f'signed header "{name}" is missing from the request')
    created = _cavage_time_param(params, "created")
    if created is not None:
        request.check_window("(created) parameter", created)
    expires = _cavage_time_param(params, "expires")
    if expires is not None:
        request.check_expires(expires)
    if "date" in listed:
        request.check_window("Date header", _parse_http_date(fields["date"]))
    if "digest" in listed:  # listed headers exist, and a body implies digest is listed
        _check_digest(fields["digest"], request.body or b"")
    # Some servers sign the path without its query string: try both, full one first.
    method, path, query = request.method, request.path, request.query
    targets = [_request_target(method, path, query)] + ([_request_target(method, path, "")] if query else [])
    candidates = tuple(_signing_string(listed, t, fields, params) for t in targets)
    return ParsedSignature(key_id, algorithm, signature, candidates, "cavage")


# --- parsing: RFC 9421 (the format itself is in signatures_rfc9421)
def _parse_rfc9421(request: _Incoming) -> ParsedSignature:
    try:
        found = rfc9421.parse_request(
            method=request.method, path=request.path, query=request.query,
            fields=request.fields, body=request.body, needs_digest=request.needs_digest,
        )
    except rfc9421.Rfc9421Error as error:
        raise SignatureError(str(error)) from error
    if found.created is not None:
        request.check_window("created parameter", _timestamp(found.created, "created parameter"))
    if found.expires is not None:
        request.check_expires(_timestamp(found.expires, "expires parameter"))
    if found.covers_date:  # covered, so present: the base needed it
        request.check_window("Date header", _parse_http_date(request.fields["date"]))
    return ParsedSignature(found.key_id, found.algorithm, found.signature, found.candidates, "rfc9421")


# --- public entry points
def parse_request_signature(
    *,
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: datetime | None = None,
    max_past: timedelta = timedelta(hours=1),
    max_future: timedelta = timedelta(hours=1),
) -> ParsedSignature:
    """Check everything that needs no key; raise SignatureError with the reason otherwise.

    path and query_string must be as sent on the wire (percent-encoded), e.g. aiohttp's
    request.raw_path split at '?', not the decoded request.path.
    """
    fields = _combine_fields(headers)
    request = _Incoming(method, path, query_string, fields, body, _utc(now), max_past, max_future)
    signature = fields.get("signature")
    if signature is not None and _HAS_KEY_ID.search(signature):
        return _parse_cavage(signature, request)
    if "signature-input" in fields:
        return _parse_rfc9421(request)
    if signature is not None:
        raise SignatureError("Signature header has no keyId, and there is no Signature-Input header (RFC 9421)")
    raise SignatureError("request has no Signature header")


def _rsa_pkcs1(key: rsa.RSAPublicKey) -> Callable[[bytes, bytes], None]:
    return lambda signature, data: key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def _rsa_pss(key: rsa.RSAPublicKey) -> Callable[[bytes, bytes], None]:
    # RFC 9421 section 3.3.1: MGF1 with SHA-512 and a 64-byte salt.
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
    return lambda signature, data: key.verify(signature, data, pss, hashes.SHA512())


def _verifier(key: PublicKey, algorithm: str | None) -> Callable[[bytes, bytes], None] | None:
    """The check for this key and declared algorithm; None when they do not go together."""
    if isinstance(key, rsa.RSAPublicKey):
        if algorithm in _RSA_PKCS1_ALGORITHMS:
            return _rsa_pkcs1(key)
        return _rsa_pss(key) if algorithm == "rsa-pss-sha512" else None
    if algorithm in _ED25519_ALGORITHMS:
        return key.verify
    return None


def verify_signature(parsed: ParsedSignature, public_key_pem: str) -> bool:
    """True only if one candidate verifies. Raises ValueError only for an unusable PEM
    (a key problem, for the key cache to handle), never for a bad signature."""
    verify = _verifier(load_public_key(public_key_pem), parsed.algorithm)
    if verify is None:
        return False
    for candidate in parsed.candidates:
        try:
            verify(parsed.signature, candidate)
        except InvalidSignature:
            continue
        return True
    return False
