"""The name rules, in one place: which settings name a resource, how the run writes each name (the
run prefix, a prerequisite kept as the user named it, a template filled in), and which other
settings are the lab's own choices a student may make differently.

`Names` holds one typed attribute per resource name; each is declared once, as a `Name` describing
how it is made, so every other rule is derived from these declarations: the names a title shows
(steps/titles.py), the names a class roster may set (grading/roster.py), the setting a near match
stands for (grading/names.py) and the templates the settings check (settings/checks.py). The service's
limit on each name (its length and characters) is the kind's (kinds/, `NameRule`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self, overload

if TYPE_CHECKING:
    from pipeline_harness.settings.model import Settings


class Name:
    """A resource name: the setting of the same name with the run prefix before it."""

    placeholders: tuple[str, ...] = ()  # what a template setting may use with str.format

    def __init__(self, *, tutorial: bool = True) -> None:
        self.tutorial = tutorial  # the tutorial names it (titles show it), else it is the harness's
        self.setting = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.setting = name

    @overload
    def __get__(self, names: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, names: Names, owner: type | None = None) -> str: ...

    def __get__(self, names: Names | None, owner: type | None = None) -> str | Self:
        return self if names is None else self.make(names)

    def configured(self, names: Names) -> str:
        return str(getattr(names.settings, self.setting))

    def make(self, names: Names) -> str:
        return f"{names.settings.prefix}{self.configured(names)}"

    def setting_for(self, found: str, prefix: str) -> str | None:
        """The setting that names `found` once `prefix` is applied; None if no setting can."""
        return found[len(prefix):] if found.startswith(prefix) else None


class Prerequisite(Name):
    """What the tutorial assumes exists (cluster, service, ALB): a user's own keeps its own name."""

    def make(self, names: Names) -> str:
        return super().make(names) if names.prefix_prerequisites else self.configured(names)


class Kept(Name):
    """An inline policy's name lives inside its role, so it keeps the tutorial's name."""

    def make(self, names: Names) -> str:
        return self.configured(names)

    def setting_for(self, found: str, prefix: str) -> str | None:
        return found


class ArtifactBucket(Name):
    """The bucket: a template of the account, the run a suffix, not a prefix — the tutorial's
    policies grant `dev-pipeline-artifacts-*` — and lower case, as S3 wants."""

    placeholders = ("account_id",)

    def make(self, names: Names) -> str:
        bucket = self.configured(names).format(account_id=names.account_id)
        run = names.settings.prefix.strip("-")
        return (f"{bucket}-{run}" if run else bucket).lower()

    def setting_for(self, found: str, prefix: str) -> str | None:
        run = prefix.strip("-")
        if run and not found.endswith(f"-{run}"):
            return None
        return found[: -len(run) - 1] if run else found


class LogGroup(Name):
    """The build's log group: a template of the (prefixed) project's name."""

    placeholders = ("codebuild_project",)

    def make(self, names: Names) -> str:
        return self.configured(names).format(codebuild_project=names.codebuild_project)

    def setting_for(self, found: str, prefix: str) -> str | None:
        return found  # the template filled in is a template without placeholders


@dataclass(frozen=True)
class Names:
    """The names and ARNs the harness creates or expects, with the run prefix applied."""

    settings: Settings
    account_id: str
    # a user's existing cluster, service and ALB keep their own names
    prefix_prerequisites: bool = True

    # Step 1
    ecr_repository = Name()
    # Step 2
    connection_name = Name()
    # Step 3
    artifact_bucket = ArtifactBucket()
    # Step 4
    pipeline_role = Name()
    codebuild_role = Name()
    pipeline_policy = Kept()
    codebuild_policy = Kept()
    # Step 5
    codebuild_project = Name()
    log_group = LogGroup()
    # Step 6
    pipeline = Name()
    # the prerequisites the tutorial assumes
    cluster = Prerequisite()
    service = Prerequisite()
    load_balancer = Prerequisite()
    # what the tutorial assumes but does not name: the harness's own names when it makes them
    network = Name(tutorial=False)
    target_group = Name(tutorial=False)
    task_family = Name(tutorial=False)
    execution_role = Name(tutorial=False)
    events = Name(tutorial=False)

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def registry(self) -> str:
        return f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com"

    @property
    def repository_uri(self) -> str:
        return f"{self.registry}/{self.ecr_repository}"

    def role_arn(self, role_name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{role_name}"


# every setting that names a resource, and how the run writes it
NAMES: dict[str, Name] = {key: rule for key, rule in vars(Names).items() if isinstance(rule, Name)}
# the settings `Names` fills in with str.format, and the only placeholders each may use
TEMPLATES = {key: rule.placeholders for key, rule in NAMES.items() if rule.placeholders}
# settings AWS receives as values, not as the names of resources, which a lab's author may choose
# differently from the tutorial (a class roster may give a student's own)
LAB_VALUES = ("codebuild_image", "codebuild_compute_type", "buildspec", "pipeline_type", "branch",
              "image_definitions_file", "container", "health_check_path", "connection_arn")
# what a student may have named or chosen differently: where and how the grader runs (target,
# region, prefix, ...) stays the instructor's, and a student's GitHub repository is the roster's
# own `repository` key
STUDENT_SETTINGS = tuple(sorted((*NAMES, *LAB_VALUES)))
