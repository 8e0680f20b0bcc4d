"""Lint of sample_app/Dockerfile: base is a build argument defaulting to the official image,
EXPOSE matches the served port, nothing pins one architecture. The reader and the rules are
checked on 64 real Dockerfiles too (tests/data/dockerfiles/SOURCES.toml), with
the lab rules and the generic ones."""

import tomllib
from pathlib import Path

import pytest

from pipeline_harness.lint.dockerfile import BASE_ARGUMENT, read
from pipeline_harness.lint.lint import lint_paths
from pipeline_harness.lint.rules import Selection, rule
from pipeline_harness.settings import Settings

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = (REPO / "sample_app" / "Dockerfile").read_text()
CORPUS = REPO / "tests" / "data" / "dockerfiles"
SOURCES = tomllib.loads((CORPUS / "SOURCES.toml").read_text())["file"]


def broken(old: str, new: str) -> str:
    assert old in DOCKERFILE, f"the repository's Dockerfile no longer holds {old!r}"
    return DOCKERFILE.replace(old, new, 1)


def line_of(text: str, snippet: str) -> int:
    return text[: text.index(snippet)].count("\n") + 1


def lint_text(tmp_path: Path, text: str, settings: Settings | None = None) -> list:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return lint_paths([path], settings or Settings())


def test_repository_dockerfile_has_no_findings():
    assert lint_paths([REPO / "sample_app" / "Dockerfile"], Settings()) == []


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


# --- the reader: what BuildKit reads as one instruction (Dockerfile reference, "Format",
# "Parser directives", "Here-Documents") ---

def test_here_document_body_lines_are_not_instructions(tmp_path):
    # given a RUN here-document whose body has a line that starts like an instruction
    text = DOCKERFILE + "RUN <<EOF\nset -eux\nFROM nowhere\nEXPOSE 8080\nEOF\n"

    # when / then: the body belongs to the RUN; no second FROM, no EXPOSE 8080
    assert lint_text(tmp_path, text) == []
    assert [i.keyword for i in read(text).steps][-1] == "RUN"


def test_architecture_named_in_a_here_document_is_reported_on_its_body_line(tmp_path):
    text = DOCKERFILE + "RUN <<EOF\napt-get update\napt-get install -y libfoo-amd64\nEOF\n"

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("arch-specific", line_of(text, "apt-get install -y libfoo"))


def test_here_document_that_picks_the_architecture_at_build_time_is_not_reported(tmp_path):
    text = DOCKERFILE + ('RUN <<EOF\nif [ "$(uname -m)" = "x86_64" ]; then ARCH=amd64; else ARCH=arm64; fi\n'
                         "curl -fsSLO https://example.invalid/tool-$ARCH\nEOF\n")

    assert lint_text(tmp_path, text) == []


@pytest.mark.parametrize("heredoc", [
    "RUN <<-EOT\n\tEXPOSE 8080\n\tEOT\n",
    "COPY <<EOF /etc/motd\nFROM nowhere\nEOF\n",
    'RUN <<"EOF" bash\nEXPOSE 8080\nEOF\n',
    "RUN <<'EOF'\nEXPOSE 8080\nEOF\n",
    "COPY <<one <<two /etc/\nEXPOSE 8080\none\nFROM nowhere\ntwo\n",
    "RUN cat <<one > /a && cat <<two > /b\nUSER nobody\none\nWORKDIR /tmp\ntwo\n",
], ids=["chomp", "copy", "double-quoted", "single-quoted", "two-on-one-line", "two-in-a-command"])
def test_every_form_of_here_document_keeps_its_body_out_of_the_instructions(tmp_path, heredoc):
    # given the repository's Dockerfile and one here-document instruction more
    text = DOCKERFILE + heredoc

    # when
    keywords = [i.keyword for i in read(text).steps]

    # then: one instruction more, and nothing of the body counts
    assert keywords == [i.keyword for i in read(DOCKERFILE).steps] + [heredoc.split()[0]]
    assert lint_text(tmp_path, text) == []


