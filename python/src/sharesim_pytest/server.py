"""`sharesim serve` as a child process, and a client for its admin API.

Nothing here needs pytest: `SharesimServer` works as a context manager in any test runner.

    with SharesimServer(find_binary(), providers=["tencent"]) as server:
        server.endpoint("tencent")            # http://127.0.0.1:PORT
        server.account("tencent", "alice")    # with access_key_id / access_key_secret
        server.advance_clock(3600)

The server is started with `--port 0` (every listener on a free port) and `--banner FILE`; it
is ready once FILE exists (sharesim writes it whole, once every listener is up). Its stdout is
discarded and its stderr (one log line per request) goes to `log_path`.
"""

import atexit
import copy
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

#: The providers `sharesim serve` knows, by the names its banner uses.
PROVIDERS = ("jdcloud", "tencent", "alibaba", "huawei-ims", "huawei-swr")
#: The banner's name for SWR's container registry (served when huawei-swr is).
REGISTRY = "huawei-swr-registry"
#: The environment variable naming the binary when no option does.
BIN_ENV = "SHARESIM_BIN"
#: The header and environment variable of `sharesim serve --admin-token`.
TOKEN_HEADER = "X-Sharesim-Admin-Token"
TOKEN_ENV = "SHARESIM_ADMIN_TOKEN"


class SharesimError(Exception):
    """The binary is missing, the server did not start or stop cleanly, or an admin call failed."""


def find_binary(explicit=None):
    """The `sharesim` executable: `explicit` (e.g. `--sharesim-bin`), else `$SHARESIM_BIN`,
    else `sharesim` on `PATH`. Raises `SharesimError` saying what was tried when none is."""
    for source, value in (("--sharesim-bin", explicit), (BIN_ENV, os.environ.get(BIN_ENV))):
        if value:
            found = shutil.which(os.fspath(value))
            if found is None:
                raise SharesimError(f"{source} names {value!r}, which is not an executable file")
            return os.path.abspath(found)
    found = shutil.which("sharesim")
    if found is None:
        raise SharesimError(
            "cannot find the sharesim binary: pass --sharesim-bin PATH, set SHARESIM_BIN, or put "
            "`sharesim` on PATH (`cargo install --path .` in a sharesim checkout, or `cargo build` "
            "and use target/debug/sharesim)"
        )
    return os.path.abspath(found)


