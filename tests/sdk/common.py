"""Helpers for the official-SDK conformance scripts: the server's world, its admin API, checks.

Each script is run as `python <script> BANNER.json`, where BANNER.json is the one line that
`sharesim serve` printed. A script exits 0 when every check held, 1 otherwise.
"""

import json
import sys
import traceback
import urllib.request


class Suite:
    def __init__(self, provider):
        with open(sys.argv[1]) as f:
            banner = json.load(f)
        self.provider = provider
        self.endpoint = banner["endpoints"][provider]
        self.hostport = self.endpoint.removeprefix("http://")
        self.world = banner["providers"][provider]
        self.regions = self.world["regions"]
        self.failures = []
        self.passed = 0

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
        print(f"{self.provider}: {self.passed} checks passed, {len(self.failures)} failed")
        for f in self.failures:
            print(f"  FAILED: {f}")
        sys.exit(1 if self.failures else 0)


def guarded(main):
    """Runs `main`; an unexpected exception is a failure with its traceback, never a hang."""
    try:
        main()
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(1)
