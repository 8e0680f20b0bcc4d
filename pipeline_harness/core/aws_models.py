"""botocore's loader of the AWS API models, one per process: it caches what it parses, so the
settings' checks (regions, CodeBuild's compute types) and every boto3 session share one copy.

Some text AWS takes is checked before any call — the grader role's external id and name, in the
roster, the role's templates and the student's self-check: each rule is read from the API's model
(`Parameter`), so that all of them refuse what the service refuses, and nothing else."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import botocore.loaders

LOADER = botocore.loaders.create_loader()


@functools.cache
def _shape(service: str, operation: str, member: str) -> dict:
    model = LOADER.load_service_model(service, "service-2")
    request = model["shapes"][model["operations"][operation]["input"]["shape"]]
    return model["shapes"][request["members"][member]["shape"]]


@dataclass(frozen=True)
class Parameter:
    """A text parameter of an AWS API, its rule as botocore's model states it: one character class,
    the least and the most characters. The model's patterns are AWS's own (Java) regular expressions,
    whose `\\w` is ASCII: `accepts` matches in ASCII too, so no other script's letters pass. Read from
    the model when first asked, not on import."""

    service: str
    operation: str
    member: str

    @property
    def characters(self) -> str:
        """The model's character class, e.g. `[\\w+=,.@:\\/-]`."""
        pattern = _shape(self.service, self.operation, self.member)["pattern"]
        one_class = re.fullmatch(r"(\[[^\]]+\])[*+]", pattern)
        if one_class is None:
            raise ValueError(f"{self}: the model's pattern {pattern!r} is no one character class")
        return one_class[1]

    @property
    def min(self) -> int:
        return int(_shape(self.service, self.operation, self.member)["min"])

    @property
    def max(self) -> int:
        return int(_shape(self.service, self.operation, self.member)["max"])

    @property
    def pattern(self) -> str:
        """The whole value's rule: the characters, min to max of them."""
        return f"{self.characters}{{{self.min},{self.max}}}"

    def accepts(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value, re.ASCII) is not None

    @property
    def described(self) -> str:
        """The rule in words: `2 to 1,224 ASCII letters, digits or _+=,.@:/-`."""
        inside = self.characters[1:-1]
        if "\\w" not in inside:
            raise ValueError(f"{self}: {self.characters} holds no \\w to describe as letters and digits")
        others = re.sub(r"\\(.)", r"\1", inside.replace("\\w", ""))
        return f"{self.min:,} to {self.max:,} ASCII letters, digits or _{others}"

    def __str__(self) -> str:
        return f"{self.service} {self.operation}'s {self.member}"


# what STS AssumeRole takes as the external id, and IAM as a role's name
STS_EXTERNAL_ID = Parameter("sts", "AssumeRole", "ExternalId")
IAM_ROLE_NAME = Parameter("iam", "CreateRole", "RoleName")
