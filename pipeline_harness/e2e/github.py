"""Push the sample app as ONE commit on a run branch through GitHub's Git Data API, and remove it.

Blobs → tree (on the default branch's tree) → commit → ref: no git binary, no clone, one commit
whose hash the pipeline run is then followed by.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import tenacity

from pipeline_harness.core.errors import ConfigError, HarnessError, TargetUnreachable

API_URL = "https://api.github.com"
TIMEOUT = (5, 30)  # connect, read (seconds)
ATTEMPTS = 5
FILE_MODE = "100644"
MARKER = "pipeline-harness-run.txt"


class GitHubError(HarnessError):
    """GitHub answered with an error another attempt will not fix."""


class _Retryable(Exception):
    """A 5xx or a secondary rate limit: GitHub asks to come back later."""

    def __init__(self, response: requests.Response):
        super().__init__(f"HTTP {response.status_code} from {response.request.method} {response.url}")
        self.response = response


def _rate_limited(response: requests.Response) -> bool:
    if response.status_code == 429:
        return True
    # GitHub's secondary rate limit is a 403 whose message says so (or that carries Retry-After)
    return response.status_code == 403 and (
        "retry-after" in {k.lower() for k in response.headers}
        or "rate limit" in response.text.lower())


@dataclass(frozen=True)
class Branch:
    name: str
    sha: str


@dataclass(frozen=True)
class Pushed:
    branch: str
    commit: str  # full 40-character hash

    @property
    def short(self) -> str:
        """The tag the tutorial's buildspec gives the image: the hash's first 7 characters."""
        return self.commit[:7]


class GitHub:
    """One repository through the REST API, with a token; retries follow tenacity's backoff."""

    def __init__(self, repository: str, token: str, *, api_url: str = API_URL,
                 session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep,
                 attempts: int = ATTEMPTS, timeout: tuple[float, float] = TIMEOUT):
        self.repository, self.api_url, self.attempts = repository, api_url.rstrip("/"), attempts
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "Accept": "application/vnd.github+json",
                                     "X-GitHub-Api-Version": "2022-11-28"})
        self._retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type((_Retryable, requests.ConnectionError,
                                                    requests.Timeout)),
            wait=tenacity.wait_exponential(multiplier=2, max=60) + tenacity.wait_random(0, 1),
            stop=tenacity.stop_after_attempt(attempts), sleep=sleep, reraise=True)

    def _call(self, method: str, path: str, expect: tuple[int, ...], **kwargs: Any) -> requests.Response:
        url = f"{self.api_url}/repos/{self.repository}{path}"
        try:
            return self._retrying(self._once, method, url, expect, **kwargs)
        except _Retryable as err:
            raise GitHubError(f"GitHub kept failing after {self.attempts} attempts: {err}") from None
        except requests.RequestException as err:
            raise TargetUnreachable(f"GitHub does not answer at {self.api_url}: {err}") from None

    def _once(self, method: str, url: str, expect: tuple[int, ...], **kwargs: Any) -> requests.Response:
        response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        if response.status_code in expect:
            return response
        if response.status_code >= 500 or _rate_limited(response):
            raise _Retryable(response)
        raise _refusal(response, method, self.repository)

    def repository_record(self) -> dict:
        """GET /repos/{owner}/{repo}: the repository as the token sees it, `permissions` included."""
        return dict(self._call("GET", "", (200,)).json())

    def default_branch(self) -> str:
        return str(self.repository_record()["default_branch"])

    def push(self, branch: str, files: dict[str, bytes], message: str) -> Pushed:
        """One commit holding `files` (path → content) on top of the default branch, as `branch`."""
        base = self._call("GET", f"/git/ref/heads/{self.default_branch()}", (200,)).json()["object"]["sha"]
        base_tree = self._call("GET", f"/git/commits/{base}", (200,)).json()["tree"]["sha"]
        entries = [{"path": path, "mode": FILE_MODE, "type": "blob", "sha": self._blob(content)}
                   for path, content in sorted(files.items())]
        tree = self._call("POST", "/git/trees", (201,),
                          json={"base_tree": base_tree, "tree": entries}).json()["sha"]
        commit = self._call("POST", "/git/commits", (201,),
                            json={"message": message, "tree": tree, "parents": [base]}).json()["sha"]
        self._call("POST", "/git/refs", (201,), json={"ref": f"refs/heads/{branch}", "sha": commit})
        return Pushed(branch, commit)

    def _blob(self, content: bytes) -> str:
        body = {"content": base64.b64encode(content).decode("ascii"), "encoding": "base64"}
        return self._call("POST", "/git/blobs", (201,), json=body).json()["sha"]

    def delete_branch(self, branch: str) -> str:
        """'deleted', or 'absent' when there is no such branch (a second delete is harmless)."""
        response = self._call("DELETE", f"/git/refs/heads/{branch}", (204, 404, 422))
        return "deleted" if response.status_code == 204 else "absent"

    def branches(self, prefix: str) -> list[Branch]:
        refs = self._call("GET", f"/git/matching-refs/heads/{prefix}", (200,)).json()
        return [Branch(r["ref"].removeprefix("refs/heads/"), r["object"]["sha"]) for r in refs]

    def committed_at(self, sha: str) -> datetime:
        date = self._call("GET", f"/git/commits/{sha}", (200,)).json()["committer"]["date"]
        return datetime.fromisoformat(date.replace("Z", "+00:00"))


def _refusal(response: requests.Response, method: str, repository: str) -> HarnessError:
    try:
        said = response.json().get("message", "")
    except ValueError:
        said = response.text[:200]
    where = f"{method} {response.url}: HTTP {response.status_code} {said}".strip()
    if response.status_code == 401:
        return TargetUnreachable(f"GitHub refused the token ({where}); set GITHUB_TOKEN to a token "
                                 f"that may push to {repository}")
    if response.status_code in (403, 404):
        return ConfigError(f"GitHub: repository {repository} not found or the token may not push to "
                           f"it ({where}); the token needs contents: write on {repository}")
    return GitHubError(f"GitHub answered {where}")


def run_files(root: Path, marker: str) -> dict[str, bytes]:
    """What a run pushes: sample_app/, buildspec.yml, and a marker that makes the commit unique."""
    app = root / "sample_app"
    files = {p.relative_to(root).as_posix(): p.read_bytes()
             for p in sorted(app.rglob("*")) if p.is_file()}
    files["buildspec.yml"] = (root / "buildspec.yml").read_bytes()
    files[MARKER] = marker.encode("utf-8")
    return files

