"""The class roster (the accounts file): one `[[student]]` table per student, read and checked
before any AWS call. Its keys and rules are documented once, in docs/grading.md ("A class roster").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_harness import settings as settings_rules
from pipeline_harness.core.aws_models import IAM_ROLE_NAME, STS_EXTERNAL_ID
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.settings import REPOSITORY_ID, STUDENT_SETTINGS, load_toml

# how the grader reaches the account, what it must build, where it is, and how a gradebook knows
# the student: the LMS's user id, e-mail, section and the student-information system's id
GRADEBOOK_KEYS = ("id", "email", "section", "sis_id")
TEXT_KEYS = ("name", "profile", "role_arn", "external_id", "repository", "region", *GRADEBOOK_KEYS)
KEYS = {*TEXT_KEYS, "names"}
MAX_TEXT = 256  # a gradebook field longer than this is a paste gone wrong, not a student's id
# a report's file name is the slug and an extension: well within the 255 bytes file systems allow
MAX_SLUG = 80
# an address with one @, a dotted domain and no blanks: what every LMS accepts as an e-mail; RFC
# 5321's 254 characters at most
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
MAX_EMAIL = 254
MAX_ROLE_PATH = 512  # IAM's limit on a role's path, its slashes included
# what [student.names] may set: the settings a student may have named or chosen differently (the
# region is a roster key of its own, the GitHub repository the `repository` key)
NAME_SETTINGS = STUDENT_SETTINGS
Problem = Callable[[str], ConfigError]  # a problem with one roster entry, as its ConfigError


@dataclass(frozen=True)
class Student:
    name: str
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    repository: str | None = None  # owner/repo the Source action must use; None: any owner/repo
    names: dict[str, str] = field(default_factory=dict)
    region: str | None = None  # where this student's lab is graded; None: the run's --region
    id: str | None = None  # the LMS's user id (Canvas's ID)
    email: str | None = None
    section: str | None = None
    sis_id: str | None = None  # the student-information system's (Canvas's SIS User ID; Moodle's ID number)

    @property
    def slug(self) -> str:
        """The student's name as a file name: ASCII letters, digits and `._-` (a run of anything else
        one `-`), at most MAX_SLUG characters — one byte each, so the cut falls between characters."""
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", self.name).strip("-.")
        return slug[:MAX_SLUG].rstrip("-.") or "student"

    @property
    def account(self) -> str | None:
        """The account the roster entry reaches, where it says (a role ARN names it)."""
        match = role_arn().fullmatch(self.role_arn or "")
        return match["account"] if match else None


@functools.cache
def role_arn() -> re.Pattern[str]:
    """IAM's role ARN, in ASCII: the partitions IAM has, 12 digits, an optional /path/ of segments
    of a role name's characters, and a role name, as IAM's model states it (`\\d` and `\\w` without
    ASCII would take any script's digits and letters)."""
    return re.compile(rf"arn:(?:aws|aws-cn|aws-us-gov):iam::(?P<account>[0-9]{{12}}):role/"
                      rf"(?P<path>(?:{IAM_ROLE_NAME.characters}+/)*)(?P<name>{IAM_ROLE_NAME.pattern})",
                      re.ASCII)


def read_accounts(path: str | Path) -> list[Student]:
    """The students of an accounts file; anything wrong with it is one ConfigError line.

    Each student's names are checked by their settings' rules alone (the run's own are checked
    already, when its Settings were made)."""
    data = load_toml(path, "accounts file")
    tables = data.get("student")
    if not isinstance(tables, list) or not tables or set(data) != {"student"}:
        raise ConfigError(f"accounts file {path} must hold [[student]] tables and nothing else")
    for number, table in enumerate(tables, 1):
        if not isinstance(table, dict):
            raise ConfigError(f"accounts file {path}: student #{number} must be a [[student]] table, "
                              f"not {table!r}")
    students = [_student(table, number, path) for number, table in enumerate(tables, 1)]
    # file names compared without case: macOS's and Windows' file systems take `Ada` and `ada` for one
    for seen, kind in (([s.name for s in students], "name"),
                       ([s.slug.casefold() for s in students], "file name")):
        twice = sorted({x for x in seen if seen.count(x) > 1})
        if twice:
            raise ConfigError(f"accounts file {path}: two students share the {kind} {twice[0]!r}")
    return students


def _student(table: dict[str, Any], number: int, path: str | Path) -> Student:
    def bad(problem: str) -> ConfigError:
        who = table.get("name") if isinstance(table.get("name"), str) else "no name"
        return ConfigError(f"accounts file {path}: student #{number} ({who}): {problem}")

    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise bad(f"unknown key {unknown[0]!r}; known keys: {', '.join(sorted(KEYS))}")
    for key in TEXT_KEYS:
        if key in table and not (isinstance(table[key], str) and table[key].strip()):
            quoted = " (quote a number: id = \"12345\")" if key in GRADEBOOK_KEYS else ""
            raise bad(f"{key} must be non-empty text{quoted}")
    for key in GRADEBOOK_KEYS:
        if key in table and len(table[key]) > MAX_TEXT:
            raise bad(f"{key} is {len(table[key])} characters long; at most {MAX_TEXT}")
    if "name" not in table:
        raise bad("needs a name")
    if ("profile" in table) == ("role_arn" in table):
        raise bad("needs exactly one of profile or role_arn")
    _check_access(table, bad)
    if "repository" in table and not REPOSITORY_ID.fullmatch(table["repository"]):
        raise bad(f"repository {table['repository']!r} is not a GitHub owner/repo "
                  "(tutorial Common Issues: repository name format)")
    if "email" in table and not (EMAIL.fullmatch(table["email"]) and len(table["email"]) <= MAX_EMAIL):
        raise bad(f"email {table['email']!r} is not an e-mail address (name@example.edu)")
    _check_names(table.get("names", {}), table.get("region"), bad)
    return Student(**table)


def _check_access(table: Mapping[str, Any], bad: Problem) -> None:
    arn = role_arn().fullmatch(table["role_arn"]) if "role_arn" in table else None
    if "role_arn" in table and (arn is None or len(arn["path"]) + 1 > MAX_ROLE_PATH):
        raise bad(f"role_arn {table['role_arn']!r} is not an IAM role ARN "
                  "(arn:aws:iam::<12-digit account>:role/<name>)")
    if "external_id" in table and "role_arn" not in table:
        raise bad("external_id goes with role_arn")
    if "external_id" in table and not STS_EXTERNAL_ID.accepts(table["external_id"]):
        raise bad(f"external_id must be {STS_EXTERNAL_ID.described} (STS's rule), "
                  f"not {table['external_id']!r}")


def _check_names(names: object, region: str | None, bad: Problem) -> None:
    """The student's names and region, each within its setting's rule: checked once, here, and the
    student's settings built once, when the student is graded."""
    if not isinstance(names, dict):
        raise bad("[student.names] must be a table")
    for key, value in names.items():
        if key not in NAME_SETTINGS:
            raise bad(f"names.{key} is not a name setting; known: {', '.join(NAME_SETTINGS)}")
        if not isinstance(value, str):
            raise bad(f"names.{key} must be text, not {value!r}")
        if not value.strip():
            raise bad(f"names.{key} must be a non-empty name (leave it out for the lab's {key})")
    try:
        settings_rules.check({**names, **({"region": region} if region is not None else {})})
    except ConfigError as err:
        raise bad(str(err)) from None


def role_student(role_arn: str, external_id: str | None, name: str | None) -> Student:
    """One account graded through a role (`grade --role-arn`), checked as a roster entry would be."""
    table = {"name": name or "student", "role_arn": role_arn,
             **({"external_id": external_id} if external_id is not None else {})}

    def bad(problem: str) -> ConfigError:
        return ConfigError(problem.replace("role_arn", "--role-arn").replace("external_id", "--external-id"))

    _check_access(table, bad)
    return Student(name or "student", role_arn=role_arn, external_id=external_id)