def test_escape_directive_makes_the_backtick_continue_a_line():
    # given a Windows Dockerfile: `\` ends paths, the backtick continues lines
    text = "# escape=`\n\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCOPY a c:\\\n" \
           "RUN dir c:\\ `\n    && echo done\nEXPOSE 80\n"

    # when
    steps = read(text).steps

    # then
    assert [(i.line, i.keyword) for i in steps] == [(3, "FROM"), (4, "COPY"), (5, "RUN"), (7, "EXPOSE")]
    assert steps[2].arguments == "dir c:\\     && echo done"


@pytest.mark.parametrize("top", ["# hello\n# escape=`\n", "\n# escape=`\n", "FROM x\n# escape=`\n"],
                         ids=["after-a-comment", "after-a-blank-line", "after-an-instruction"])
def test_escape_directive_below_the_top_is_a_comment(top):
    text = top + "FROM php:8.3-apache\nRUN echo a `\nCMD b\n"

    assert [i.keyword for i in read(text).steps][-2:] == ["RUN", "CMD"]


def test_syntax_directive_before_escape_directive_is_read_as_a_directive(tmp_path):
    # given the repository's Dockerfile written for the backtick, below a syntax directive
    text = "# syntax=docker/dockerfile:1\n# escape=`\n" + DOCKERFILE.replace("\\\n", "`\n")

    # when
    last = read(text).steps[-1]

    # then: the HEALTHCHECK still continues onto its CMD line
    assert last.keyword == "HEALTHCHECK" and "--retries=3     CMD php -r" in last.arguments
    assert lint_text(tmp_path, text) == []


@pytest.mark.parametrize("gap", ["\n", "    # a comment inside the RUN\n", "\n  # both\n\n"],
                         ids=["empty-line", "comment-line", "both"])
def test_empty_and_comment_lines_inside_a_continuation_do_not_end_the_instruction(tmp_path, gap):
    text = DOCKERFILE + f"RUN apt-get update && \\\n{gap}    apt-get install -y libfoo-amd64\n"

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("arch-specific", line_of(text, "RUN apt-get update"))


def test_backslash_followed_by_spaces_still_continues_the_line():
    # BuildKit's continuation is the escape character then only spaces or tabs: `\\[ \t]*$`
    steps = read("FROM php:8.3-apache\nRUN composer install \\ \t\n    --no-dev\n").steps

    assert [(i.keyword, i.arguments) for i in steps] == [
        ("FROM", "php:8.3-apache"), ("RUN", "composer install     --no-dev")]


def test_unknown_instruction_is_fatal_with_its_line(tmp_path):
    # a RUN ended too early (a missing backslash) leaves the next line as an instruction of its own
    text = DOCKERFILE + "RUN apt-get update &&\n    apt-get install -y curl\n"

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("not-a-dockerfile", line_of(text, "    apt-get"))
    assert finding.fatal
    assert "unknown instruction: apt-get" in finding.message


def test_unterminated_here_document_is_fatal(tmp_path):
    [finding] = lint_text(tmp_path, DOCKERFILE + "RUN <<EOF\necho never closed\n")

    assert finding.fatal and "unterminated heredoc" in finding.message



def test_bad_substitution_in_from_is_fatal(tmp_path):
    text = broken("FROM ${BASE_IMAGE}", "FROM ${BASE_IMAGE")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("not-a-dockerfile", line_of(text, "FROM ${BASE_IMAGE"))
    assert finding.message == "FROM '${BASE_IMAGE' cannot be expanded: syntax error: missing '}'"


def test_custom_syntax_frontend_s_own_instructions_are_fatal_and_say_why(tmp_path):
    text = "# syntax=devthefuture/dockerfile-x\n" + DOCKERFILE + "INCLUDE ./more.dockerfile\n"

    [finding] = lint_text(tmp_path, text)

    assert finding.fatal and finding.line == line_of(text, "INCLUDE")
    assert finding.message.startswith(
        "unknown instruction: INCLUDE: the `# syntax=devthefuture/dockerfile-x` frontend")


