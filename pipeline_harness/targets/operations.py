"""Which API operations change nothing, by the API's own naming: what the grader may call in a
student's account, and what a target that needs the allow-list lets through in any account."""

from __future__ import annotations

READ_PREFIXES = ("Describe", "Get", "List", "BatchGet", "Head")
# reads whose names don't say so, each allowed by name
READS_BY_NAME = frozenset({
    "SimulatePrincipalPolicy",  # IAM's policy simulator evaluates the role's policies, changes nothing
})
# not a read, but it makes and changes nothing in the account: temporary credentials for a role
# (the grader assumes each student's role with the teacher's credentials)
CREDENTIALS_BY_NAME = frozenset({"AssumeRole"})


def is_read(operation: str) -> bool:
    """Describe*/Get*/List*/BatchGet*/Head*, the API's own naming of operations that change nothing,
    and the few reads named otherwise."""
    return operation.startswith(READ_PREFIXES) or operation in READS_BY_NAME


def changes_nothing(operation: str) -> bool:
    """A read, or taking a role: what any account may be asked without the allow-list."""
    return is_read(operation) or operation in CREDENTIALS_BY_NAME
