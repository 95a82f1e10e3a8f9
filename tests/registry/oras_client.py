"""A second real registry client against SWR's registry: oras-py (the ORAS project's Python
client, PyPI `oras`, pinned in tests/sdk/requirements.txt), unchanged but for one thing below.

Run as `python oras_client.py BANNER.json` (tests/registry_clients.rs does), where BANNER.json
is the line `sharesim serve --provider huawei-swr` printed. It logs in with SWR's documented
long-term login (user `cn-north-4@{AK}`, password the hex HMAC-SHA256 of the AK keyed by the
SK) and goes through Docker's Bearer token flow as oras-py does for any registry.

- the owner pushes an artifact (one file) to ns-owner/art:v1;
- alice, before any share, and bob, a stranger, are refused;
- after a share alice pulls the same bytes, and the manifest she reads has the digest the
  push answered;
- alice's push into the owner's repository is refused and leaves its tags alone;
- a token alice holds from before a cancel grants nothing after it.

Every refusal is checked twice: oras-py raised, and the server's journal (its admin API)
shows the refusal, and which rule made it, for that account and no success beside it.

The one change to oras-py: `Registry.do_request` carries a retry decorator that retries any
exception five times, sleeping 3 s, 5 s, 11 s, 29 s and 83 s, including the "cannot respond
to request for authentication" a refused login raises. It has nothing to do with the registry
protocol, and would turn each expected refusal into two minutes of sleep, so the script calls
the undecorated function (`__wrapped__`, kept by functools.wraps).
"""

import atexit
import hashlib
import hmac
import json
import os
import shutil
import sys
import tempfile

# oras-py reads and `login` writes ~/.docker/config.json: keep both inside a scratch HOME,
# removed on exit.
SCRATCH = tempfile.mkdtemp(prefix="sharesim-oras-")
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
os.environ["HOME"] = SCRATCH

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk"))

import oras.client  # noqa: E402
import oras.provider  # noqa: E402
from oras.auth.utils import parse_auth_header  # noqa: E402

from common import Suite, guarded  # noqa: E402

oras.provider.Registry.do_request = oras.provider.Registry.do_request.__wrapped__

s = Suite("huawei-swr")
with open(sys.argv[1]) as f:
    REGISTRY = json.load(f)["endpoints"]["huawei-swr-registry"].removeprefix("http://")
REPO = "ns-owner/art"
PAYLOAD = b"sharesim oras artifact\n" + bytes(range(256)) * 4
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def client(name=None):
    """A fresh oras-py client, logged in as account `name` (anonymous without one). One per
    actor and repository: oras-py keeps the first token it gets for everything after."""
    c = oras.client.OrasClient(hostname=REGISTRY, insecure=True)
    if name is not None:
        a = s.account(name)
        ak, sk = a["access_key_id"], a["access_key_secret"]
        password = hmac.new(sk.encode(), ak.encode(), hashlib.sha256).hexdigest()
        config = os.path.join(SCRATCH, f"{name}-{len(os.listdir(SCRATCH))}.json")
        c.login(username=f"cn-north-4@{ak}", password=password, hostname=REGISTRY, config_path=config)
    return c


def journal_mark():
    entries = s.admin("journal?limit=1", method="GET")["entries"]
    return entries[-1]["seq"] if entries else 0


def journal_since(mark):
    return [e for e in s.admin("journal?limit=1000", method="GET")["entries"] if e["seq"] > mark]


PULLS = {"pull manifest", "pull blob", "list tags"}
PUSHES = {"start upload", "upload chunk", "finish upload", "put manifest"}


def refused(what, fn, actor, rule=None, decision=None, apis=PULLS, at=None):
    """`fn` must raise, and the journal since it started must show `actor` refused (by `rule`,
    or with `decision`; at the registry API `at`, when given) and never served a request of
    `apis` (pulls, or pushes)."""
    mark = journal_mark()
    try:
        fn()
    except Exception as e:  # oras-py raises ValueError for every refusal
        raised = f"{type(e).__name__}: {e}"
    else:
        s.check(what, False, "the client succeeded")
        return
    mine = [e for e in journal_since(mark) if e.get("actor", "") == actor]
    served = [e for e in mine if e["status"] < 300 and e.get("api") in apis]
    no = [e for e in mine if e["status"] >= 400]
    matched = [
        e for e in no
        if (rule is None or e.get("rule") == rule)
        and (decision is None or e["decision"] == decision)
        and (at is None or e.get("api") == at)
    ]
    s.check(
        what,
        bool(matched) and not served,
        f"raised {raised}; journal for {actor!r}: {json.dumps(mine)}",
    )


def ask_for_push(c, repo):
    """oras-py keeps the first token it gets and asks for another only after a 403. Its push
    begins with a HEAD of each blob, whose challenge asks for `pull` alone; the upload that
    follows is answered, as Docker's token spec has it, with 401 and a challenge for
    `pull,push`, and oras-py sends the pull-only token again and gives up. So ask the token
    service for `pull,push` first, with oras-py's own token request and the login above (what
    helm does for oras-go: AppendRepositoryScope before a push)."""
    ping = c.session.get(f"http://{REGISTRY}/v2/")
    challenge = parse_auth_header(ping.headers.get("Www-Authenticate", ""))
    challenge.scope = f"repository:{repo}:pull,push"
    token = c.auth.request_token(challenge)
    if token:
        c.auth.set_token_auth(token)


