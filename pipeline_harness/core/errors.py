"""Errors a person can act on, each with the exit code the README documents."""

import botocore.exceptions
import botocore.parsers

# what an AWS call may raise: refused, not sent (a parameter botocore rejects, no connection), or
# answered with something botocore cannot parse
AWS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError,
              botocore.parsers.ResponseParserError)


def first_line(err: BaseException) -> str:
    """An error's first line (botocore may append a whole HTML error page), at most 400 characters."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:400]


def unexpected(err: BaseException) -> str:
    """An exception nobody expected (a bug), in one line: its type, then its first line."""
    return f"{type(err).__name__}: {first_line(err)}" if str(err).strip() else type(err).__name__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
# an exception nobody expected: a bug of the harness, never a verdict on the lab (not 1)
EXIT_CRASH = 4


class HarnessError(Exception):
    """An expected failure: printed as one line, never as a traceback."""

    exit_code = EXIT_FAILED


class ConfigError(HarnessError):
    """Bad settings, config file, options or input files."""

    exit_code = EXIT_USAGE


class NotAllowed(ConfigError):
    """The account is not in the allow-list, and the work would change it."""


class TargetUnreachable(HarnessError):
    """The endpoint does not answer, or no credentials were found."""

    exit_code = EXIT_UNREACHABLE


class Unsupported(HarnessError):
    """The target does not serve an operation a step or check needs; callers skip with this reason."""


class NotOurs(HarnessError):
    """A resource with the lab's name exists but does not carry the harness's tags."""

    exit_code = EXIT_USAGE


class ProvisionError(HarnessError):
    """Provisioning a step failed; the message names the step and the AWS error."""
