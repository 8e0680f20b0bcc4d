"""IAM's size quotas on policy documents, and the size IAM measures them by.

From "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
a managed policy holds at most 6,144 characters, a role's trust policy 2,048 by default (adjustable to
4,096), a role's inline policies 10,240 together; a role takes at most 10 managed policies by default
(adjustable to 20). "IAM does not count white space when calculating the size of a policy against
these quotas." IAM refuses a document over its quota (LimitExceeded / MalformedPolicyDocument), and
moto does not enforce any of these, so only a measurement finds them before a real account does.
"""

from __future__ import annotations

import json
import re

MANAGED_POLICY = 6_144
TRUST_POLICY = 2_048
ROLE_INLINE_POLICIES = 10_240
MANAGED_POLICIES_PER_ROLE = 10

_WHITESPACE = re.compile(r"\s")


def size(document: dict | str) -> int:
    """A policy's size as IAM counts it against its quota: its characters that are not white space."""
    text = document if isinstance(document, str) else json.dumps(document)
    return len(_WHITESPACE.sub("", text))


def over(name: str, document: dict | str, quota: int) -> str | None:
    """What is wrong with `document` against `quota`, or None when it fits."""
    found = size(document)
    return f"{name} is {found:,} characters, over IAM's {quota:,}" if found > quota else None