# --- the base image: ARG before FROM (Dockerfile reference, "Understand how ARG and FROM interact") ---

def argument_chain(levels: int) -> str:
    """ARGs each naming the one before ten times: A<levels> is 10**(levels + 1) characters."""
    rows = ["ARG A0=xxxxxxxxxx"] + [f"ARG A{n}=" + f"$A{n - 1}" * 10 for n in range(1, levels + 1)]
    return "\n".join(rows) + "\nFROM php:8.3-apache\nEXPOSE 80\n"


def test_build_arguments_that_each_repeat_the_one_before_are_refused_before_they_expand(tmp_path):
    # given 352 bytes whose last ARG would be 10**9 characters
    text = argument_chain(8)
    # when
    [finding] = lint_text(tmp_path, text)
    # then the first ARG that would take the values past 1 MiB is where it stops
    assert (finding.rule, finding.fatal, finding.line) == ("not-a-dockerfile", True, 6)
    assert finding.message == ("ARG '$A4$A4$A4$A4$A4$A4$A4$A4$A4$A4' would expand the build arguments "
                               "and ENV values to more than 1 MiB in all: no Dockerfile's values come "
                               "near that")


def test_an_env_that_doubles_itself_is_refused_before_it_expands(tmp_path):
    # given ENV A=$A$A twenty times after ENV A=x: 2**20 characters
    text = "FROM php:8.3-apache\nENV A=x\n" + "ENV A=$A$A\n" * 20 + "EXPOSE 80\n"
    # when
    [finding] = lint_text(tmp_path, text)
    # then line 21's doubling, to 2**19 characters, is refused: 2**19 - 1 were expanded before it
    assert (finding.rule, finding.line) == ("not-a-dockerfile", 21)
    assert "would expand the build arguments and ENV values to more than 1 MiB" in finding.message


def test_a_replacement_that_repeats_a_value_once_per_character_is_refused(tmp_path):
    # given ${A//?/$A}: A's 2,000 characters each replaced by A (4,000,000 characters)
    text = "FROM php:8.3-apache\nARG A=" + "x" * 2000 + "\nENV B=${A//?/$A}\nEXPOSE 80\n"
    # when
    [finding] = lint_text(tmp_path, text)
    # then
    assert (finding.rule, finding.line) == ("not-a-dockerfile", 3)


def test_values_that_expand_to_under_1_mib_in_all_are_checked_on_their_values(tmp_path):
    # given a port of 500 characters repeated 1,000 times, expanded for its ARG and for EXPOSE:
    # 1,000,500 characters in all
    text = (DOCKERFILE.replace("EXPOSE 80", "ARG P=" + "9" * 500 + "\nARG Q=" + "$P" * 1000
                               + "\nEXPOSE $Q"))
    # when
    findings = lint_text(tmp_path, text)
    # then EXPOSE is checked on the expanded ports
    assert [f.rule for f in findings] == ["expose"]
    assert findings[0].message.startswith("EXPOSE 9999")


@pytest.mark.parametrize("head", [
    "ARG APP=sample BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}",
    'ARG BASE_IMAGE="php:8.3-apache"\nFROM ${BASE_IMAGE}',
    "ARG BASE_IMAGE\nFROM ${BASE_IMAGE:-php:8.3-apache}",
    "ARG VERSION=8.3\nARG BASE_IMAGE=php:${VERSION}-apache\nFROM $BASE_IMAGE",
    "ARG BASE_IMAGE=php:8.3-apache\nFROM --platform=$BUILDPLATFORM ${BASE_IMAGE}",
    "arg BASE_IMAGE=php:8.3-apache\nfrom ${BASE_IMAGE} as app",
], ids=["two-in-one-arg", "quoted-default", "default-in-from", "arg-from-arg", "build-platform",
        "lower-case"])
