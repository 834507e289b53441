"""Target specs from the command line: sweeps, labels, the bare mock."""

from conformance.targets.specs import expand, for_flavour, label


def test_a_version_sweep_is_one_target_per_version_and_urls_are_never_split():
    assert expand(["mock:elasticsearch@7.17.0, 8.10.0,9.1.0", "mock:opensearch", "https://u:p@h:9200/a,b"]) == [
        "mock:elasticsearch@7.17.0", "mock:elasticsearch@8.10.0", "mock:elasticsearch@9.1.0", "mock:opensearch",
        "https://u:p@h:9200/a,b"]
    assert expand(["mock", "mock"]) == ["mock"]


def test_labels_are_short_and_free_of_credentials():
    assert label("mock:elasticsearch@8.10.0") == "mock:elasticsearch@8.10.0"
    assert label("https://elastic:secret@es.example.com:9200/") == "es.example.com:9200"
    assert for_flavour("mock", "opensearch") == "mock:opensearch"
    assert for_flavour("mock:elasticsearch@9.1.0", "opensearch") == "mock:elasticsearch@9.1.0"