def push(c, target, path):
    ask_for_push(c, target.removeprefix(REGISTRY + "/").rsplit(":", 1)[0])
    return c.push(target=target, files=[path], disable_path_validation=True, quiet=True)


def raw_manifest(c, repo, ref):
    """The manifest bytes and digest header, as the client's own session reads them."""
    container = c.get_container(f"{REGISTRY}/{repo}:{ref}")
    c.auth.load_configs(container)
    r = c.do_request(f"http://{container.manifest_url()}", "GET", headers={"Accept": OCI_MANIFEST})
    if r.status_code != 200:
        raise ValueError(f"GET manifest: {r.status_code} {r.text}")
    return r.content, r.headers.get("Docker-Content-Digest")


def main():
    work = os.path.join(SCRATCH, "work")
    os.makedirs(work)
    payload = os.path.join(work, "payload.bin")
    with open(payload, "wb") as f:
        f.write(PAYLOAD)

    s.section("the owner pushes")
    r = s.run("owner pushes ns-owner/art:v1", lambda: push(client("owner"), f"{REGISTRY}/{REPO}:v1", payload))
    pushed = r.headers.get("Docker-Content-Digest") if r is not None else None
    s.check("the push answers 201 with the manifest's digest", r is not None and r.status_code == 201 and bool(pushed),
            f"{getattr(r, 'status_code', None)} {pushed}")
    tags = s.run("owner lists the tags", lambda: client("owner").get_tags(REPO))
    s.check("the repository holds tag v1", tags == ["v1"], f"{tags}")

    s.section("before any share")
    out = os.path.join(work, "pulled")
    refused("alice (not shared) cannot pull", lambda: client("alice").pull(target=f"{REGISTRY}/{REPO}:v1", outdir=out),
            "alice", decision="NotFound")
    refused("bob (a stranger) cannot pull", lambda: client("bob").pull(target=f"{REGISTRY}/{REPO}:v1", outdir=out),
            "bob", decision="NotFound")

    s.section("shared with alice")
    shared = s.admin("apply", {"actor": "owner", "op": {"op": "share", "images": [REPO], "recipients": ["alice"],
                                                        "options": {"validity": "forever"}}})
    s.check("the owner shares ns-owner/art with alice", "ok" in shared, f"{shared}")
    alice = client("alice")
    files = s.run("alice pulls", lambda: alice.pull(target=f"{REGISTRY}/{REPO}:v1", outdir=out))
    got = None
    if files:
        with open(files[0], "rb") as f:
            got = f.read()
    s.check("alice gets the same bytes", got == PAYLOAD, f"{files}")
    raw = s.run("alice reads the manifest", lambda: raw_manifest(alice, REPO, "v1"))
    if raw is not None:
        body, header = raw
        s.check("its digest is the one the push answered", sha256(body) == pushed and header == pushed,
                f"pushed {pushed}, read {sha256(body)} (header {header})")
        layers = json.loads(body).get("layers", [])
        s.check("its one layer is the payload", [l["digest"] for l in layers] == [sha256(PAYLOAD)], f"{layers}")
    refused("bob (a stranger) still cannot pull", lambda: client("bob").pull(target=f"{REGISTRY}/{REPO}:v1", outdir=out),
            "bob", decision="NotFound")

    s.section("a recipient cannot push")
    other = os.path.join(work, "other.bin")
    with open(other, "wb") as f:
        f.write(b"alice was here\n")
    refused("alice cannot push into ns-owner/art", lambda: push(client("alice"), f"{REGISTRY}/{REPO}:v2", other),
            "alice", rule="HS-PULL-ONLY", apis=PUSHES)
    tags = s.run("owner lists the tags again", lambda: client("owner").get_tags(REPO))
    s.check("the repository still holds only v1", tags == ["v1"], f"{tags}")
    s.run("alice pushes into her own namespace", lambda: push(client("alice"), f"{REGISTRY}/ns-alice/mine:v1", other))

    s.section("a token from before a cancel")
    cancelled = s.admin("apply", {"actor": "owner", "op": {"op": "cancel_share", "image": REPO, "recipients": ["alice"]}})
    s.check("the owner cancels the share", "ok" in cancelled, f"{cancelled}")
    # `alice` holds the token she pulled with; the registry asks the engine again anyway.
    refused("alice's earlier token pulls nothing", lambda: raw_manifest(alice, REPO, "v1"), "alice",
            rule="HS-AFTER-UNSHARE", at="pull manifest")
    refused("nor does a new login", lambda: client("alice").pull(target=f"{REGISTRY}/{REPO}:v1", outdir=out), "alice",
            rule="HS-AFTER-UNSHARE")

    s.finish()


guarded(main)
