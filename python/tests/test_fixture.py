"""The `sharesim` fixture itself: it starts `sharesim serve`, every listener answers, `reset`
restores the world, `advance_clock` moves the clock, `journal` filters, and the server stops
cleanly; and when the binary is missing, never starts, or stops badly, the session says so.

Needs the real binary: `--sharesim-bin`, `SHARESIM_BIN` or `sharesim` on PATH (`cargo test
--test sdk` passes the one it built).
"""

import calendar
import hashlib
import hmac
import json
import os
import stat
import textwrap
import time
import urllib.error
import urllib.request

import pytest

from sharesim_pytest import PROVIDERS, REGISTRY, SharesimError, SharesimServer, find_binary


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def tencent(sharesim, account, action, body, secret=None):
    """One CVM API call signed with TC3-HMAC-SHA256 as Tencent's SDKs sign it: (status, JSON)."""
    a = sharesim.account("tencent", account)
    host = sharesim.hostport("tencent")
    payload = json.dumps(body).encode()
    ts = int(time.time())
    date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    canonical = "\n".join(
        ["POST", "/", "", "content-type:application/json", f"host:{host}", "", "content-type;host", hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{date}/cvm/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def mac(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(("TC3" + (secret or a["access_key_secret"])).encode(), date), "cvm"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-TC-Action": action,
        "X-TC-Version": "2017-03-12",
        "X-TC-Region": sharesim.regions("tencent")["home"],
        "X-TC-Timestamp": str(ts),
        "Authorization": f"TC3-HMAC-SHA256 Credential={a['access_key_id']}/{scope}, SignedHeaders=content-type;host, Signature={signature}",
    }
    req = urllib.request.Request(sharesim.endpoint("tencent") + "/", data=payload, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read())["Response"]


def share(sharesim, account, image, recipients):
    return tencent(sharesim, account, "ModifyImageSharePermission", {"ImageId": image, "AccountIds": recipients, "Permission": "SHARE"})


# -- the server and its world ---------------------------------------------------------------


def test_every_listener_answers_health(sharesim):
    assert sorted(sharesim.providers) == sorted(PROVIDERS), "unmarked tests get every provider"
    for p in sharesim.providers:
        assert sharesim.endpoint(p).startswith("http://127.0.0.1:")
        health = get_json(sharesim.endpoint(p) + "/_sharesim/health")
        assert (health["status"], health["provider"]) == ("ok", p)
        assert sharesim.health(p)["provider"] == p
    assert sharesim.registry == sharesim.endpoints[REGISTRY]
    assert get_json(sharesim.registry + "/_sharesim/health")["provider"] == "huawei-swr"
    assert sharesim.running()


def test_the_world_with_keys_images_and_regions(sharesim):
    owner = sharesim.account("tencent", "owner")
    assert owner["name"] == "owner" and owner["access_key_id"] and owner["access_key_secret"]
    names = [a["name"] for a in sharesim.accounts("tencent")]
    assert {"owner", "alice", "bob", "crowd1"} <= set(names)
    world = sharesim.banner["providers"]["tencent"]
    assert sharesim.image("tencent", "base") == next(i["id"] for i in world["images"] if i["name"] == "base")
    assert sharesim.regions("tencent") == world["regions"] and set(world["regions"]) >= {"home", "away"}
    assert sharesim.hostport("tencent") == sharesim.endpoint("tencent").removeprefix("http://")
    assert sharesim.world("huawei-swr")["images"] == sharesim.banner["providers"]["huawei-swr"]["images"]
    # What the fixture hands out are copies: a test that changes one changes nothing else.
    owner["access_key_id"] = "changed"
    sharesim.accounts("tencent")[0]["name"] = "changed"
    assert sharesim.account("tencent", "owner")["access_key_id"] != "changed"
    assert sharesim.accounts("tencent")[0]["name"] != "changed"
    with pytest.raises(KeyError, match="no account"):
        sharesim.account("tencent", "mallory")
    with pytest.raises(KeyError, match="no image"):
        sharesim.image("tencent", "nothing")


@pytest.mark.sharesim(providers=["tencent"])
def test_a_marker_chooses_the_providers(sharesim):
    assert sharesim.providers == ["tencent"]
    with pytest.raises(KeyError, match="not served"):
        sharesim.endpoint("alibaba")
    with pytest.raises(KeyError, match="registry"):
        sharesim.registry
    SERVERS["tencent"] = sharesim


@pytest.mark.sharesim("tencent")
def test_the_same_providers_share_one_server(sharesim):
    assert SERVERS.get("tencent") is sharesim, "one server per set of providers, for the session"


SERVERS = {}


@pytest.mark.sharesim("tencent", world="../../src/world/default.yaml")
def test_a_marker_can_load_a_world_file(sharesim):
    world = os.path.normpath(os.path.join(os.path.dirname(__file__), "../../src/world/default.yaml"))
    assert sharesim.command[-2:] == ["--world", world], "relative to the test file"
    assert sharesim.account("tencent", "owner") == SERVERS["tencent"].account("tencent", "owner")
    assert sharesim is not SERVERS["tencent"], "another world, another server"


def test_the_session_server_is_the_unmarked_tests_server(sharesim, sharesim_server):
    assert sharesim is sharesim_server


# -- reset, clock, journal -------------------------------------------------------------------


def test_reset_restores_the_world(sharesim):
    base, alice = sharesim.image("tencent", "base"), sharesim.account("tencent", "alice")["id"]
    pristine, start = sharesim.state("tencent"), sharesim.clock("tencent")
    out = sharesim.apply("tencent", "owner", {"op": "share", "images": [base], "recipients": [alice]})
    assert "ok" in out, out
    assert sharesim.apply("tencent", "owner", {"op": "list_shares", "image": base})["ok"] != []
    as_is = sharesim.apply("tencent", {"actor": "owner", "op": {"op": "list_shares", "image": base}})
    assert as_is == sharesim.apply("tencent", "owner", {"op": "list_shares", "image": base}), "a body sent as it is"
    assert sharesim.state("tencent") != pristine
    sharesim.advance_clock(60)
    sharesim.reset()
    assert sharesim.state("tencent") == pristine
    assert sharesim.clock("tencent") == start
    PRISTINE["tencent"] = pristine
    # Left changed on purpose: the next test must find the world as loaded.
    sharesim.apply("tencent", "owner", {"op": "share", "images": [base], "recipients": [alice]})
    sharesim.advance_clock(3600)


PRISTINE = {}


def test_each_test_starts_from_the_loaded_world(sharesim):
    assert sharesim.state("tencent") == PRISTINE["tencent"]
    assert sharesim.journal("tencent") == []


def test_advance_clock_moves_the_virtual_clock(sharesim):
    start = {p: sharesim.clock(p) for p in sharesim.providers}
    moved = sharesim.advance_clock(3600)
    assert sorted(moved) == sorted(sharesim.providers)
    for p, now in moved.items():
        assert now == sharesim.clock(p) == later(start[p], 3600)
    only = sharesim.advance_clock(60, "huawei-swr")
    assert only == {"huawei-swr": later(start["huawei-swr"], 3660)}
    assert sharesim.clock("tencent") == later(start["tencent"], 3600)
    sharesim.reset("huawei-swr")
    assert sharesim.clock("huawei-swr") == start["huawei-swr"]
    assert sharesim.clock("tencent") == later(start["tencent"], 3600), "reset(provider) resets that provider only"


def later(iso, seconds):
    t = calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) + seconds
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def test_journal_records_calls_and_filters_them(sharesim):
    base = sharesim.image("tencent", "base")
    alice = sharesim.account("tencent", "alice")["id"]
    status, body = share(sharesim, "owner", base, [alice])
    assert status == 200 and "Error" not in body, body
    status, body = share(sharesim, "bob", base, [alice])
    assert body["Error"]["Code"] == "InvalidImageId.NotFound", body
    status, body = tencent(sharesim, "alice", "DescribeImages", {}, secret="not-the-secret")
    assert body["Error"]["Code"] == "AuthFailure.SignatureFailure", body

    every = sharesim.journal("tencent")
    assert [e["api"] for e in every] == ["ModifyImageSharePermission"] * 2 + ["DescribeImages"]
    assert [e["seq"] for e in every] == sorted(e["seq"] for e in every)
    shares = sharesim.journal("tencent", action="share")
    assert [(e["actor"], e["decision"]) for e in shares] == [("owner", "ok"), ("bob", "NotFound")]
    assert [e["actor"] for e in sharesim.journal("tencent", account="bob")] == ["bob"]
    assert [e["seq"] for e in sharesim.journal("tencent", outcome="notfound")] == [shares[1]["seq"]]
    assert [e["decision"] for e in sharesim.journal("tencent", outcome="signature")] == ["signature"]
    assert sharesim.journal("tencent", since=every[0]["seq"]) == every[1:]
    assert sharesim.journal("tencent", limit=1) == every[-1:]
    assert sharesim.journal("tencent", action="share", account="owner", outcome="ok") == shares[:1]
    with pytest.raises(SharesimError, match="unknown parameter"):
        sharesim.journal("tencent", colour="blue")
    with pytest.raises(SharesimError, match="limit"):
        sharesim.journal("tencent", limit="many")

    sharesim.clear_journal("tencent")
    assert sharesim.journal("tencent") == []
    share(sharesim, "owner", base, [alice])
    sharesim.clear_journal()
    assert all(sharesim.journal(p) == [] for p in sharesim.providers)


def test_admin_errors_carry_the_servers_message(sharesim):
    with pytest.raises(SharesimError, match="no admin route"):
        sharesim.admin("tencent", "nowhere")
    with pytest.raises(SharesimError, match="seconds"):
        sharesim.admin("tencent", "clock/advance", {"minutes": 1})


@pytest.mark.sharesim(providers=["tencent"])
def test_apply_takes_a_step_by_the_worlds_names(sharesim):
    shared = sharesim.apply("tencent", {"share": {"as": "owner", "image": "base", "with": "alice"}})
    assert shared["ok"]["result"] == "shared" and shared["step"] == "owner: share base with alice"
    refused = sharesim.apply("tencent", {"delete_image": {"as": "owner", "image": "base"}})
    assert refused["err"]["rule"] == "TC-DELETE-SHARED"
    assert refused["wire"]["code"] == "InvalidImageId.InShared"
    with pytest.raises(SharesimError, match="did you mean|no image named"):
        sharesim.apply("tencent", {"share": {"as": "owner", "image": "bsae", "with": "alice"}})
    quota = sharesim.apply("tencent", "owner", {"op": "quota"})
    assert quota["ok"]["result"] == "quota"


def test_the_readme_example_runs_as_written(pytester, binary):
    """The README's pytest example, copied out of the README and run as a user would."""
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")).read()
    section = readme.split("### Testing with pytest", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_readme=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--sharesim-bin={binary}")
    result.assert_outcomes(passed=1)


# -- the process, without pytest ---------------------------------------------------------------


@pytest.fixture
def binary(request):
    return find_binary(request.config.getoption("sharesim_bin"))


def test_the_server_exits_cleanly_on_sigterm(binary):
    with SharesimServer(binary, providers=["jdcloud"]) as server:
        assert server.providers == ["jdcloud"]
        assert server.health("jdcloud")["status"] == "ok"
        endpoint = server.endpoint("jdcloud")
    assert server.process.returncode == 0
    assert not server.running()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(endpoint + "/_sharesim/health", timeout=5)
    assert server.stop() is None, "stopping twice does nothing"


def fake(tmp_path, name, script):
    """A stand-in for the binary: a shell script."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(script))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_a_server_that_exits_at_once_fails_with_its_stderr(tmp_path):
    bad = fake(tmp_path, "exits", "echo 'error: the world file is broken' >&2\nexit 2\n")
    with pytest.raises(SharesimError, match=r"exited with status 2 before it was serving(.|\n)*the world file is broken"):
        SharesimServer(bad).start()


def test_a_bad_world_file_fails_with_the_servers_own_error(binary, tmp_path):
    with pytest.raises(SharesimError, match=r"exited with status 2 before it was serving(.|\n)*error: .*nothing\.yaml"):
        SharesimServer(binary, world=tmp_path / "nothing.yaml").start()


def exits_7_on_sigterm(tmp_path, binary):
    """The real server under a wrapper that exits 7 once it has stopped it."""
    return fake(
        tmp_path,
        "exits7",
        f"""\
        "{binary}" "$@" &
        child=$!
        trap 'kill -TERM $child; wait $child; exit 7' TERM
        wait $child
        """,
    )


def test_a_server_that_never_starts_is_killed_after_the_timeout(tmp_path):
    silent = fake(tmp_path, "silent", "echo 'starting, slowly' >&2\nexec sleep 600\n")
    server = SharesimServer(silent, startup_timeout=1)
    began = time.monotonic()
    with pytest.raises(SharesimError, match=r"not serving after 1 s(.|\n)*starting, slowly"):
        server.start()
    assert time.monotonic() - began < 10
    assert server.process.returncode is not None, "killed, not left running"


def test_a_server_that_does_not_exit_0_on_sigterm_is_an_error(tmp_path, binary):
    wrapper = exits_7_on_sigterm(tmp_path, binary)
    server = SharesimServer(wrapper, providers=["tencent"]).start()
    assert server.health("tencent")["status"] == "ok"
    with pytest.raises(SharesimError, match="exited with status 7 on SIGTERM, not 0"):
        server.stop()


def test_find_binary_names_what_it_tried(monkeypatch, tmp_path):
    monkeypatch.delenv("SHARESIM_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SharesimError, match="--sharesim-bin PATH, set SHARESIM_BIN, or put `sharesim` on PATH"):
        find_binary()
    monkeypatch.setenv("SHARESIM_BIN", str(tmp_path / "nothing"))
    with pytest.raises(SharesimError, match="SHARESIM_BIN names"):
        find_binary()
    with pytest.raises(SharesimError, match="--sharesim-bin names"):
        find_binary(str(tmp_path / "nothing"))
    on_path = fake(tmp_path, "sharesim", "exit 0\n")
    monkeypatch.delenv("SHARESIM_BIN")
    assert find_binary() == on_path


# -- whole sessions (pytester) -----------------------------------------------------------------


INNER = """
import pytest

@pytest.mark.sharesim(providers=["tencent"])
def test_one(sharesim):
    assert sharesim.health("tencent")["status"] == "ok"
"""


def run_inner(pytester, monkeypatch, *args, path=None):
    pytester.makepyfile(INNER)
    if path is not None:
        monkeypatch.setenv("PATH", path)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_a_session_with_the_binary_option_passes(pytester, binary, monkeypatch):
    monkeypatch.delenv("SHARESIM_BIN", raising=False)
    result = run_inner(pytester, monkeypatch, f"--sharesim-bin={binary}", path="/nonexistent")
    result.assert_outcomes(passed=1)


def test_options_choose_providers_and_flags(pytester, binary, monkeypatch):
    pytester.makeini(
        """
        [pytest]
        sharesim_providers = tencent jdcloud
        sharesim_serve_args = --log-level warn
        """
    )
    pytester.makepyfile(
        """
        import os

        def test_unmarked(sharesim):
            assert sorted(sharesim.providers) == sorted(os.environ["EXPECTED"].split(","))
            assert sharesim.command[-2:] == ["--log-level", "warn"]
        """
    )
    monkeypatch.setenv("EXPECTED", "jdcloud,tencent")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--sharesim-bin={binary}")
    result.assert_outcomes(passed=1)
    monkeypatch.setenv("EXPECTED", "alibaba")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--sharesim-bin={binary}", "--sharesim-providers=alibaba")
    result.assert_outcomes(passed=1)


def test_a_session_without_a_binary_errors_clearly(pytester, monkeypatch):
    monkeypatch.delenv("SHARESIM_BIN", raising=False)
    result = run_inner(pytester, monkeypatch, path="/nonexistent")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cannot find the sharesim binary*"])


def test_a_session_whose_server_stops_badly_fails(pytester, binary, monkeypatch, tmp_path):
    wrapper = exits_7_on_sigterm(tmp_path, binary)
    monkeypatch.setenv("SHARESIM_BIN", wrapper)
    result = run_inner(pytester, monkeypatch)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*exited with status 7 on SIGTERM, not 0*"])
    assert result.ret != 0


def test_a_server_that_dies_during_a_test_fails_it(pytester, binary):
    pytester.makepyfile(
        """
        def test_kills_it(sharesim):
            sharesim.process.kill()
            sharesim.process.wait()

        def test_after(sharesim):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--sharesim-bin={binary}")
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_kills_it*", "*during this test: sharesim serve exited with signal SIGKILL*"])
    result.stdout.fnmatch_lines(["*ERROR at setup of test_after*", "*sharesim serve exited with signal SIGKILL*"])
    assert result.ret != 0


def test_a_server_that_never_starts_fails_every_test_once(pytester, monkeypatch, tmp_path):
    monkeypatch.setenv("SHARESIM_BIN", fake(tmp_path, "silent", "exec sleep 600\n"))
    pytester.makepyfile(
        INNER
        + """
@pytest.mark.sharesim(providers=["tencent"])
def test_two(sharesim):
    pass
"""
    )
    began = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--sharesim-startup-timeout=1")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*not serving after 1 s*"])
    assert time.monotonic() - began < 20, "the second test is not made to wait again"
