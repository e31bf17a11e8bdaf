"""Lines that tests want printed at the end of the run, whatever pytest's options."""

import pytest

_SUMMARY = pytest.StashKey[list[str]]()


@pytest.fixture
def run_summary(request):
    """Return a list; lines appended to it are printed in the run's closing summary."""
    return request.config.stash.setdefault(_SUMMARY, [])


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(_SUMMARY, [])
    if lines:
        terminalreporter.section("summary of checks")
        for line in lines:
            terminalreporter.write_line(line)
