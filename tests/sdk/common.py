"""Soft checks for the conformance tests: many checks in a row, each printed as it goes, and one
verdict at the end listing every failure, so one refusal does not hide what came after.

- `ProviderChecks` (made by `suite()`): for the pytest modules `sdk_<provider>.py`, over one
  provider of the `sharesim` fixture (sharesim-pytest, `python/`). `finish()` fails the test
  when any check failed; pytest shows the printed checks of a failed test.
- `Suite`: for a script run as `python <script> BANNER.json` (tests/registry/oras_client.py),
  where BANNER.json is the one line `sharesim serve` printed. `finish()` exits 0 when every
  check held, 1 otherwise.
"""

import json
import sys
import traceback
import urllib.request


class Checks:
    """`check`, `run`, `refused` and `section`: what every conformance test is written in."""

    def __init__(self, provider):
        self.provider = provider
        self.failures = []
        self.passed = 0

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

    def summary(self):
        print(f"{self.provider}: {self.passed} checks passed, {len(self.failures)} failed")


class ProviderChecks(Checks):
    """Checks over `provider` as the `sharesim` fixture serves it: its world and admin API."""

    def __init__(self, sharesim, provider):
        super().__init__(provider)
        self.sharesim = sharesim
        self.endpoint = sharesim.endpoint(provider)
        self.hostport = sharesim.hostport(provider)
        self.regions = sharesim.regions(provider)
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

    def finish(self):
        """Fails the test when any check failed; a test that made no check fails too."""
        import pytest

        self.finished = True
        self.summary()
        if self.failures:
            total = self.passed + len(self.failures)
            pytest.fail(f"{len(self.failures)} of {total} checks failed:\n  " + "\n  ".join(self.failures), pytrace=False)
        assert self.passed > 0, "the test made no check"


def suite(sharesim, provider):
    """The body of each module's `s` fixture: `ProviderChecks` for `provider`. A test that
    stops before `s.finish()` (it raised) still reports the checks that had failed."""
    import pytest

    s = ProviderChecks(sharesim, provider)
    yield s
    if not s.finished and s.failures:
        pytest.fail("checks failed before the test stopped:\n  " + "\n  ".join(s.failures), pytrace=False)


class Suite(Checks):
    """Checks for a script given the banner file as its argument (`python <script> BANNER.json`)."""

    def __init__(self, provider):
        super().__init__(provider)
        with open(sys.argv[1]) as f:
            banner = json.load(f)
        self.endpoint = banner["endpoints"][provider]
        self.hostport = self.endpoint.removeprefix("http://")
        self.world = banner["providers"][provider]
        self.regions = self.world["regions"]

    def account(self, name):
        for a in self.world["accounts"]:
            if a["name"] == name:
                return a
        raise KeyError(f"no account {name} in the world")

    def image(self, name):
        for i in self.world["images"]:
            if i["name"] == name:
                return i["id"]
        raise KeyError(f"no image {name} in the world")

    def admin(self, path, body=None, method="POST"):
        data = json.dumps(body).encode() if body is not None else b""
        req = urllib.request.Request(self.endpoint + "/_sharesim/" + path, data=data if method != "GET" else None, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read() or b"null")

    def reset(self):
        self.admin("reset")

    def advance(self, seconds):
        return self.admin("clock/advance", {"seconds": seconds})

    def finish(self):
        self.summary()
        for f in self.failures:
            print(f"  FAILED: {f}")
        sys.exit(1 if self.failures else 0)


def guarded(main):
    """Runs a script's `main`; an unexpected exception is a failure with its traceback, never a hang."""
    try:
        main()
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(1)
