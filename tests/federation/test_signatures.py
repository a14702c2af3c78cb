"""federation.signatures: real keys and real crypto, checked against independent implementations.

Oracles: httpsig 1.3.0 (draft-cavage, pycryptodome) and http-message-signatures 3
(RFC 9421). Hand-written signing strings pin the draft-cavage format itself.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, SigningKey, algorithms
from httpsig import HeaderSigner, HeaderVerifier
from multidict import CIMultiDict

from federation.signatures import (
    ParsedSignature,
    SignatureError,
    body_digest,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    parse_request_signature,
    sign_request,
    verify_signature,
)

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
KEY_ID = "https://remote.example/users/alice#main-key"
BODY = b'{"type": "Follow", "actor": "https://remote.example/users/alice"}'


@dataclass(frozen=True)
class Keys:
    private_pem: str
    public_pem: str

    @property
    def private_key(self) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
        return load_private_key(self.private_pem)


@pytest.fixture(scope="module")
def rsa_keys() -> Keys:
    return Keys(*generate_rsa_keypair())


@pytest.fixture(scope="module")
def other_rsa_keys() -> Keys:
    return Keys(*generate_rsa_keypair())


@pytest.fixture(scope="module")
def ed_keys() -> Keys:
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Keys(private.decode(), public.decode())


def http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


def parse(
    method: str, url: str, headers: dict[str, str], body: bytes | None = None, now: datetime = NOW
) -> ParsedSignature:
    """What the inbox does with an aiohttp request: headers arrive as a CIMultiDict."""
    parts = urlsplit(url)
    return parse_request_signature(
        method=method, path=parts.path, query_string=parts.query, headers=CIMultiDict(headers), body=body, now=now
    )


def raw_sign(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, data: str) -> str:
    """Sign a hand-written signing string with cryptography directly, bypassing our signer."""
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(data.encode(), padding.PKCS1v15(), hashes.SHA256())
    else:
        signature = key.sign(data.encode())
    return base64.b64encode(signature).decode()


def httpsig_sign(keys: Keys, listed: list[str], headers: dict[str, str], method: str, path: str) -> dict[str, str]:
    """Sign with the independent httpsig implementation, arbitrary header list."""
    signer = HeaderSigner(KEY_ID, keys.private_pem, algorithm="rsa-sha256", headers=listed, sign_header="signature")
    signed = signer.sign(headers, method=method, path=path)
    return dict(signed)


def post_headers(body: bytes = BODY, host: str = "moot.example", date: datetime = NOW) -> dict[str, str]:
    return {
        "Host": host,
        "Date": http_date(date),
        "Digest": body_digest(body),
        "Content-Type": "application/activity+json",
    }


# --- round trips -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "host", "target"),
    [
        ("POST", "https://moot.example/inbox", "moot.example", "post /inbox"),
        ("POST", "https://moot.example:8443/groups/cats/inbox?x=1&y=2", "moot.example:8443",
         "post /groups/cats/inbox?x=1&y=2"),
        ("GET", "https://moot.example/users/bob", "moot.example", "get /users/bob"),
        ("GET", "http://127.0.0.1:8080/users/bob/outbox?page=2", "127.0.0.1:8080", "get /users/bob/outbox?page=2"),
    ],
)
def test_round_trip(rsa_keys: Keys, method: str, url: str, host: str, target: str) -> None:
    body = BODY if method == "POST" else None
    accept = None if body else "application/activity+json"
    headers = sign_request(
        method=method, url=url, key_id=KEY_ID, private_key_pem=rsa_keys.private_pem, body=body, accept=accept, now=NOW
    )
    assert headers["Host"] == host
    assert headers["Date"] == "Sat, 01 Mar 2025 12:00:00 GMT"
    listed = "(request-target) host date digest content-type" if body else "(request-target) host date accept"
    assert f'headers="{listed}"' in headers["Signature"]
    assert 'algorithm="rsa-sha256"' in headers["Signature"]

    parsed = parse(method, url, headers, body)
    assert parsed.key_id == KEY_ID
    assert parsed.scheme == "cavage"
    assert parsed.candidates[0].startswith(f"(request-target): {target}\nhost: {host}\n".encode())
    assert verify_signature(parsed, rsa_keys.public_pem)


def test_post_headers_match_mastodon_shape(rsa_keys: Keys) -> None:
    headers = sign_request(
        method="POST", url="https://moot.example:443/inbox", key_id=KEY_ID,
        private_key_pem=rsa_keys.private_pem, body=BODY, now=NOW,
    )
    assert headers["Host"] == "moot.example"  # default port left out
    assert headers["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert headers["Content-Type"] == "application/activity+json"
    assert headers["Signature"].startswith(f'keyId="{KEY_ID}",algorithm="rsa-sha256",')


def test_query_string_left_out_by_the_signer_still_verifies(rsa_keys: Keys) -> None:
    headers = sign_request(
        method="GET", url="https://moot.example/users/bob", key_id=KEY_ID, private_key_pem=rsa_keys.private_pem, now=NOW
    )
    parsed = parse("GET", "https://moot.example/users/bob?page=1", headers)
    assert len(parsed.candidates) == 2
    assert b"get /users/bob?page=1" in parsed.candidates[0]
    assert verify_signature(parsed, rsa_keys.public_pem)


def test_body_digest_known_value() -> None:
    assert body_digest(b"") == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_generated_keys_are_rsa_2048_pkcs8(rsa_keys: Keys) -> None:
    assert rsa_keys.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert rsa_keys.public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    public = load_public_key(rsa_keys.public_pem)
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 2048
    assert public.public_numbers().e == 65537
    assert load_private_key(rsa_keys.private_pem) is load_private_key(rsa_keys.private_pem)  # cached


# --- httpsig as an oracle ------------------------------------------------------


@pytest.mark.parametrize("url", ["https://moot.example/inbox", "https://moot.example:8443/inbox?x=1"])
def test_httpsig_verifies_what_we_sign(rsa_keys: Keys, url: str) -> None:
    headers = sign_request(
        method="POST", url=url, key_id=KEY_ID, private_key_pem=rsa_keys.private_pem, body=BODY, now=NOW
    )
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path

    def httpsig_verifies(sent: dict[str, str]) -> bool:
        verifier = HeaderVerifier(
            headers=sent, secret=rsa_keys.public_pem, method="POST", path=path, sign_header="signature",
            required_headers=["(request-target)", "host", "date", "digest"],
        )
        return bool(verifier.verify())

    assert httpsig_verifies(headers)
    # The oracle can say no: a changed Date breaks it.
    assert not httpsig_verifies({**headers, "Date": http_date(NOW + timedelta(seconds=1))})


def test_httpsig_verifies_our_signed_get(rsa_keys: Keys) -> None:
    headers = sign_request(
        method="GET", url="https://moot.example/users/bob", key_id=KEY_ID, private_key_pem=rsa_keys.private_pem,
        accept="application/activity+json", now=NOW,
    )
    verifier = HeaderVerifier(
        headers=headers, secret=rsa_keys.public_pem, method="GET", path="/users/bob", sign_header="signature",
        required_headers=["(request-target)", "host", "date", "accept"],
    )
    assert verifier.verify()


@pytest.mark.parametrize("url", ["https://moot.example/inbox", "https://moot.example/inbox?x=1"])
def test_we_verify_what_httpsig_signs(rsa_keys: Keys, url: str) -> None:
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    headers = httpsig_sign(rsa_keys, ["(request-target)", "host", "date", "digest"], post_headers(), "POST", path)
    parsed = parse("POST", url, headers, BODY)
    assert parsed.algorithm == "rsa-sha256"
    assert verify_signature(parsed, rsa_keys.public_pem)


# --- hs2019, Ed25519, (created) ---------------------------------------------------


def test_hs2019_with_rsa_key(rsa_keys: Keys) -> None:
    headers = post_headers()
    signing_string = (
        f"(request-target): post /inbox\nhost: moot.example\ndate: {headers['Date']}\ndigest: {headers['Digest']}"
    )
    signature = raw_sign(rsa_keys.private_key, signing_string)
    headers["Signature"] = (
        f'keyId="{KEY_ID}",algorithm="hs2019",headers="(request-target) host date digest",signature="{signature}"'
    )
    parsed = parse("POST", "https://moot.example/inbox", headers, BODY)
    assert parsed.algorithm == "hs2019"
    assert verify_signature(parsed, rsa_keys.public_pem)


def test_missing_algorithm_is_treated_as_hs2019(rsa_keys: Keys) -> None:
    headers = post_headers()
    signing_string = (
        f"(request-target): post /inbox\nhost: moot.example\ndate: {headers['Date']}\ndigest: {headers['Digest']}"
    )
    signature = raw_sign(rsa_keys.private_key, signing_string)
    headers["Signature"] = f'keyId="{KEY_ID}",headers="(request-target) host date digest",signature="{signature}"'
    parsed = parse("POST", "https://moot.example/inbox", headers, BODY)
    assert parsed.algorithm is None
    assert verify_signature(parsed, rsa_keys.public_pem)


def test_hs2019_with_ed25519_key_round_trip(ed_keys: Keys, rsa_keys: Keys) -> None:
    headers = sign_request(
        method="POST", url="https://moot.example/inbox", key_id=KEY_ID, private_key_pem=ed_keys.private_pem,
        body=BODY, now=NOW,
    )
    assert 'algorithm="hs2019"' in headers["Signature"]
    parsed = parse("POST", "https://moot.example/inbox", headers, BODY)
    assert verify_signature(parsed, ed_keys.public_pem)
    assert not verify_signature(parsed, rsa_keys.public_pem)  # key type and signature disagree


def test_created_instead_of_date_with_ed25519(ed_keys: Keys) -> None:
    created = int(NOW.timestamp()) - 30
    digest = body_digest(BODY)
    signing_string = (
        f"(request-target): post /inbox\n(created): {created}\nhost: moot.example\ndigest: {digest}"
    )
    signature = raw_sign(ed_keys.private_key, signing_string)
    headers = {
        "Host": "moot.example",
        "Digest": digest,
        "Signature": f'keyId="{KEY_ID}",algorithm="hs2019",created={created},'
        f'headers="(request-target) (created) host digest",signature="{signature}"',
    }
    parsed = parse("POST", "https://moot.example/inbox", headers, BODY)
    assert verify_signature(parsed, ed_keys.public_pem)

    with pytest.raises(SignatureError, match=r"\(created\) parameter is 2 hours in the past"):
        parse("POST", "https://moot.example/inbox", headers, BODY, now=NOW + timedelta(hours=2, seconds=-30))


def test_expired_signature_is_rejected(ed_keys: Keys) -> None:
    created, expires = int(NOW.timestamp()) - 600, int(NOW.timestamp()) - 300
    signing_string = f"(request-target): get /users/bob\n(created): {created}\n(expires): {expires}\nhost: moot.example"
    headers = {
        "Host": "moot.example",
        "Signature": f'keyId="{KEY_ID}",algorithm="hs2019",created={created},expires={expires},'
        f'headers="(request-target) (created) (expires) host",'
        f'signature="{raw_sign(ed_keys.private_key, signing_string)}"',
    }
    with pytest.raises(SignatureError, match="signature expired 5 minutes ago"):
        parse("GET", "https://moot.example/users/bob", headers)


def test_created_must_be_an_integer() -> None:
    headers = {
        "Host": "moot.example",
        "Signature": f'keyId="{KEY_ID}",algorithm="hs2019",created=1740830400.5,'
        'headers="(request-target) (created) host",signature="AAAA"',
    }
    with pytest.raises(SignatureError, match="created parameter must be an integer Unix time"):
        parse("GET", "https://moot.example/users/bob", headers)


def test_algorithm_and_key_type_must_agree(ed_keys: Keys) -> None:
    headers = sign_request(
        method="GET", url="https://moot.example/users/bob", key_id=KEY_ID, private_key_pem=ed_keys.private_pem, now=NOW
    )
    parsed = parse("GET", "https://moot.example/users/bob", headers)
    assert verify_signature(parsed, ed_keys.public_pem)
    assert not verify_signature(replace(parsed, algorithm="rsa-sha256"), ed_keys.public_pem)


def test_several_digest_values_with_lowercase_sha256(rsa_keys: Keys) -> None:
    digest = "SHA-512=" + base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    digest += ", sha-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    headers = httpsig_sign(
        rsa_keys, ["(request-target)", "host", "date", "digest"], {**post_headers(), "Digest": digest}, "POST", "/inbox"
    )
    parsed = parse("POST", "https://moot.example/inbox", headers, BODY)
    assert verify_signature(parsed, rsa_keys.public_pem)


def test_gotosocial_key_id_without_fragment_is_accepted(rsa_keys: Keys) -> None:
    key_id = "https://gts.example/users/alice/main-key"
    headers = sign_request(
        method="POST", url="https://moot.example/inbox", key_id=key_id, private_key_pem=rsa_keys.private_pem,
        body=BODY, now=NOW,
    )
    parsed = parse("POST", "https://moot.example/inbox", headers, BODY)
    assert parsed.key_id == key_id
    assert verify_signature(parsed, rsa_keys.public_pem)


# --- RFC 9421, with http-message-signatures as the signer ------------------------


@dataclass
class Message:
    """The request shape http-message-signatures signs: method, absolute URL, mutable headers."""

    method: str
    url: str
    headers: dict[str, str]


def rfc9421_sign(
    key: SigningKey,
    algorithm: type[algorithms.HTTPSignatureAlgorithm],
    method: str,
    url: str,
    body: bytes | None,
    covered: tuple[str, ...],
    created: datetime = NOW,
    include_alg: bool = True,
) -> dict[str, str]:
    host = urlsplit(url).netloc
    message = Message(method, url, {"Host": host, "Content-Type": "application/activity+json"})
    signer = HTTPMessageSigner(
        signature_algorithm=algorithm, key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: key})
    )
    signer.sign(
        message, key_id=KEY_ID, created=created, covered_component_ids=covered, body=body, label="sig1",
        include_alg=include_alg,
    )
    return message.headers


RFC9421_CASES = [
    ("rsa", algorithms.RSA_V1_5_SHA256),
    ("rsa", algorithms.RSA_PSS_SHA512),
    ("ed", algorithms.ED25519),
]


@pytest.mark.parametrize(("kind", "algorithm"), RFC9421_CASES)
def test_rfc9421_post_verifies(
    rsa_keys: Keys, ed_keys: Keys, kind: str, algorithm: type[algorithms.HTTPSignatureAlgorithm]
) -> None:
    keys = rsa_keys if kind == "rsa" else ed_keys
    url = "https://moot.example/groups/cats/inbox?x=1"
    covered = ("@method", "@target-uri", "@authority", "@path", "@query", "content-type", "content-digest")
    headers = rfc9421_sign(keys.private_key, algorithm, "POST", url, BODY, covered)
    assert "Content-Digest" in headers

    parsed = parse("POST", url, headers, BODY)
    assert parsed.scheme == "rfc9421"
    assert parsed.key_id == KEY_ID
    assert parsed.algorithm == algorithm.algorithm_id
    assert verify_signature(parsed, keys.public_pem)

    # Tampering with a covered header (the Content-Digest check cannot catch it) fails verification.
    tampered = parse("POST", url, {**headers, "Content-Type": "text/html"}, BODY)
    assert not verify_signature(tampered, keys.public_pem)
    # So does a different target.
    moved = parse("POST", "https://moot.example/groups/dogs/inbox?x=1", headers, BODY)
    assert not verify_signature(moved, keys.public_pem)


def test_rfc9421_authority_drops_the_default_port(rsa_keys: Keys) -> None:
    url = "https://moot.example:443/inbox"  # the Host header then carries ":443" too
    headers = rfc9421_sign(
        rsa_keys.private_key, algorithms.RSA_V1_5_SHA256, "POST", url, BODY, ("@method", "@authority", "@path")
    )
    assert headers["Host"] == "moot.example:443"
    parsed = parse("POST", url, headers, BODY)
    assert b'"@authority": moot.example\n' in parsed.candidates[0]
    assert verify_signature(parsed, rsa_keys.public_pem)


def test_rfc9421_tampered_body_fails(rsa_keys: Keys) -> None:
    url = "https://moot.example/inbox"
    headers = rfc9421_sign(
        rsa_keys.private_key, algorithms.RSA_V1_5_SHA256, "POST", url, BODY, ("@method", "@target-uri")
    )
    with pytest.raises(SignatureError, match="Content-Digest does not match the request body"):
        parse("POST", url, headers, BODY + b" ")


def test_rfc9421_over_plain_http_loopback(ed_keys: Keys) -> None:
    url = "http://127.0.0.1:8080/inbox"
    headers = rfc9421_sign(
        ed_keys.private_key, algorithms.ED25519, "POST", url, BODY, ("@method", "@target-uri", "@scheme")
    )
    parsed = parse("POST", url, headers, BODY)
    assert len(parsed.candidates) == 2  # https first, then http
    assert b'"@target-uri": http://127.0.0.1:8080/inbox' in parsed.candidates[1]
    assert verify_signature(parsed, ed_keys.public_pem)


def test_rfc9421_get_without_alg(rsa_keys: Keys, ed_keys: Keys) -> None:
    url = "https://moot.example/users/bob"
    headers = rfc9421_sign(
        ed_keys.private_key, algorithms.ED25519, "GET", url, None, ("@method", "@target-uri"), include_alg=False
    )
    parsed = parse("GET", url, headers)
    assert parsed.algorithm is None
    assert verify_signature(parsed, ed_keys.public_pem)
    assert not verify_signature(parsed, rsa_keys.public_pem)


def test_rfc9421_x_forwarded_proto_picks_the_scheme(rsa_keys: Keys) -> None:
    url = "http://moot.example/inbox"
    headers = rfc9421_sign(
        rsa_keys.private_key, algorithms.RSA_V1_5_SHA256, "POST", url, BODY, ("@method", "@target-uri")
    )
    parsed = parse("POST", url, {**headers, "X-Forwarded-Proto": "http"}, BODY)
    assert parsed.candidates == (parsed.candidates[0],)
    assert b"http://moot.example/inbox" in parsed.candidates[0]
    assert verify_signature(parsed, rsa_keys.public_pem)


def test_rfc9421_must_cover_method(rsa_keys: Keys) -> None:
    url = "https://moot.example/users/bob"
    headers = rfc9421_sign(rsa_keys.private_key, algorithms.RSA_V1_5_SHA256, "GET", url, None, ("@target-uri",))
    with pytest.raises(SignatureError, match="must cover @method"):
        parse("GET", url, headers)


def test_rfc9421_post_must_cover_content_digest(rsa_keys: Keys) -> None:
    url = "https://moot.example/inbox"
    # Signed without a body, so the signer neither adds nor covers Content-Digest.
    headers = rfc9421_sign(rsa_keys.private_key, algorithms.RSA_V1_5_SHA256, "POST", url, None, ("@method", "@path"))
    with pytest.raises(SignatureError, match="must cover content-digest"):
        parse("POST", url, headers, BODY)


@pytest.mark.parametrize("covered", [
    ("@method", "@path", "content-digest"),
    ("@method", "@request-target", "content-type", "content-digest"),
    ("@method", "@path", "@scheme", "host", "content-digest"),  # the Host header is not the derived @authority
])
def test_rfc9421_must_be_bound_to_the_host(rsa_keys: Keys, covered: tuple[str, ...]) -> None:
    """A signature that names no host verifies on any server: a delivery captured elsewhere could be replayed."""
    url = "https://moot.example/inbox"
    headers = rfc9421_sign(rsa_keys.private_key, algorithms.RSA_V1_5_SHA256, "POST", url, BODY, covered)
    with pytest.raises(SignatureError, match="must cover @authority or @target-uri"):
        parse("POST", url, headers, BODY)
    # Either one binds it.
    for binding in ("@authority", "@target-uri"):
        headers = rfc9421_sign(rsa_keys.private_key, algorithms.RSA_V1_5_SHA256, "POST", url, BODY,
                               (*covered, binding))
        assert verify_signature(parse("POST", url, headers, BODY), rsa_keys.public_pem)


def test_rfc9421_stale_created(ed_keys: Keys) -> None:
    url = "https://moot.example/inbox"
    headers = rfc9421_sign(
        ed_keys.private_key, algorithms.ED25519, "POST", url, BODY, ("@method", "@target-uri"),
        created=NOW - timedelta(hours=2),
    )
    with pytest.raises(SignatureError, match=r"created parameter is 2 hours in the past \(window is 1 hour"):
        parse("POST", url, headers, BODY)


def test_rfc9421_unsupported_alg() -> None:
    url = "https://moot.example/users/bob"
    headers = rfc9421_sign(b"shared-secret", algorithms.HMAC_SHA256, "GET", url, None, ("@method", "@target-uri"))
    with pytest.raises(SignatureError, match='unsupported alg "hmac-sha256"'):
        parse("GET", url, headers)


# --- rejections -------------------------------------------------------------------


def test_no_signature_header() -> None:
    with pytest.raises(SignatureError, match="no Signature header"):
        parse("POST", "https://moot.example/inbox", post_headers(), BODY)


def test_signature_header_without_key_id() -> None:
    headers = {**post_headers(), "Signature": 'algorithm="rsa-sha256",signature="AAAA"'}
    with pytest.raises(SignatureError, match="no keyId"):
        parse("POST", "https://moot.example/inbox", headers, BODY)


@pytest.mark.parametrize(
    ("listed", "reason"),
    [
        (["host", "date", "digest"], r"must include \(request-target\)"),
        (["(request-target)", "date", "digest"], "must include host"),
        (["(request-target)", "host", "digest"], r"must include date or \(created\)"),
        (["(request-target)", "host", "date"], "must include digest on a POST"),
    ],
)
def test_required_signed_headers(rsa_keys: Keys, listed: list[str], reason: str) -> None:
    headers = httpsig_sign(rsa_keys, listed, post_headers(), "POST", "/inbox")
    with pytest.raises(SignatureError, match=reason):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def test_signed_header_missing_from_request(rsa_keys: Keys) -> None:
    listed = ["(request-target)", "host", "date", "digest", "content-type"]
    headers = httpsig_sign(rsa_keys, listed, post_headers(), "POST", "/inbox")
    del headers["content-type"]
    with pytest.raises(SignatureError, match='signed header "content-type" is missing'):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def signed_post(keys: Keys, now: datetime = NOW, body: bytes = BODY) -> dict[str, str]:
    return sign_request(
        method="POST", url="https://moot.example/inbox", key_id=KEY_ID, private_key_pem=keys.private_pem,
        body=body, now=now,
    )


@pytest.mark.parametrize("digest", [body_digest(b"something else"), body_digest(b"x").replace("SHA-256", "sha-256")])
def test_digest_mismatch(rsa_keys: Keys, digest: str) -> None:
    headers = {**signed_post(rsa_keys), "Digest": digest}
    with pytest.raises(SignatureError, match=r"Digest header does not match the request body \(SHA-256\)"):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def test_digest_without_sha256(rsa_keys: Keys) -> None:
    digest = "SHA-512=" + base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = {**signed_post(rsa_keys), "Digest": digest}
    with pytest.raises(SignatureError, match=r"Digest header has no SHA-256 value \(got SHA-512\)"):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def test_tampered_body(rsa_keys: Keys) -> None:
    headers = signed_post(rsa_keys)
    with pytest.raises(SignatureError, match="Digest header does not match the request body"):
        parse("POST", "https://moot.example/inbox", headers, BODY.replace(b"Follow", b"Block"))


def test_stale_date(rsa_keys: Keys) -> None:
    headers = signed_post(rsa_keys, now=NOW - timedelta(hours=2))
    with pytest.raises(SignatureError, match=r"Date header is 2 hours in the past \(window is 1 hour"):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def test_future_date(rsa_keys: Keys) -> None:
    headers = signed_post(rsa_keys, now=NOW + timedelta(hours=1, minutes=5))
    with pytest.raises(SignatureError, match=r"Date header is 1 hour 5 minutes in the future \(window is 1 hour"):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def test_date_inside_the_window_is_accepted(rsa_keys: Keys) -> None:
    for skew in (timedelta(minutes=-59), timedelta(minutes=59)):
        headers = signed_post(rsa_keys, now=NOW + skew)
        assert verify_signature(parse("POST", "https://moot.example/inbox", headers, BODY), rsa_keys.public_pem)


def test_unknown_algorithm(rsa_keys: Keys) -> None:
    headers = signed_post(rsa_keys)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="rsa-sha512"')
    with pytest.raises(SignatureError, match='unsupported algorithm "rsa-sha512"'):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def test_garbage_base64_signature(rsa_keys: Keys) -> None:
    headers = signed_post(rsa_keys)
    start = headers["Signature"].index('signature="')
    headers["Signature"] = headers["Signature"][:start] + 'signature="!!not*base64!!"'
    with pytest.raises(SignatureError, match="signature parameter is not valid base64"):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def test_malformed_signature_header() -> None:
    headers = {**post_headers(), "Signature": 'keyId="https://x.example/a#k",headers=(request-target) host'}
    with pytest.raises(SignatureError, match="Signature header is malformed"):
        parse("POST", "https://moot.example/inbox", headers, BODY)


def test_wrong_key_does_not_verify(rsa_keys: Keys, other_rsa_keys: Keys) -> None:
    parsed = parse("POST", "https://moot.example/inbox", signed_post(rsa_keys), BODY)
    assert verify_signature(parsed, rsa_keys.public_pem)
    assert not verify_signature(parsed, other_rsa_keys.public_pem)


def test_changed_signed_header_does_not_verify(rsa_keys: Keys) -> None:
    headers = {**signed_post(rsa_keys), "Host": "elsewhere.example"}
    assert not verify_signature(parse("POST", "https://moot.example/inbox", headers, BODY), rsa_keys.public_pem)


@pytest.mark.parametrize("signature", [b"x", b"\x00" * 256, b"\xff" * 64])
def test_junk_signature_bytes_return_false(rsa_keys: Keys, ed_keys: Keys, signature: bytes) -> None:
    parsed = ParsedSignature(KEY_ID, None, signature, (b"anything",), "cavage")
    assert verify_signature(parsed, rsa_keys.public_pem) is False
    assert verify_signature(parsed, ed_keys.public_pem) is False
