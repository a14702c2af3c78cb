"""A real S3-compatible server on loopback (moto's, in a thread) and a bucket to look into, for the media tests.

Nothing reaches the internet: the endpoint is always given, and while the server runs the AWS configuration
files and the metadata service are turned off through the environment.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from tests.conftest import unused_port

KEY, SECRET = "moot-test-key", "moot-test-secret"
# No AWS configuration of the machine is read and no metadata service is asked: everything is explicit.
ISOLATED_ENV = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_DEFAULT_REGION": "us-east-1"}


class Bucket:
    def __init__(self, endpoint: str, name: str) -> None:
        self.endpoint, self.name = endpoint, name
        self.client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                                   region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
        self.client.create_bucket(Bucket=name)

    def keys(self) -> list[str]:
        return sorted(item["Key"] for item in self.client.list_objects_v2(Bucket=self.name).get("Contents", []))

    def read(self, key: str) -> tuple[bytes, str]:
        answer = self.client.get_object(Bucket=self.name, Key=key)
        return answer["Body"].read(), answer["ContentType"]

    def allow_public_reads(self) -> None:
        """What an operator does for MOOT_S3_PUBLIC_URL: anyone may read (not list) the objects."""
        self.client.put_bucket_policy(Bucket=self.name, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{self.name}/media/*"}]}))

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"media_storage": "s3", "s3_endpoint": self.endpoint, "s3_bucket": self.name, "s3_access_key": KEY,
                "s3_secret_key": SECRET, "s3_region": "us-east-1", **extra}


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's S3 server on 127.0.0.1 (a free port); yields its endpoint URL."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ISOLATED_ENV.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        port = unused_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()