def test_every_way_of_giving_the_official_base_as_an_argument_is_accepted(tmp_path, head):
    text = broken("ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}", head)

    assert lint_text(tmp_path, text) == []


@pytest.mark.parametrize("head", [
    "ARG REGISTRY=docker.io IMAGE=library/php:8.3-apache\nFROM $REGISTRY/$IMAGE",
    "ARG REGISTRY=public.ecr.aws/docker/library\nARG PHP_VERSION=8.3\n"
    "FROM ${REGISTRY}/php:${PHP_VERSION}-apache",
    "ARG BASE=php:8.3-apache\nFROM ${BASE}",
    "ARG BASE_IMAGE=php:8.3\nFROM ${BASE_IMAGE}-apache",
], ids=["registry-and-image", "registry-and-version", "another-name", "part-of-the-image"])
def test_an_official_base_made_of_other_arguments_is_not_the_harness_s_argument(tmp_path, head):
    # given the official base by default, but from arguments the harness's local build cannot set
    # (it passes BASE_IMAGE alone, so such a build would pull the official image)
    text = broken("ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}", head)
    # when
    [finding] = lint_text(tmp_path, text)
    # then
    assert (finding.rule, finding.line) == ("base-not-argument", line_of(text, "FROM"))
    assert f"is not the {BASE_ARGUMENT} argument itself" in finding.message


def test_base_default_built_from_arguments_is_judged_resolved(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}",
                  "ARG REGISTRY=docker.io\nARG IMAGE=nginx:latest\nFROM $REGISTRY/$IMAGE")

    default, not_the_argument = sorted(lint_text(tmp_path, text), key=lambda f: f.rule)

    assert (not_the_argument.rule, not_the_argument.line) == ("base-not-argument",
                                                              line_of(text, "FROM $REGISTRY"))
    assert (default.rule, default.line) == ("base-default", line_of(text, "FROM $REGISTRY"))
    assert "'docker.io/nginx:latest' is not the official PHP Apache image" in default.message


def test_default_in_from_without_an_arg_before_from_is_fixed(tmp_path):
    # BuildKit ignores --build-arg BASE_IMAGE for FROM when no ARG BASE_IMAGE precedes it
    text = broken("ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}", "FROM ${BASE_IMAGE:-php:8.3-apache}")

    [finding] = lint_text(tmp_path, text)

    assert finding.rule == "base-not-argument"
    assert "no ARG BASE_IMAGE comes before FROM" in finding.message


def test_final_stage_built_from_an_earlier_stage_is_checked_on_that_stage_s_base(tmp_path):
    # given a builder stage on a fixed image and the app stage on the argument
    text = broken("ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}",
                  "ARG BASE_IMAGE=php:8.3-apache\nFROM composer:2 AS vendor\nRUN composer install\n"
                  "FROM ${BASE_IMAGE} AS base\nFROM BASE")

    # when / then: the running image's base is the argument; the builder's image is no base
    assert lint_text(tmp_path, text) == []


def test_builder_stage_with_the_argument_does_not_hide_a_fixed_final_base(tmp_path):
    text = broken("FROM ${BASE_IMAGE}", "FROM ${BASE_IMAGE} AS build\nFROM nginx:latest")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("base-not-argument", line_of(text, "FROM nginx"))


def test_platform_argument_with_a_fixed_default_pins_one_architecture(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}",
                  "ARG PLATFORM=linux/amd64\nARG BASE_IMAGE=php:8.3-apache\n"
                  "FROM --platform=${PLATFORM} ${BASE_IMAGE}")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("arch-specific", line_of(text, "FROM --platform"))
    assert "linux/amd64" in finding.message


