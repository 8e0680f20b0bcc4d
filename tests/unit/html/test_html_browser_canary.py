"""The browser tests' own instruments can fail: a page that loads something is caught — its request
recorded, blocked and complained of — so "no request, no console error" on our pages means something."""

import shutil

import pytest

from tests.browser import launched, on_one_worker, open_page, without_csp


@on_one_worker
def test_a_page_that_loads_an_image_a_stylesheet_and_a_script_is_caught_by_every_instrument(
        chromium, tmp_path):
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!DOCTYPE html><html><head><meta charset="utf-8">'
                     '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
                     '<link rel="stylesheet" href="http://127.0.0.1:9/s.css"></head><body>'
                     '<img src="http://127.0.0.1:9/x.png"><script src="other.js"></script></body></html>')

    with_csp = open_page(chromium, leaky)
    bare = open_page(chromium, without_csp(leaky, tmp_path))

    assert {"http://127.0.0.1:9/s.css", "http://127.0.0.1:9/x.png"} <= set(with_csp.requests_elsewhere)
    assert any("Content Security Policy" in error for error in with_csp.console_errors)
    assert "http://127.0.0.1:9/x.png" in bare.requests_elsewhere  # asked for, and aborted by the route
    assert any("ERR_FAILED" in error or "Failed to load" in error for error in bare.console_errors)


def test_without_a_browser_the_browser_tests_skip_and_say_what_to_install(monkeypatch):
    monkeypatch.delenv("PIPELINE_HARNESS_CHROMIUM", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)

    with pytest.raises(pytest.skip.Exception, match=r"`apt-get install chromium` \(\.ci/run installs it\)"), \
            launched():
        pass
