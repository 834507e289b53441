"""AWS SigV4 signing (Amazon OpenSearch Service, managed Elasticsearch), with botocore: `pip install 'stopcheck[aws]'`."""