class SharesimServer:
    """One `sharesim serve` process: its endpoints, world and admin API.

    `providers` limits what is served (default: every provider); `world` is a world file;
    `serve_args` are more `sharesim serve` flags (`--no-verify-signatures`, `--log-level warn`).
    `start()` waits at most `startup_timeout` seconds for the server to be up; `stop()` sends
    SIGTERM and waits at most `stop_timeout` seconds for it to exit, which it must do with 0.

    Per-provider calls take the provider's banner name (`jdcloud`, `tencent`, `alibaba`,
    `huawei-ims`, `huawei-swr`). Each provider has its own state, clock and journal; `reset`,
    `advance_clock` and `clear_journal` act on every served provider unless given one.
    """

    def __init__(self, binary, providers=(), world=None, serve_args=(), startup_timeout=30.0, stop_timeout=15.0):
        self.binary = os.fspath(binary)
        self.requested = tuple(providers)
        self.world_file = os.fspath(world) if world is not None else None
        self.serve_args = tuple(serve_args)
        self.startup_timeout = float(startup_timeout)
        self.stop_timeout = float(stop_timeout)
        #: The `subprocess.Popen` of the server, once started.
        self.process = None
        #: The start-up line, parsed: `endpoints` and `providers` (each with `accounts`,
        #: `images`, `regions`).
        self.banner = None
        self._dir = None
        self._log = None
        self._stopped = False
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- the process ------------------------------------------------------------------------

    @property
    def command(self):
        """The command line `start()` runs (the banner file is added to it)."""
        cmd = [self.binary, "serve", "--port", "0"]
        if self.requested:
            cmd += ["--provider", ",".join(self.requested)]
        if self.world_file is not None:
            cmd += ["--world", self.world_file]
        return cmd + list(self.serve_args)

    @property
    def log_path(self):
        """The file with the server's stderr (one log line per request), until it stops."""
        return os.path.join(self._dir, "serve.log") if self._dir else None

    def log(self, last=None):
        """The server's stderr so far (its `last` lines when given); empty once stopped."""
        if not self.log_path:
            return ""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            return ""
        if last is not None:
            text = "\n".join(text.splitlines()[-last:])
        return text

    def start(self):
        """Starts the server and waits for its start-up line; returns `self`.

        Raises `SharesimError` with the server's stderr when it exits first or says nothing
        within `startup_timeout` seconds (then it is killed)."""
        if self.process is not None:
            raise SharesimError("this server was already started")
        self._dir = tempfile.mkdtemp(prefix="sharesim-pytest-")
        banner_path = os.path.join(self._dir, "banner.json")
        cmd = self.command + ["--banner", banner_path]
        self._log = open(self.log_path, "wb")
        try:
            self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log)
        except OSError as e:
            self._cleanup()
            raise SharesimError(f"cannot run {self.binary}: {e}") from e
        _running.add(self)
        deadline = time.monotonic() + self.startup_timeout
        while not os.path.exists(banner_path):
            code = self.process.poll()
            if code is not None:
                self._stopped = True
                _running.discard(self)
                why = f"`{_shell(cmd)}` exited with {_status(code)} before it was serving; its stderr:\n{self.log(last=40)}"
                self._cleanup()
                raise SharesimError(why)
            if time.monotonic() > deadline:
                why = f"`{_shell(cmd)}` was not serving after {self.startup_timeout:g} s (killed); its stderr:\n{self.log(last=40)}"
                self.kill()
                raise SharesimError(why)
            time.sleep(0.02)
        with open(banner_path, encoding="utf-8") as f:
            self.banner = json.load(f)
        return self

    def running(self):
        """Whether the server process is alive."""
        return self.process is not None and self.process.poll() is None

    def check_running(self):
        """Raises `SharesimError` with its stderr when the server has exited."""
        if self.process is None:
            raise SharesimError("the server was not started")
        code = self.process.poll()
        if code is not None:
            raise SharesimError(f"sharesim serve exited with {_status(code)}; its stderr:\n{self.log(last=40)}")

    def stop(self):
        """SIGTERM, then the server must exit 0 within `stop_timeout` seconds (graceful
        shutdown); returns 0. Raises `SharesimError` with its stderr when it exits otherwise
        or does not exit in time (then it is killed). Stopping a stopped server does nothing."""
        if self.process is None or self._stopped:
            return None
        self._stopped = True
        try:
            code = self.process.poll()
            if code is not None:
                raise SharesimError(
                    f"sharesim serve had already exited with {_status(code)} before SIGTERM; its stderr:\n"
                    f"{self.log(last=40)}"
                )
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise SharesimError(
                    f"sharesim serve did not exit within {self.stop_timeout:g} s of SIGTERM (killed); its stderr:\n"
                    f"{self.log(last=40)}"
                ) from None
            if code != 0:
                raise SharesimError(
                    f"sharesim serve exited with {_status(code)} on SIGTERM, not 0; its stderr:\n{self.log(last=40)}"
                )
        finally:
            _running.discard(self)
            self._cleanup()
        return 0

    def kill(self):
        """SIGKILL (for emergencies: a server that will not stop, or Python exiting)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._stopped = True
        _running.discard(self)
        self._cleanup()

    def _cleanup(self):
        """Closes and removes the log and the banner (errors have quoted what they need)."""
        if self._log is not None:
            self._log.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:
            # The block's own exception matters more than how the server then stopped.
            try:
                self.stop()
            except SharesimError:
                pass
        return False

    def __repr__(self):
        state = "running" if self.running() else "stopped"
        return f"<SharesimServer {','.join(self.providers) if self.banner else self.requested} {state}>"

    # -- the start-up line ------------------------------------------------------------------

    def _banner(self):
        if self.banner is None:
            raise SharesimError("the server was not started")
        return self.banner

    def _world(self, provider):
        worlds = self._banner()["providers"]
        if provider not in worlds:
            raise KeyError(f"{provider!r} is not served here; served: {', '.join(worlds)}")
        return worlds[provider]

    @property
    def providers(self):
        """The providers served, by their banner names."""
        return list(self._banner()["providers"])

    @property
    def endpoints(self):
        """Every listener's base URL, by name (the providers and `huawei-swr-registry`)."""
        return dict(self._banner()["endpoints"])

    def endpoint(self, provider):
        """The base URL of `provider`'s API, `http://127.0.0.1:PORT`."""
        self._world(provider)
        return self._banner()["endpoints"][provider]

    def hostport(self, provider):
        """`127.0.0.1:PORT` of `provider`'s API, for SDKs that take a host rather than a URL."""
        return self.endpoint(provider).split("://", 1)[1]

    @property
    def registry(self):
        """The base URL of SWR's container registry (served with `huawei-swr`)."""
        endpoints = self._banner()["endpoints"]
        if REGISTRY not in endpoints:
            raise KeyError(f"SWR's registry is served with huawei-swr; served: {', '.join(self.providers)}")
        return endpoints[REGISTRY]

    def world(self, provider):
        """`provider`'s world as the banner gives it (`accounts`, `images`, `regions`, `title`);
        a copy, so a test may change it freely."""
        return copy.deepcopy(self._world(provider))

    def accounts(self, provider):
        """`provider`'s accounts (copies): each with `name`, `id`, `identities`,
        `access_key_id` and `access_key_secret`."""
        return copy.deepcopy(self._world(provider)["accounts"])

    def account(self, provider, name):
        """The account called `name` (`owner`, `alice`, `bob`, `crowd1`...) on `provider`, a copy."""
        for a in self._world(provider)["accounts"]:
            if a["name"] == name:
                return copy.deepcopy(a)
        raise KeyError(f"no account {name!r} in {provider}'s world")

    def image(self, provider, name):
        """The ID of the image called `name` (`base`, `spare`...) on `provider`."""
        for i in self._world(provider)["images"]:
            if i["name"] == name:
                return i["id"]
        raise KeyError(f"no image {name!r} in {provider}'s world")

    def regions(self, provider):
        """`provider`'s regions by role: `{"home": ..., "away": ..., "third": ...}`."""
        return dict(self._world(provider)["regions"])

    # -- the admin API ----------------------------------------------------------------------

    def admin(self, provider, path, body=None, method=None, query=None):
        """One call to `provider`'s admin API (`/_sharesim/PATH`); returns the JSON answer.

        `method` defaults to POST with a body and GET without; `query` is a dict of
        parameters. A 4xx/5xx answer raises `SharesimError` with the server's message."""
        url = self.endpoint(provider) + "/_sharesim/" + path.lstrip("/")
        if query:
            url += "?" + urllib.parse.urlencode({k: _param(v) for k, v in query.items() if v is not None})
        method = method or ("GET" if body is None else "POST")
        data = None if body is None else json.dumps(body).encode()
        if data is None and method not in ("GET", "HEAD"):
            data = b""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        token = os.environ.get(TOKEN_ENV)
        if token:
            headers[TOKEN_HEADER] = token
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self._opener.open(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                why = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                why = raw.decode("utf-8", "replace")
            raise SharesimError(f"{method} {url}: {e.code}: {why}") from None
        except OSError as e:
            raise SharesimError(f"{method} {url}: {e}") from None
        return json.loads(raw) if raw else None

    def _each(self, provider):
        return [provider] if provider is not None else self.providers

    def health(self, provider):
        """`GET /_sharesim/health`: `{"status": "ok", "provider": ..., "now": ..., "requests": N}`."""
        return self.admin(provider, "health")

    def reset(self, provider=None):
        """Back to the loaded world, the clock at its start and an empty journal, for
        `provider` or every served provider."""
        for p in self._each(provider):
            self.admin(p, "reset", {})

    def clock(self, provider):
        """`provider`'s virtual time, as `2026-01-01T00:00:00Z`."""
        return self.admin(provider, "clock")["now"]

    def advance_clock(self, seconds, provider=None):
        """Moves the virtual clock `seconds` ahead (SWR share deadlines, JD's listing delay),
        for `provider` or every served provider; returns the new time by provider."""
        return {p: self.admin(p, "clock/advance", {"seconds": int(seconds)})["now"] for p in self._each(provider)}

    def journal(self, provider, **filters):
        """The provider calls `provider` received, oldest first (admin calls are not
        journalled). Filters are the admin API's query parameters: `action="share"`,
        `account="alice"`, `outcome="NotFound"`, `since=` a request number (`seq`) or a UTC
        time, `limit=` (default 100). An unknown filter or a bad value raises `SharesimError`.
        Each entry has `seq`, `wall`, `at`, `method`, `path`, `status`, `decision` and, when
        known, `api`, `actor`, `action`, `rule`, `code`, `operation`."""
        return self.admin(provider, "journal", query=filters)["entries"]

    def clear_journal(self, provider=None):
        """Forgets the journal of `provider` or of every served provider."""
        for p in self._each(provider):
            self.admin(p, "journal", method="DELETE")

    def apply(self, provider, actor, op=None, region=None):
        """Hands one step straight to `provider`'s engine (setup no provider API carries),
        written as a scenario writes it, by the world's names:
        `apply("tencent", {"share": {"as": "owner", "image": "base", "with": "alice"}})`
        (docs/APPLY.md has every operation). The engine's own request by IDs also works:
        `apply("tencent", "owner", {"op": "quota"})`. Returns `{"ok": ...}` or `{"err": ...}`
        with the rule and the provider's wire error; a step that does not parse raises
        `SharesimError` with where and what."""
        if isinstance(actor, dict) and op is None and region is None:
            return self.admin(provider, "apply", actor)
        body = {"actor": actor, "op": op}
        if region is not None:
            body["region"] = region
        return self.admin(provider, "apply", body)

    def state(self, provider):
        """`provider`'s whole engine state, as JSON (`GET /_sharesim/state`)."""
        return self.admin(provider, "state")

    def load_state(self, provider, state):
        """Replaces `provider`'s engine state with `state` (a `state()` dump)."""
        self.admin(provider, "state", state, method="PUT")


def _param(value):
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _status(code):
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"status {code}"


def _shell(cmd):
    return " ".join(shlex.quote(c) for c in cmd)


#: Servers started and not yet stopped: killed when Python exits, so none outlives a run.
_running = set()


def _kill_leftovers():
    for server in list(_running):
        server.kill()


atexit.register(_kill_leftovers)
