"""botocore's loader of the AWS API models, one per process: it caches what it parses, so the
settings' checks (regions, CodeBuild's compute types) and every boto3 session share one copy."""

from __future__ import annotations

import botocore.loaders

LOADER = botocore.loaders.create_loader()
