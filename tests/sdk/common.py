"""Helpers for the official-SDK conformance tests: one provider's world and admin API (from the
`sharesim` fixture of sharesim-pytest, `python/`), and soft checks.

Each `sdk_<provider>.py` is a pytest module. A test makes many checks in a row, each printed as
it goes (pytest shows them when the test fails); `finish()` at its end fails the test when any
check failed, listing them all, so one refusal does not hide what came after.
"""

import pytest


class Suite:
    def __init__(self, sharesim, provider):
        self.sharesim = sharesim
        self.provider = provider
        self.endpoint = sharesim.endpoint(provider)
        self.hostport = sharesim.hostport(provider)
        self.regions = sharesim.regions(provider)
        self.failures = []
        self.passed = 0
        self.finished = False

    def account(self, name):
        return self.sharesim.account(self.provider, name)

    def image(self, name):
        return self.sharesim.image(self.provider, name)

    def reset(self):
        self.sharesim.reset(self.provider)

    def advance(self, seconds):
        return self.sharesim.advance_clock(seconds, self.provider)[self.provider]

    def clock(self):
        return self.sharesim.clock(self.provider)

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok   {what}")
        else:
            self.failures.append(f"{what}: {detail}")
            print(f"  FAIL {what}: {detail}")

    def run(self, what, fn):
        """Runs a step that must succeed; returns its result (None on failure)."""
        try:
            out = fn()
            self.check(what, True)
            return out
        except Exception as e:  # the SDK's own exception types differ per SDK
            self.check(what, False, f"{type(e).__name__}: {e}")
            return None

    def refused(self, what, fn, code, code_of):
        """Runs a step that must fail with the provider error `code` (read by `code_of(exc)`)."""
        try:
            fn()
        except Exception as e:
            got = code_of(e)
            self.check(what, got == code, f"expected {code}, got {got} ({type(e).__name__}: {e})")
            return e
        self.check(what, False, f"expected {code}, but the call succeeded")
        return None

    def section(self, title):
        print(f"-- {title}")

    def finish(self):
        """Fails the test when any check failed; a test that made no check fails too."""
        self.finished = True
        print(f"{self.provider}: {self.passed} checks passed, {len(self.failures)} failed")
        if self.failures:
            pytest.fail(f"{len(self.failures)} of {self.passed + len(self.failures)} checks failed:\n  " + "\n  ".join(self.failures), pytrace=False)
        assert self.passed > 0, "the test made no check"


def suite(sharesim, provider):
    """The body of each module's `s` fixture: a `Suite` for `provider`. A test that returns
    without `s.finish()` (it raised) still reports the checks that had failed."""
    s = Suite(sharesim, provider)
    yield s
    if not s.finished and s.failures:
        pytest.fail("checks failed before the test stopped:\n  " + "\n  ".join(s.failures), pytrace=False)
