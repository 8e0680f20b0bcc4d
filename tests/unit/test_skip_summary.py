import pytest

pytest_plugins = ["pytester"]

PLUGIN = ("-p", "pipeline_harness.fixtures.skip_summary")

MIXED = """
import pytest

def test_one(): pass
def test_two(): pass
def test_three(): assert False
def test_four(): pytest.skip("moto has no CodeStar Connections API")
def test_five(): pytest.skip("moto has no CodeStar Connections API")
def test_six(): pytest.skip("needs a reachable Docker engine")
"""

ALL_SKIPPED = """
import pytest

def test_connection(): pytest.skip("ECR needs a LocalStack paid plan")
def test_pipeline(): pytest.skip("CodePipeline needs LocalStack's top (Ultimate) plan")
"""

VERDICT = ("pipeline-harness: all 2 tests under tests/integration skipped — the target served "
           "nothing the integration tier needs; failing the run")


@pytest.fixture(autouse=True)
def plugin_alone(monkeypatch):
    """Inner runs load only the plugin under test: no installed plugins, no target from outside."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PIPELINE_HARNESS_TARGET", raising=False)


def summary_lines(result) -> list[str]:
    return [line for line in result.outlines if line.startswith("pipeline-harness")]


def test_the_summary_counts_ran_passed_failed_and_skipped_per_reason(pytester):
    # given
    pytester.makepyfile(test_mixed=MIXED)
    # when
    result = pytester.runpytest(*PLUGIN)
    # then
    expected = ("pipeline-harness [moto]: 3 ran, 2 passed, 1 failed, 3 skipped "
                "(2: moto has no CodeStar Connections API; 1: needs a reachable Docker engine)")
    assert summary_lines(result) == [expected]


def test_the_target_name_comes_from_the_environment(pytester, monkeypatch):
    monkeypatch.setenv("PIPELINE_HARNESS_TARGET", "localstack")
    pytester.makepyfile(test_ok="def test_ok(): pass")

    result = pytester.runpytest(*PLUGIN)

    assert summary_lines(result) == [
        "pipeline-harness [localstack]: 1 ran, 1 passed, 0 failed, 0 skipped"]


def test_the_target_option_wins_over_the_environment(pytester, monkeypatch):
    monkeypatch.setenv("PIPELINE_HARNESS_TARGET", "localstack")
    pytester.makeconftest("def pytest_addoption(parser): parser.addoption('--target')")
    pytester.makepyfile(test_ok="def test_ok(): pass")

    result = pytester.runpytest(*PLUGIN, "--target", "aws")

    assert summary_lines(result) == [
        "pipeline-harness [aws]: 1 ran, 1 passed, 0 failed, 0 skipped"]


def test_a_test_that_records_its_target_is_counted_under_that_target(pytester):
    pytester.makepyfile(test_targets="""
        def test_on_localstack(request):
            request.node.user_properties.append(("pipeline_harness_target", "localstack"))
        def test_on_default(): pass
    """)

    result = pytester.runpytest(*PLUGIN)

    assert summary_lines(result) == [
        "pipeline-harness [localstack]: 1 ran, 1 passed, 0 failed, 0 skipped",
        "pipeline-harness [moto]: 1 ran, 1 passed, 0 failed, 0 skipped",
    ]


def test_a_skip_in_a_fixture_is_counted_with_its_reason(pytester):
    pytester.makepyfile(test_fixture_skip="""
        import pytest

        @pytest.fixture
        def ecr():
            pytest.skip("localstack: ECR needs a LocalStack paid plan")

        def test_repository(ecr): pass
    """)

    result = pytester.runpytest(*PLUGIN)

    expected = ("pipeline-harness [moto]: 0 ran, 0 passed, 0 failed, 1 skipped "
                "(1: localstack: ECR needs a LocalStack paid plan)")
    assert summary_lines(result) == [expected]


def test_a_test_that_passes_but_errors_in_teardown_counts_as_failed(pytester):
    pytester.makepyfile(test_teardown="""
        import pytest

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown failed")

        def test_body_passes(broken_teardown): pass
    """)

    result = pytester.runpytest(*PLUGIN)

    assert summary_lines(result) == [
        "pipeline-harness [moto]: 1 ran, 0 passed, 1 failed, 0 skipped"]


def test_an_expected_failure_is_counted_as_skipped_with_its_reason(pytester):
    pytester.makepyfile(test_xfail="""
        import pytest

        @pytest.mark.xfail(reason="moto never starts ECS tasks")
        def test_rollout(): assert False
    """)

    result = pytester.runpytest(*PLUGIN)

    expected = ("pipeline-harness [moto]: 0 ran, 0 passed, 0 failed, 1 skipped "
                "(1: expected to fail (xfail): moto never starts ECS tasks)")
    assert summary_lines(result) == [expected]


def test_a_run_where_every_integration_test_skipped_fails(pytester):
    # given: the unit tier passes, the integration tier only skips
    pytester.mkdir("tests")
    pytester.mkdir("tests/integration")
    pytester.mkdir("tests/unit")
    pytester.path.joinpath("tests/integration/test_lab.py").write_text(ALL_SKIPPED)
    pytester.path.joinpath("tests/unit/test_logic.py").write_text("def test_logic(): pass")
    # when
    result = pytester.runpytest(*PLUGIN)
    # then
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert VERDICT in result.outlines
    result.assert_outcomes(passed=1, skipped=2)


def test_one_integration_test_that_ran_keeps_a_run_with_skips_green(pytester):
    pytester.mkdir("tests")
    pytester.mkdir("tests/integration")
    pytester.path.joinpath("tests/integration/test_lab.py").write_text(
        ALL_SKIPPED + "\ndef test_bucket(): pass\n")

    result = pytester.runpytest(*PLUGIN)

    assert result.ret == pytest.ExitCode.OK
    assert not [line for line in result.outlines if "failing the run" in line]


def test_skips_outside_the_integration_tier_do_not_fail_the_run(pytester):
    pytester.mkdir("tests")
    pytester.mkdir("tests/unit")
    pytester.path.joinpath("tests/unit/test_docker.py").write_text(ALL_SKIPPED)

    result = pytester.runpytest(*PLUGIN)

    assert result.ret == pytest.ExitCode.OK
    assert not [line for line in result.outlines if "failing the run" in line]


def test_a_failed_run_keeps_its_status_and_still_names_the_skipped_tier(pytester):
    pytester.mkdir("tests")
    pytester.mkdir("tests/integration")
    pytester.mkdir("tests/unit")
    pytester.path.joinpath("tests/integration/test_lab.py").write_text(ALL_SKIPPED)
    pytester.path.joinpath("tests/unit/test_logic.py").write_text("def test_logic(): assert False")

    result = pytester.runpytest(*PLUGIN)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert VERDICT in result.outlines
