"""Lint of sample_app/Dockerfile: base is a build argument defaulting to the official image,
EXPOSE matches the served port, nothing pins one architecture."""

from pathlib import Path

from pipeline_harness.buildspec.lint import lint_path
from pipeline_harness.settings import Settings

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = (REPO / "sample_app" / "Dockerfile").read_text()


def broken(old: str, new: str) -> str:
    assert old in DOCKERFILE, f"the repository's Dockerfile no longer holds {old!r}"
    return DOCKERFILE.replace(old, new, 1)


def line_of(text: str, snippet: str) -> int:
    return text[: text.index(snippet)].count("\n") + 1


def lint_text(tmp_path: Path, text: str, settings: Settings | None = None) -> list:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return lint_path(path, settings or Settings())


def test_repository_dockerfile_has_no_findings():
    assert lint_path(REPO / "sample_app" / "Dockerfile", Settings()) == []


def test_fixed_base_image_is_reported_with_the_build_argument_fix(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}", "FROM php:8.3-apache")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("base-not-argument", line_of(text, "FROM php"))
    assert "the base image 'php:8.3-apache' is fixed" in finding.message
    assert finding.fix == "ARG BASE_IMAGE=php:8.3-apache before FROM, then FROM ${BASE_IMAGE}"


def test_base_argument_declared_after_from_is_reported(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}\n",
                  "FROM ${BASE_IMAGE}\nARG BASE_IMAGE=php:8.3-apache\n")

    [finding] = lint_text(tmp_path, text)

    assert finding.rule == "base-not-argument"
    assert "no ARG BASE_IMAGE comes before FROM" in finding.message


def test_base_argument_without_default_is_reported(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache", "ARG BASE_IMAGE")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("base-default", line_of(text, "ARG BASE_IMAGE\n"))
    assert finding.fix == "give it the official image: ARG BASE_IMAGE=php:8.3-apache"


def test_base_default_that_is_not_the_official_php_apache_image_is_reported(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache", "ARG BASE_IMAGE=nginx:latest")

    [finding] = lint_text(tmp_path, text)

    assert finding.rule == "base-default"
    assert "'nginx:latest' is not the official PHP Apache image" in finding.message


def test_official_image_from_ecr_public_is_accepted_as_default(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache",
                  "ARG BASE_IMAGE=public.ecr.aws/docker/library/php:8.3-apache")

    assert lint_text(tmp_path, text) == []


def test_expose_of_another_port_is_reported(tmp_path):
    text = broken("EXPOSE 80", "EXPOSE 8080")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("expose", line_of(text, "EXPOSE 8080"))
    assert finding.message.startswith("EXPOSE 8080 but Apache serves the app on port 80")
    assert finding.fix == "write EXPOSE 80"


def test_expose_is_checked_against_the_configured_container_port(tmp_path):
    [finding] = lint_text(tmp_path, DOCKERFILE, Settings(container_port=8080))

    assert finding.fix == "write EXPOSE 8080"


def test_missing_expose_is_reported(tmp_path):
    [finding] = lint_text(tmp_path, broken("EXPOSE 80\n", ""))

    assert finding.rule == "expose"
    assert finding.fix == "add EXPOSE 80"


def test_base_pinned_to_one_platform_is_reported(tmp_path):
    text = broken("FROM ${BASE_IMAGE}", "FROM --platform=linux/amd64 ${BASE_IMAGE}")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("arch-specific", line_of(text, "FROM --platform"))


def test_architecture_specific_download_is_reported(tmp_path):
    text = DOCKERFILE + ("RUN curl -fsSL https://example.invalid/tool-linux-amd64 \\\n"
                         "    -o /usr/local/bin/tool\n")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("arch-specific", line_of(text, "RUN curl"))
    assert finding.fix == "use ARG TARGETARCH (set by buildx) instead of a fixed architecture"


def test_file_without_from_is_fatal(tmp_path):
    [finding] = lint_text(tmp_path, "# nothing here\nEXPOSE 80\n")

    assert finding.fatal
    assert finding.message == "no FROM instruction: this is not a Dockerfile"
