"""Verifying AWS SigV4 signatures, with botocore's own signer (`pip install 'stopcheck[aws]'`), so that the
signing path of managed services is tested end to end without AWS.

The signature is recomputed from the request as received: its method, raw URI, the headers it names as signed,
its body and its `X-Amz-Date`, with the secret of the access key it names. AWS's front end answers a bad
signature or an unknown key with a 403 `{"message": ...}` (wording as commonly seen; UNCONFIRMED here).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Mapping

from mockserver.errors import ApiError
from mockserver.families.security.config import AwsCredentials, ConfigError
from mockserver.routing import Request
from mockserver.version import Version

SIGV4_SCHEME = "AWS4-HMAC-SHA256"
SERVICES = ("es", "aoss")


class SignatureRefused(ApiError):
    status = 403

    def envelope(self, version: Version, trace: bool = False) -> Any:
        return {"message": self.reason}


MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.")


def require_botocore() -> None:
    """AWS credentials in a users file need botocore to verify signatures."""
    from importlib.util import find_spec

    if find_spec("botocore") is None:
        raise ConfigError("aws credentials need botocore: pip install 'stopcheck[aws]'")


def verify(request: Request, known: Mapping[str, AwsCredentials]) -> None:
    """Refuse (403) a request whose SigV4 signature is not the one its access key's secret gives."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    fields = _fields(request.headers["Authorization"])
    scope = fields.get("Credential", "").split("/")
    if len(scope) != 5 or scope[0] not in known:
        raise SignatureRefused("The security token included in the request is invalid.")
    access_key, _, region, service, _ = scope
    signed = fields.get("SignedHeaders", "").split(";")
    headers = {name: request.headers.get(name, "") for name in signed}
    claimed = request.headers.get("X-Amz-Content-SHA256")
    if service not in SERVICES or "x-amz-date" not in signed or (
            claimed is not None and claimed != hashlib.sha256(request.body).hexdigest()):
        raise SignatureRefused(MISMATCH)
    host = request.headers.get("Host", "localhost")
    aws_request = AWSRequest(method=request.method, url=f"http://{host}{request.uri}", data=request.body,
                             headers=headers)
    aws_request.context["timestamp"] = request.headers.get("X-Amz-Date", "")
    signer = SigV4Auth(Credentials(access_key, known[access_key].secret_access_key), service, region)
    expected = signer.signature(signer.string_to_sign(aws_request, signer.canonical_request(aws_request)), aws_request)
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        raise SignatureRefused(MISMATCH)


def _fields(header: str) -> dict[str, str]:
    """`AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` as a mapping."""
    parts = header[len(SIGV4_SCHEME):].split(",")
    return dict(part.strip().partition("=")[::2] for part in parts if "=" in part)
