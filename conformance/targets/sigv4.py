"""AWS SigV4 signing for Amazon OpenSearch Service and managed Elasticsearch, with botocore's signer and its
credential chain (environment, shared files, SSO, instance and container roles): `pip install 'stopcheck[aws]'`."""

from __future__ import annotations

import hashlib
from typing import Any

from conformance.targets.base import TargetError

AWS_HINT = "install the aws extra: pip install 'stopcheck[aws]'"
_SIGNED_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256")


class SigV4Signer:
    """Signs every request for one region and service (`es`, or `aoss` for OpenSearch Serverless)."""

    def __init__(self, credentials: Any, region: str, service: str = "es") -> None:
        self._credentials = credentials  # botocore credentials; refreshable ones renew themselves
        self.region = region
        self.service = service

    @classmethod
    def from_environment(cls, region: str, service: str = "es") -> "SigV4Signer":
        """The credentials botocore's chain finds; an explanation when there are none."""
        try:
            from botocore.session import Session
        except ImportError:
            raise TargetError("auth = \"sigv4\" needs botocore", AWS_HINT) from None
        credentials = Session().get_credentials()
        if credentials is None:
            raise TargetError("no AWS credentials found for SigV4 signing",
                              "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run where an instance "
                              "or container role applies")
        return cls(credentials, region, service)

    def sign(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        payload = body or b""
        to_sign = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        to_sign["X-Amz-Content-SHA256"] = hashlib.sha256(payload).hexdigest()  # required by aoss, harmless for es
        request = AWSRequest(method=method, url=url, data=payload, headers=to_sign)
        SigV4Auth(self._credentials.get_frozen_credentials(), self.service, self.region).add_auth(request)
        return {name: request.headers[name] for name in _SIGNED_HEADERS if name in request.headers}

    def __repr__(self) -> str:  # never print credentials
        return f"SigV4Signer(region={self.region!r}, service={self.service!r})"