def test_base_image_whose_default_names_one_architecture_is_reported(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache", "ARG BASE_IMAGE=amd64/php:8.3-apache")

    arch, default = sorted(lint_text(tmp_path, text), key=lambda f: f.rule)

    assert (arch.rule, arch.line) == ("arch-specific", line_of(text, "FROM ${BASE_IMAGE}"))
    assert arch.message.startswith("the image 'amd64/php:8.3-apache' is built for amd64 only")
    assert default.rule == "base-default"


# --- EXPOSE (Dockerfile reference, "EXPOSE"; only the stages the final image is built from count) ---

@pytest.mark.parametrize("expose", ["EXPOSE 80/tcp 443", "EXPOSE 443 80", "ARG PORT=80\nEXPOSE ${PORT}",
                                    "ENV PORT=80\nEXPOSE $PORT/tcp", "EXPOSE 79-81"],
                         ids=["tcp-and-another", "second-port", "arg", "env", "range"])
def test_every_way_of_exposing_the_container_port_is_accepted(tmp_path, expose):
    assert lint_text(tmp_path, broken("EXPOSE 80", expose)) == []


def test_expose_of_the_port_over_udp_only_is_reported(tmp_path):
    [finding] = lint_text(tmp_path, broken("EXPOSE 80", "EXPOSE 80/udp"))

    assert finding.rule == "expose"
    assert finding.message.startswith("EXPOSE 80/udp but Apache serves the app on port 80")


def test_expose_resolved_from_an_argument_is_checked_with_its_default(tmp_path):
    text = broken("EXPOSE 80", "ARG PORT=8080\nEXPOSE ${PORT}")

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("expose", line_of(text, "EXPOSE ${PORT}"))
    assert finding.message.startswith("EXPOSE 8080 but")


def test_argument_declared_before_from_is_not_seen_by_expose(tmp_path):
    # an ARG before FROM is outside every stage: EXPOSE ${PORT} inside the stage expands to nothing
    text = broken("ARG BASE_IMAGE=php:8.3-apache", "ARG BASE_IMAGE=php:8.3-apache\nARG PORT=80")
    text = text.replace("EXPOSE 80", "EXPOSE ${PORT}")

    [finding] = lint_text(tmp_path, text)

    assert finding.rule == "expose"
    assert finding.message.startswith("EXPOSE ${PORT} but Apache serves the app on port 80")


def test_argument_before_from_declared_again_in_the_stage_is_seen_by_expose(tmp_path):
    text = broken("ARG BASE_IMAGE=php:8.3-apache", "ARG BASE_IMAGE=php:8.3-apache\nARG PORT=80")
    text = text.replace("EXPOSE 80", "ARG PORT\nEXPOSE ${PORT}")

    assert lint_text(tmp_path, text) == []


def test_expose_in_a_stage_the_final_image_is_not_built_from_does_not_count(tmp_path):
    text = broken("EXPOSE 80\n", "") + "FROM ${BASE_IMAGE} AS docs\nEXPOSE 80\n"
    text = text.replace("FROM ${BASE_IMAGE}\n", "FROM ${BASE_IMAGE} AS app\n", 1) + "FROM app\n"

    [finding] = lint_text(tmp_path, text)

    assert (finding.rule, finding.line) == ("expose", line_of(text, "FROM app\n"))
    assert finding.fix == "add EXPOSE 80"


def test_expose_in_the_stage_the_final_image_is_built_from_counts(tmp_path):
    text = broken("FROM ${BASE_IMAGE}", "FROM ${BASE_IMAGE} AS app") + "FROM app\nRUN true\n"

    assert lint_text(tmp_path, text) == []


# --- real Dockerfiles ---

@pytest.fixture(scope="module")
def corpus_findings() -> dict[str, list]:
    found: dict[str, list] = {source["name"]: [] for source in SOURCES}
    for finding in lint_paths([CORPUS / s["name"] for s in SOURCES], Settings(), Selection("lab")):
        found[Path(finding.path).name].append(finding)
    return found


def test_the_corpus_holds_every_stored_dockerfile_with_its_source():
    stored = {p.name for p in CORPUS.iterdir() if p.name != "SOURCES.toml"}

    assert stored == {source["name"] for source in SOURCES}
    assert all(len(s["commit"]) == 40 and "/" in s["repository"] and s["path"] and s["forms"]
               for s in SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=[s["name"] for s in SOURCES])
def test_each_real_dockerfile_gets_exactly_its_real_findings(corpus_findings, source):
    # given the file's mistakes by the lab's rules, each with why
    expected = sorted((f["rule"], f["line"]) for f in source.get("finding", []))
    # when
    found = corpus_findings[source["name"]]
    # then
    assert sorted((f.rule, f.line) for f in found) == expected, found
    assert all(f["why"] for f in source.get("finding", []))
    assert all(f.fix for f in found)


def test_every_finding_on_the_real_dockerfiles_is_of_its_registered_rule(corpus_findings):
    found = [f for findings in corpus_findings.values() for f in findings]

    assert found
    assert [f.rule for f in found if rule(f.rule) is not f.declared] == []


def test_the_real_here_documents_are_read_as_buildkit_reads_them():
    # given the buildah here-document test file: 20 instructions, 13 here-documents among them
    steps = read((CORPUS / "buildah_heredoc.Containerfile").read_text()).steps

    # then: the bodies (a Python script, robots.txt, ...) are no instructions of their own
    assert len(steps) == 20
    assert {i.keyword for i in steps} == {"FROM", "USER", "WORKDIR", "RUN", "ADD", "COPY"}
    [test7] = [i for i in steps if "test7.txt" in i.arguments and i.body]
    assert [text for _, text in test7.body] == [
        "this is the output of test7 part1", "this is the output of test7 part2",
        "this is the output of test7 part3"]
    assert [number for number, _ in test7.body] == [44, 46, 48]


def test_a_windows_dockerfile_s_backtick_continuations_make_one_run():
    steps = read((CORPUS / "vs-buildtools_Dockerfile").read_text()).steps

    [run] = [i for i in steps if i.keyword == "RUN"]
    assert run.line == 13
    assert run.arguments.startswith("C:\\TEMP\\vs_buildtools.exe --quiet")
    assert run.arguments.endswith('|| IF "%ERRORLEVEL%"=="3010" EXIT 0')


# --- the multi-arch rules outside the lab ---

def lint_generic(tmp_path: Path, text: str) -> list:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return lint_paths([path], Settings(), Selection("generic"))


def test_a_single_architecture_dockerfile_is_no_arch_mistake_for_the_generic_rules(tmp_path):
    # an x86_64 download in an image built for x86_64 only: no --platform list, no TARGETARCH
    text = ("FROM amazonlinux:2023\n"
            "RUN curl -o awscliv2.zip https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip\n")

    assert lint_generic(tmp_path, text) == []
    assert [f.rule for f in lint_text(tmp_path, text)].count("arch-specific") == 1


def test_a_dockerfile_written_for_several_platforms_is_checked_by_the_generic_rules(tmp_path):
    text = ("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\n"
            "RUN GOARCH=$TARGETARCH go build -o /app .\nFROM alpine:3.20\n"
            "RUN wget https://example.invalid/tool-linux-amd64 -O /usr/local/bin/tool\n")

    [finding] = lint_generic(tmp_path, text)

    assert (finding.rule, finding.line) == ("arch-specific", 5)


def test_a_run_that_handles_amd64_and_arm64_both_is_not_arch_specific(tmp_path):
    text = DOCKERFILE + ('RUN ARCH="$(arch)" && if [ "$ARCH" = "aarch64" ]; then PKG=tool-arm64; \\\n'
                         "    else PKG=tool-amd64; fi && curl -o /tmp/tool https://example.invalid/$PKG\n")

    assert lint_text(tmp_path, text) == []


# --- real Dockerfiles, with the generic rules ---

@pytest.mark.parametrize("source", SOURCES, ids=[s["name"] for s in SOURCES])
def test_each_real_dockerfile_gets_exactly_its_generic_findings(source):
    expected = sorted((f["rule"], f["line"]) for f in source.get("generic_finding", []))

    found = lint_paths([CORPUS / source["name"]], Settings(), Selection("generic"))

    assert sorted((f.rule, f.line) for f in found) == expected, found
