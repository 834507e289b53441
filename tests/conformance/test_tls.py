"""The http adapter's TLS options against the mock served over HTTPS with a throw-away CA."""

import ssl

import pytest
import trustme

from conformance.targets import TargetConfig, TargetError, create_target
from mockserver.server import MockServer


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    folder = tmp_path_factory.mktemp("tls")
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with MockServer(ssl_context=context) as server:
        yield server.url, str(ca_file)


def test_verifies_the_cluster_with_the_given_ca_bundle(tls):
    url, ca_file = tls
    assert url.startswith("https://")
    assert create_target(TargetConfig(target=url, ca_certs=ca_file)).info.flavour == "elasticsearch"


def test_refuses_an_unknown_certificate_unless_told_to_skip_verification(tls):
    url, _ = tls
    with pytest.raises(TargetError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        create_target(TargetConfig(target=url)).info
    assert create_target(TargetConfig(target=url, insecure=True)).info.version == "8.17.0"
