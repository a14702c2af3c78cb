"""Media in S3-compatible object storage (AWS S3, MinIO, Garage, Ceph, R2...): several hosts serve one instance.

boto3 is synchronous: every call runs in a thread. The endpoint, region and keys are always given explicitly,
so nothing is looked up from an AWS configuration or a cloud metadata service. Objects are `media/<name>` in
the bucket, stored with their content type; files are streamed to readers in chunks, never held whole.
"""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Iterable
from urllib.parse import urlsplit

from federation.media_store import KEY_PREFIX, S3, MediaStoreError, S3Config, StoredFile

CHUNK = 64 * 1024
# Files never change once written, so whoever serves them straight from the bucket may cache them for a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"
MISSING = {"404", "NoSuchKey", "NotFound"}


class S3MediaStore:
    kind = S3

    def __init__(self, config: S3Config) -> None:
        for value, name in ((config.endpoint, "MOOT_S3_ENDPOINT"), (config.bucket, "MOOT_S3_BUCKET"),
                            (config.access_key, "MOOT_S3_ACCESS_KEY"), (config.secret_key, "MOOT_S3_SECRET_KEY")):
            if not value:
                raise MediaStoreError(f"MOOT_MEDIA_STORAGE is s3 but {name} is not set")
        parts = urlsplit(config.endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise MediaStoreError(f"MOOT_S3_ENDPOINT must be an http(s) URL like https://s3.example, "
                                  f"got {config.endpoint!r}")
        self.config = config
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            session = boto3.session.Session(
                aws_access_key_id=self.config.access_key, aws_secret_access_key=self.config.secret_key,
                region_name=self.config.region)
            self._client = session.client("s3", endpoint_url=self.config.endpoint, config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},  # what every S3-compatible server understands
                connect_timeout=5, read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=16,
                # Checksums only where S3 requires them: many S3-compatible servers refuse the newer headers.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ))
        return self._client

    def _key(self, name: str) -> str:
        return KEY_PREFIX + name

    async def check(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        where = f"bucket {self.config.bucket!r} at {self.config.endpoint}"
        try:
            await asyncio.to_thread(self.client.head_bucket, Bucket=self.config.bucket)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in MISSING or code == "NoSuchBucket":
                raise MediaStoreError(f"media storage: the {where} does not exist: create it first") from None
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise MediaStoreError(f"media storage: the {where} refused these keys ({code}): check "
                                      "MOOT_S3_ACCESS_KEY, MOOT_S3_SECRET_KEY and MOOT_S3_REGION") from None
            raise MediaStoreError(f"media storage: the {where} answered {code or exc}") from None
        except (BotoCoreError, OSError) as exc:
            raise MediaStoreError(f"media storage: the {where} cannot be reached: {exc}") from None

    async def put(self, name: str, data: bytes, media_type: str) -> None:
        await asyncio.to_thread(self.client.put_object, Bucket=self.config.bucket, Key=self._key(name), Body=data,
                                ContentType=media_type, CacheControl=CACHE_CONTROL, ContentDisposition="inline")

    async def get(self, name: str) -> StoredFile | None:
        from botocore.exceptions import ClientError

        try:
            answer = await asyncio.to_thread(self.client.get_object, Bucket=self.config.bucket, Key=self._key(name))
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in MISSING:
                return None
            raise
        body = answer["Body"]
        return StoredFile(size=int(answer.get("ContentLength") or 0), chunks=_chunks(body))

    async def delete(self, names: Iterable[str]) -> None:
        keys = [self._key(name) for name in names]
        if keys:
            await asyncio.to_thread(self._delete_each, keys)

    def _delete_each(self, keys: list[str]) -> None:
        # One request per object: DeleteObjects needs a checksum header that some S3-compatible servers refuse.
        for key in keys:
            self.client.delete_object(Bucket=self.config.bucket, Key=key)

    async def names(self) -> list[str]:
        def listing() -> list[str]:
            found: list[str] = []
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.config.bucket,
                                                                           Prefix=KEY_PREFIX)
            for page in pages:
                found.extend(item["Key"][len(KEY_PREFIX):] for item in page.get("Contents", []))
            return sorted(found)
        return await asyncio.to_thread(listing)

    def public_url(self, name: str) -> str | None:
        if not self.config.public_url:
            return None
        return f"{self.config.public_url.rstrip('/')}/{self._key(name)}"

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await asyncio.to_thread(client.close)


async def _chunks(body: Any) -> AsyncIterator[bytes]:
    try:
        while True:
            chunk = await asyncio.to_thread(body.read, CHUNK)
            if not chunk:
                return
            yield chunk
    finally:
        body.close()
