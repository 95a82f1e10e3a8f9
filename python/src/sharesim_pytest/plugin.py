"""The pytest plugin (loaded through the `pytest11` entry point): the `sharesim` fixture.

    def test_share(sharesim):
        owner = sharesim.account("tencent", "owner")
        ...  # point an SDK at sharesim.endpoint("tencent") with owner's keys

`sharesim serve` starts on free ports the first time a test asks for it and is kept for the
session; before each test the `sharesim` fixture resets its state (the loaded world, the clock
at its start, an empty journal). At the end of the session the server is sent SIGTERM and must
exit 0, or the session reports an error. The providers it serves are named by the first of:
the test's `@pytest.mark.sharesim(providers=[...])` (or its class's or module's `pytestmark`),
`--sharesim-providers`, the `sharesim_providers` ini option; without any, every provider. A
server is started for each distinct set asked for.
"""

import os

import pytest

from .server import SharesimError, SharesimServer, find_binary


def pytest_addoption(parser):
    group = parser.getgroup("sharesim", "sharesim serve (the `sharesim` fixture)")
    group.addoption(
        "--sharesim-bin",
        metavar="PATH",
        help="the sharesim binary (default: $SHARESIM_BIN, else `sharesim` on PATH)",
    )
    group.addoption(
        "--sharesim-providers",
        metavar="LIST",
        help="providers to serve, comma-separated (default: the sharesim_providers ini option, else all)",
    )
    group.addoption(
        "--sharesim-startup-timeout",
        metavar="SECS",
        type=float,
        help="seconds `sharesim serve` may take to start (default: sharesim_startup_timeout, 30)",
    )
    parser.addini("sharesim_providers", "providers `sharesim serve` serves (default: all)", type="args", default=[])
    parser.addini("sharesim_serve_args", "more `sharesim serve` flags, e.g. --log-level warn", type="args", default=[])
    parser.addini("sharesim_startup_timeout", "seconds `sharesim serve` may take to start", default="30")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sharesim(*providers, providers=None, world=None, serve_args=()): the `sharesim serve` the "
        "sharesim fixture gives this test: which providers it serves, a world file (relative to "
        "the test file), more serve flags",
    )


def _providers(text):
    return tuple(p.strip() for p in text.replace(",", " ").split() if p.strip())


class _Pool:
    """The session's servers, one per distinct (providers, world, flags), started when first
    asked for. A server that failed to start is not tried again: every later test gets the
    same error at once."""

    def __init__(self, config):
        self.config = config
        self.servers = {}
        self.failures = {}
        self._binary = None

    def binary(self):
        if self._binary is None:
            self._binary = find_binary(self.config.getoption("sharesim_bin"))
        return self._binary

    def default_providers(self):
        option = self.config.getoption("sharesim_providers")
        if option:
            return _providers(option)
        return _providers(" ".join(self.config.getini("sharesim_providers")))

    def startup_timeout(self):
        option = self.config.getoption("sharesim_startup_timeout")
        return option if option is not None else float(self.config.getini("sharesim_startup_timeout"))

    def get(self, providers=None, world=None, serve_args=()):
        providers = self.default_providers() if providers is None else tuple(providers)
        serve_args = tuple(self.config.getini("sharesim_serve_args")) + tuple(serve_args)
        key = (tuple(sorted(providers)), world, serve_args)
        if key in self.failures:
            raise SharesimError(self.failures[key])
        if key not in self.servers:
            try:
                server = SharesimServer(
                    self.binary(),
                    providers=providers,
                    world=world,
                    serve_args=serve_args,
                    startup_timeout=self.startup_timeout(),
                )
                server.start()
            except SharesimError as e:
                self.failures[key] = str(e)
                raise
            self.servers[key] = server
        return self.servers[key]

    def stop_all(self):
        errors = []
        for server in self.servers.values():
            try:
                server.stop()
            except SharesimError as e:
                errors.append(str(e))
        self.servers.clear()
        return errors


def _fail(error):
    pytest.fail(f"sharesim: {error}", pytrace=False)


@pytest.fixture(scope="session")
def _sharesim_pool(request):
    """The session's `sharesim serve` processes (internal); at the end each gets SIGTERM and
    must exit 0, or the session reports an error."""
    pool = _Pool(request.config)
    yield pool
    errors = pool.stop_all()
    if errors:
        _fail("\n\n".join(errors))


@pytest.fixture(scope="session")
def sharesim_server(_sharesim_pool):
    """The session's server with the default providers (not a test's marker), not reset for
    it: for module- or session-scoped fixtures (SDK clients made once). It is the same server
    the `sharesim` fixture gives unmarked tests, and resets before each of them: keep clients
    and keys here, not state."""
    try:
        server = _sharesim_pool.get()
        server.check_running()
    except SharesimError as e:
        _fail(e)
    return server


@pytest.fixture
def sharesim(request, _sharesim_pool):
    """A running `sharesim serve`, reset to its loaded world for this test.

    It offers `endpoint(provider)`, `registry`, `accounts(provider)`, `account(provider,
    name)` (with `access_key_id` and `access_key_secret`), `image(provider, name)`,
    `regions(provider)`, `banner` (the raw start-up line), `reset()`, `clock(provider)`,
    `advance_clock(seconds)`, `journal(provider, **filters)`, `clear_journal()`,
    `apply(provider, actor, op)`, `state(provider)`, `load_state(provider, state)` and `log()`
    (see `sharesim_pytest.SharesimServer`). Mark the test (or its module) with
    `@pytest.mark.sharesim(providers=["tencent"])` to serve only some providers.
    """
    providers, world, serve_args = None, None, ()
    marker = request.node.get_closest_marker("sharesim")
    if marker is not None:
        kwargs = dict(marker.kwargs)
        providers = kwargs.pop("providers", None)
        if isinstance(providers, str):
            providers = _providers(providers)
        if marker.args:
            if providers is not None:
                raise pytest.UsageError("@pytest.mark.sharesim: give providers as arguments or as providers=, not both")
            providers = tuple(marker.args)
        world = kwargs.pop("world", None)
        if world is not None:
            world = os.path.abspath(os.path.join(os.path.dirname(str(request.path)), os.fspath(world)))
        serve_args = tuple(kwargs.pop("serve_args", ()))
        if kwargs:
            raise pytest.UsageError(
                f"@pytest.mark.sharesim: unknown argument(s) {', '.join(kwargs)}; use providers, world, serve_args"
            )
    try:
        server = _sharesim_pool.get(providers, world, serve_args)
        server.check_running()
        server.reset()
    except SharesimError as e:
        _fail(e)
    yield server
    if not server.running():
        try:
            server.check_running()
        except SharesimError as e:
            _fail(f"during this test: {e}")
