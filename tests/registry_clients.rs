//! Real container-registry clients against SWR's registry (`huawei-swr-registry` in
//! `sharesim serve`'s start-up line), unchanged: Debian's `skopeo`, and the ORAS project's
//! Python client `oras` (oras-py) through `tests/registry/oras_client.py`.
//!
//! The skopeo tests build a small OCI image layout themselves (one gzip'd tar layer holding one
//! file, a config, a manifest, `index.json`, `oci-layout`; byte for byte the same on every
//! run), and drive the owner, alice (the recipient), bob (a stranger) and an anonymous client
//! through SWR's documented long-term login: user `cn-north-4@{AK}`, password the hex
//! HMAC-SHA256 of the AK keyed by the SK. Shares, the virtual clock, deletion and visibility
//! go through the admin API (`/_sharesim/apply`, `/_sharesim/clock/advance`).
//!
//! Every refusal is checked twice: the client failed, saying "denied" or "unauthorized", and
//! the server's journal (`/_sharesim/journal`) shows that account refused (by the rule that
//! should refuse it, where one does) and not one pull (or push) served to it meanwhile.
//!
//! skopeo: `.ci/run` installs it and names it in `SHARESIM_SKOPEO`. It is required when that
//! variable or `CI` is set; elsewhere a machine without it skips the skopeo tests, saying so
//! on stderr. oras-py is pinned in `tests/sdk/requirements.txt` and found as `tests/sdk.rs`
//! finds the SDKs: `SHARESIM_SDK_PYTHON`, or a virtualenv made under `target/` once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[path = "support/python.rs"]
mod support_python;
#[path = "support/serve.rs"]
mod support_serve;
#[path = "support/tool.rs"]
mod support_tool;
use support_python::python;
use support_serve::Served;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DAY: u64 = 86_400;

// ----- the tools ---------------------------------------------------------------------------

/// skopeo: `SHARESIM_SKOPEO`, else the one on `PATH` (`support/tool.rs`).
fn skopeo() -> Option<PathBuf> {
    support_tool::find("skopeo", "SHARESIM_SKOPEO", "skopeo")
}

/// A directory of this test's own under `target/`, empty.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("registry-clients-{}/{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Removes a test's scratch directory, and the run's when it is the last.
fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    if let Some(run) = dir.parent() {
        let _ = std::fs::remove_dir(run);
    }
}

fn sha256(data: &[u8]) -> String {
    let hash = Sha256::digest(data);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

// ----- the server --------------------------------------------------------------------------

/// A parsed HTTP response.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, String::from_utf8_lossy(&self.body)))
    }
}

/// One request on a fresh connection (`Connection: close`), loopback only.
fn http(method: &str, addr: &str, target: &str, body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).and_then(|()| s.write_all(body)).expect("sends");
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP response");
    let head = String::from_utf8_lossy(&all[..split]);
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
    Reply { status, body: all[split + 4..].to_vec() }
}

/// Who a client is: an account (its registry login) or anyone.
#[derive(Debug, Clone)]
enum Who {
    Account { name: String, login: String },
    Anonymous,
}

impl Who {
    fn actor(&self) -> &str {
        match self {
            Who::Account { name, .. } => name,
            Who::Anonymous => "",
        }
    }
}

struct Server {
    served: Served,
    /// The SWR API listener (`host:port`), which also serves the admin API.
    api: String,
    /// The registry listener (`host:port`).
    registry: String,
    banner: Value,
    banner_line: String,
}

impl Server {
    fn start() -> Server {
        let served = Served::start(&["--provider", "huawei-swr"]);
        let (api, registry) = (served.addr("huawei-swr"), served.addr("huawei-swr-registry"));
        let (banner, banner_line) = (served.banner.clone(), served.line.clone());
        Server { served, api, registry, banner, banner_line }
    }

    /// An account's registry login: `cn-north-4@{AK}:{hex HMAC-SHA256(SK, AK)}`.
    fn who(&self, name: &str) -> Who {
        let accounts = self.banner["providers"]["huawei-swr"]["accounts"].as_array().expect("accounts");
        let a = accounts.iter().find(|a| a["id"] == name).unwrap_or_else(|| panic!("no account {name}"));
        let (ak, sk) = (a["access_key_id"].as_str().expect("AK"), a["access_key_secret"].as_str().expect("SK"));
        let mut mac = Hmac::<Sha256>::new_from_slice(sk.as_bytes()).expect("any key length");
        mac.update(ak.as_bytes());
        let password: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        Who::Account { name: name.to_string(), login: format!("cn-north-4@{ak}:{password}") }
    }

    fn admin_get(&self, path: &str) -> Value {
        let r = http("GET", &self.api, &format!("/_sharesim/{path}"), b"");
        assert_eq!(r.status, 200, "GET /_sharesim/{path}: {}", String::from_utf8_lossy(&r.body));
        r.json()
    }

    /// One engine request through `POST /_sharesim/apply`; it must succeed.
    fn apply(&self, actor: &str, op: Value) -> Value {
        let body = json!({ "actor": actor, "op": op });
        let r = http("POST", &self.api, "/_sharesim/apply", body.to_string().as_bytes());
        let out = r.json();
        assert!(r.status == 200 && out.get("ok").is_some(), "apply {body}: {} {out}", r.status);
        out
    }

    /// The virtual clock, in seconds since the epoch.
    fn now(&self) -> u64 {
        let now = self.admin_get("clock");
        let ts: jiff::Timestamp = now["now"].as_str().expect("now").parse().expect("an RFC 3339 time");
        u64::try_from(ts.as_second()).expect("after the epoch")
    }

    fn advance(&self, seconds: u64) {
        let r =
            http("POST", &self.api, "/_sharesim/clock/advance", json!({ "seconds": seconds }).to_string().as_bytes());
        assert_eq!(r.status, 200, "clock/advance: {}", String::from_utf8_lossy(&r.body));
    }

    /// The number of the last request the journal holds.
    fn journal_mark(&self) -> u64 {
        self.admin_get("journal?limit=1")["entries"]
            .as_array()
            .and_then(|e| e.last())
            .map_or(0, |e| e["seq"].as_u64().expect("seq"))
    }

    /// The journal's entries after `mark`.
    fn journal_since(&self, mark: u64) -> Vec<Value> {
        let all = self.admin_get("journal?limit=1000")["entries"].as_array().cloned().unwrap_or_default();
        all.into_iter().filter(|e| e["seq"].as_u64().is_some_and(|s| s > mark)).collect()
    }

    /// SIGTERM, then the server must exit 0 on its own (graceful shutdown).
    fn stop(self) {
        self.served.stop();
    }
}

// ----- a small OCI image, built here -------------------------------------------------------

/// A one-file tar archive (ustar, mtime 0, root-owned, mode 0644).
fn tar_one(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    let mut put = |at: usize, s: &[u8]| h[at..at + s.len()].copy_from_slice(s);
    put(0, name.as_bytes());
    put(100, b"0000644\0");
    put(108, b"0000000\0");
    put(116, b"0000000\0");
    put(124, format!("{:011o}\0", data.len()).as_bytes());
    put(136, b"00000000000\0");
    put(148, b"        ");
    put(156, b"0");
    put(257, b"ustar\0");
    put(263, b"00");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
        }
    }
    !c
}

/// gzip (RFC 1952) of `data` in stored deflate blocks: a valid gzip stream, the same bytes on
/// every run, and no compression library needed.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let blocks: Vec<&[u8]> = if data.is_empty() { vec![&[][..]] } else { data.chunks(65_535).collect() };
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).expect("a stored block holds at most 65535 bytes");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&u32::try_from(data.len()).expect("small").to_le_bytes());
    out
}

/// An OCI image layout on disk, tagged `v1`.
struct Layout {
    dir: PathBuf,
    manifest_digest: String,
    layer: Vec<u8>,
    layer_digest: String,
}

impl Layout {
    fn build(dir: &Path, file: &str, content: &[u8]) -> Layout {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).expect("layout directory");
        let put = |data: &[u8]| -> (String, usize) {
            let digest = sha256(data);
            std::fs::write(blobs.join(&digest["sha256:".len()..]), data).expect("blob written");
            (digest, data.len())
        };
        let tar = tar_one(file, content);
        let layer = gzip_stored(&tar);
        let (layer_digest, layer_size) = put(&layer);
        let config = json!({
            "architecture": "amd64", "os": "linux", "config": {},
            "rootfs": { "type": "layers", "diff_ids": [sha256(&tar)] },
        });
        let (config_digest, config_size) = put(&serde_json::to_vec(&config).expect("json"));
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": OCI_CONFIG, "digest": config_digest, "size": config_size },
            "layers": [{ "mediaType": OCI_LAYER_GZIP, "digest": layer_digest, "size": layer_size }],
        });
        let manifest = serde_json::to_vec(&manifest).expect("json");
        let (manifest_digest, manifest_size) = put(&manifest);
        let index = json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": manifest_size,
                "annotations": { "org.opencontainers.image.ref.name": "v1" },
            }],
        });
        std::fs::write(dir.join("index.json"), index.to_string()).expect("index.json");
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("oci-layout");
        Layout { dir: dir.to_path_buf(), manifest_digest, layer, layer_digest }
    }

    fn reference(&self) -> String {
        format!("oci:{}:v1", self.dir.display())
    }
}

/// The manifest digest an `oci:` layout's `index.json` names (its only image).
fn layout_digest(dir: &Path) -> String {
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).expect("index.json")).expect("index JSON");
    let manifests = index["manifests"].as_array().expect("manifests");
    assert_eq!(manifests.len(), 1, "{index}");
    manifests[0]["digest"].as_str().expect("digest").to_string()
}

fn blob_of(dir: &Path, digest: &str) -> Vec<u8> {
    std::fs::read(dir.join("blobs/sha256").join(&digest["sha256:".len()..])).expect("the blob is in the layout")
}

// ----- skopeo ------------------------------------------------------------------------------

/// What must not have been served to a refused client.
#[derive(Clone, Copy)]
enum Kind {
    Pull,
    Push,
}

impl Kind {
    fn apis(self) -> &'static [&'static str] {
        match self {
            Kind::Pull => &["pull manifest", "pull blob", "list tags"],
            Kind::Push => &["start upload", "upload chunk", "finish upload", "put manifest"],
        }
    }
}

/// What the journal must show for a refusal.
#[derive(Clone, Copy, Debug)]
enum Why {
    /// Refused by this rule.
    Rule(&'static str),
    /// Refused with this decision (refusals no rule makes: an account with no access at all).
    Decision(&'static str),
}

impl Why {
    /// What skopeo must say: refused.
    fn words(self) -> &'static [&'static str] {
        &["denied", "unauthorized"]
    }
}

struct Skopeo<'a> {
    bin: PathBuf,
    server: &'a Server,
    /// HOME and the auth file live here, so no login of the machine's is read or written.
    home: PathBuf,
}

impl Skopeo<'_> {
    fn new<'a>(bin: PathBuf, server: &'a Server, home: &Path) -> Skopeo<'a> {
        Skopeo { bin, server, home: home.to_path_buf() }
    }

    fn image(&self, repo_tag: &str) -> String {
        format!("docker://{}/{repo_tag}", self.server.registry)
    }

    fn run(&self, args: &[String]) -> Output {
        Command::new(&self.bin)
            .arg("--insecure-policy")
            .args(args)
            .env("HOME", &self.home)
            .env("REGISTRY_AUTH_FILE", self.home.join("auth.json"))
            .stdin(Stdio::null())
            .output()
            .expect("skopeo runs")
    }

    /// `--creds USER:PASS` or `--no-creds`, with the given flag prefix (`""`, `src-`, `dest-`).
    fn creds(who: &Who, prefix: &str) -> Vec<String> {
        match who {
            Who::Account { login, .. } => vec![format!("--{prefix}creds"), login.clone()],
            Who::Anonymous => vec![format!("--{prefix}no-creds")],
        }
    }

    fn inspect(&self, who: &Who, repo_tag: &str, raw: bool) -> Output {
        let mut args = vec!["inspect".to_string(), "--tls-verify=false".into()];
        if raw {
            args.push("--raw".into());
        }
        args.extend(Self::creds(who, ""));
        args.push(self.image(repo_tag));
        self.run(&args)
    }

    /// Copies `from` (any transport) to the registry as `who`; `extra` are more flags.
    fn push(&self, who: &Who, from: &str, repo_tag: &str, extra: &[&str]) -> Output {
        let mut args = vec!["copy".to_string(), "--dest-tls-verify=false".into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(Self::creds(who, "dest-"));
        args.extend([from.to_string(), self.image(repo_tag)]);
        self.run(&args)
    }

    /// Copies from the registry as `who` to `to` (`oci:DIR:TAG`, `dir:DIR`).
    fn pull(&self, who: &Who, repo_tag: &str, to: &str) -> Output {
        let mut args = vec!["copy".to_string(), "--src-tls-verify=false".into()];
        args.extend(Self::creds(who, "src-"));
        args.extend([self.image(repo_tag), to.to_string()]);
        self.run(&args)
    }

    fn tags(&self, who: &Who, repo: &str) -> Vec<String> {
        let mut args = vec!["list-tags".to_string(), "--tls-verify=false".into()];
        args.extend(Self::creds(who, ""));
        args.push(self.image(repo));
        let out = ok(self.run(&args), &format!("list-tags {repo}"));
        let v: Value = serde_json::from_slice(&out.stdout).expect("list-tags prints JSON");
        v["Tags"].as_array().expect("Tags").iter().map(|t| t.as_str().expect("tag").to_string()).collect()
    }

    /// The digest `skopeo inspect` reports, which must succeed.
    fn digest(&self, who: &Who, repo_tag: &str) -> String {
        let out = ok(self.inspect(who, repo_tag, false), &format!("{} inspects {repo_tag}", who.actor()));
        let v: Value = serde_json::from_slice(&out.stdout).expect("inspect prints JSON");
        v["Digest"].as_str().expect("Digest").to_string()
    }

    /// Runs `step`, which must fail as `who` is refused: skopeo exits non-zero saying so, and
    /// the journal shows the refusal for that account and nothing of `kind` served to it.
    fn refused(&self, what: &str, who: &Who, kind: Kind, why: Why, step: impl FnOnce() -> Output) {
        let mark = self.server.journal_mark();
        let out = step();
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(!out.status.success(), "{what}: skopeo succeeded:\n{}", String::from_utf8_lossy(&out.stdout));
        assert!(
            why.words().iter().any(|w| stderr.contains(w)),
            "{what}: skopeo failed without saying {:?}:\n{stderr}",
            why.words()
        );
        // The journal names the actor of the requests the engine was asked about; what the
        // registry answers alone (a repository its caller never made) it records without one.
        let mine: Vec<Value> = self
            .server
            .journal_since(mark)
            .into_iter()
            .filter(|e| e["api"] != "admin")
            .filter(|e| e["actor"].as_str().is_none_or(|a| a.is_empty() || a == who.actor()))
            .collect();
        let served: Vec<&Value> = mine
            .iter()
            .filter(|e| e["status"].as_u64().is_some_and(|s| s < 300))
            .filter(|e| kind.apis().contains(&e["api"].as_str().unwrap_or("")))
            .collect();
        let matched = mine.iter().any(|e| {
            e["status"].as_u64().is_some_and(|s| s >= 400)
                && match why {
                    Why::Rule(r) => e["rule"] == r,
                    Why::Decision(d) => e["decision"] == d,
                }
        });
        let log = serde_json::to_string_pretty(&mine).unwrap_or_default();
        assert!(matched, "{what}: the journal shows no refusal {why:?} for `{}`:\n{log}", who.actor());
        assert!(served.is_empty(), "{what}: refused, yet served:\n{log}");
    }
}

fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what}: skopeo failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn share(server: &Server, repo: &str, recipient: &str, validity: Value) {
    server.apply(
        "owner",
        json!({ "op": "share", "images": [repo], "recipients": [recipient], "options": { "validity": validity } }),
    );
}

static LAYOUTS: AtomicUsize = AtomicUsize::new(0);

/// A test's scratch directory, its image and a second image (different content).
fn images(test: &str) -> (PathBuf, Layout, Layout) {
    let dir = scratch(&format!("{test}-{}", LAYOUTS.fetch_add(1, Ordering::Relaxed)));
    let base = Layout::build(&dir.join("base"), "hello.txt", b"sharesim base image\n");
    let other = Layout::build(&dir.join("other"), "other.txt", b"alice was here\n");
    (dir, base, other)
}

// ----- the tests ---------------------------------------------------------------------------

#[test]
fn skopeo_the_owner_pushes_and_the_recipient_copies_the_same_digest() {
    let Some(bin) = skopeo() else { return };
    let server = Server::start();
    let (dir, base, other) = images("copy");
    let sk = Skopeo::new(bin, &server, &dir);
    let (owner, alice, bob) = (server.who("owner"), server.who("alice"), server.who("bob"));

    // The owner's push creates ns-owner/base; the registry keeps the layout's manifest as is.
    let digestfile = dir.join("pushed.digest");
    let digestfile_arg = format!("--digestfile={}", digestfile.display());
    ok(
        sk.push(&owner, &base.reference(), "ns-owner/base:v1", &["--preserve-digests", &digestfile_arg]),
        "owner pushes",
    );
    let pushed = std::fs::read_to_string(&digestfile).expect("skopeo wrote the digest");
    assert_eq!(pushed.trim(), base.manifest_digest, "the pushed manifest is the one built here");
    assert_eq!(sk.digest(&owner, "ns-owner/base:v1"), base.manifest_digest);
    assert_eq!(sk.tags(&owner, "ns-owner/base"), ["v1"]);

    // Private: neither a stranger nor the future recipient may read it.
    sk.refused("bob before any share", &bob, Kind::Pull, Why::Decision("NotFound"), || {
        sk.inspect(&bob, "ns-owner/base:v1", false)
    });
    sk.refused("alice before the share", &alice, Kind::Pull, Why::Decision("NotFound"), || {
        sk.inspect(&alice, "ns-owner/base:v1", false)
    });

    share(&server, "ns-owner/base", "alice", json!({ "until": server.now() + DAY }));

    // alice inspects: the same digest, and the raw manifest hashes to it.
    assert_eq!(sk.digest(&alice, "ns-owner/base:v1"), base.manifest_digest);
    let raw = ok(sk.inspect(&alice, "ns-owner/base:v1", true), "alice reads the raw manifest");
    assert_eq!(sha256(&raw.stdout), base.manifest_digest, "the bytes alice reads are the bytes pushed");

    // alice copies it into a layout of her own: same manifest digest, same layer bytes.
    let mine = dir.join("alice");
    ok(sk.pull(&alice, "ns-owner/base:v1", &format!("oci:{}:v1", mine.display())), "alice copies");
    assert_eq!(layout_digest(&mine), base.manifest_digest);
    assert_eq!(sha256(&blob_of(&mine, &base.manifest_digest)), base.manifest_digest);
    assert_eq!(blob_of(&mine, &base.layer_digest), base.layer, "alice's layer is the owner's, byte for byte");

    // Shared means pull only: alice's push into the owner's repository is refused and changes
    // nothing there.
    sk.refused("alice pushes into ns-owner/base", &alice, Kind::Push, Why::Rule("HS-PULL-ONLY"), || {
        sk.push(&alice, &other.reference(), "ns-owner/base:v2", &[])
    });
    assert_eq!(sk.tags(&owner, "ns-owner/base"), ["v1"]);
    assert_eq!(sk.digest(&owner, "ns-owner/base:v1"), base.manifest_digest);

    // The share is alice's alone.
    sk.refused("bob after alice's share", &bob, Kind::Pull, Why::Decision("NotFound"), || {
        sk.pull(&bob, "ns-owner/base:v1", &format!("oci:{}:v1", dir.join("bob").display()))
    });

    server.stop();
    cleanup(&dir);
}

#[test]
fn skopeo_a_share_ends_at_its_deadline_and_on_cancel_and_with_the_repository() {
    let Some(bin) = skopeo() else { return };
    let server = Server::start();
    let (dir, base, _) = images("ends");
    let sk = Skopeo::new(bin, &server, &dir);
    let (owner, alice) = (server.who("owner"), server.who("alice"));
    ok(sk.push(&owner, &base.reference(), "ns-owner/base:v1", &["--preserve-digests"]), "owner pushes");

    // Until a day from now on the virtual clock: valid a second before, refused after.
    share(&server, "ns-owner/base", "alice", json!({ "until": server.now() + DAY }));
    assert_eq!(sk.digest(&alice, "ns-owner/base:v1"), base.manifest_digest);
    server.advance(DAY - 1);
    assert_eq!(sk.digest(&alice, "ns-owner/base:v1"), base.manifest_digest, "still valid a second before");
    server.advance(2);
    sk.refused("alice after the deadline", &alice, Kind::Pull, Why::Rule("HS-VALID-UNTIL"), || {
        sk.inspect(&alice, "ns-owner/base:v1", false)
    });
    sk.refused("alice copies after the deadline", &alice, Kind::Pull, Why::Rule("HS-VALID-UNTIL"), || {
        sk.pull(&alice, "ns-owner/base:v1", &format!("oci:{}:v1", dir.join("late").display()))
    });

    // Shared again, for good (the lapsed share is still there: its deadline is moved).
    server.apply(
        "owner",
        json!({ "op": "modify_share", "image": "ns-owner/base", "recipient": "alice",
                "options": { "validity": "forever" } }),
    );
    assert_eq!(sk.digest(&alice, "ns-owner/base:v1"), base.manifest_digest, "pulls again once renewed");

    // Cancelled.
    server.apply("owner", json!({ "op": "cancel_share", "image": "ns-owner/base", "recipients": ["alice"] }));
    sk.refused("alice after the cancel", &alice, Kind::Pull, Why::Rule("HS-AFTER-UNSHARE"), || {
        sk.inspect(&alice, "ns-owner/base:v1", false)
    });

    // Shared again, then the repository is deleted: nobody pulls it, the owner included.
    share(&server, "ns-owner/base", "alice", json!("forever"));
    assert_eq!(sk.digest(&alice, "ns-owner/base:v1"), base.manifest_digest, "pulls again once re-shared");
    server.apply("owner", json!({ "op": "delete", "image": "ns-owner/base" }));
    sk.refused("alice after the delete", &alice, Kind::Pull, Why::Rule("HS-AFTER-DELETE"), || {
        sk.inspect(&alice, "ns-owner/base:v1", false)
    });
    sk.refused("the owner after the delete", &owner, Kind::Pull, Why::Rule("HS-AFTER-DELETE"), || {
        sk.pull(&owner, "ns-owner/base:v1", &format!("oci:{}:v1", dir.join("gone").display()))
    });

    // The owner may push the name again (skopeo first asks whether each blob is there); the
    // new repository is private, shared with nobody.
    ok(sk.push(&owner, &base.reference(), "ns-owner/base:v1", &["--preserve-digests"]), "owner pushes anew");
    assert_eq!(sk.digest(&owner, "ns-owner/base:v1"), base.manifest_digest);
    sk.refused("alice after the push anew", &alice, Kind::Pull, Why::Decision("NotFound"), || {
        sk.inspect(&alice, "ns-owner/base:v1", false)
    });

    server.stop();
    cleanup(&dir);
}

#[test]
fn skopeo_a_public_repository_in_docker_schema_2_is_pulled_by_anyone() {
    let Some(bin) = skopeo() else { return };
    let server = Server::start();
    let (dir, base, other) = images("public");
    let sk = Skopeo::new(bin, &server, &dir);
    let (owner, bob) = (server.who("owner"), server.who("bob"));

    // Pushed as Docker v2 schema 2: skopeo rewrites the manifest, so its digest is new.
    let digestfile = dir.join("pushed.digest");
    let digestfile_arg = format!("--digestfile={}", digestfile.display());
    ok(sk.push(&owner, &base.reference(), "ns-owner/pub:v1", &["--format=v2s2", &digestfile_arg]), "owner pushes v2s2");
    let pushed = std::fs::read_to_string(&digestfile).expect("skopeo wrote the digest").trim().to_string();
    assert_ne!(pushed, base.manifest_digest, "a schema 2 manifest, not the OCI one");
    let raw = ok(sk.inspect(&owner, "ns-owner/pub:v1", true), "owner reads the raw manifest").stdout;
    assert_eq!(sha256(&raw), pushed);
    let manifest: Value = serde_json::from_slice(&raw).expect("manifest JSON");
    assert_eq!(manifest["mediaType"], DOCKER_MANIFEST, "{manifest}");
    assert_eq!(manifest["layers"][0]["digest"], base.layer_digest.as_str(), "the same layer");

    // Private until made public.
    sk.refused("bob before it is public", &bob, Kind::Pull, Why::Decision("NotFound"), || {
        sk.inspect(&bob, "ns-owner/pub:v1", false)
    });
    sk.refused("anyone before it is public", &Who::Anonymous, Kind::Pull, Why::Decision("NotFound"), || {
        sk.inspect(&Who::Anonymous, "ns-owner/pub:v1", false)
    });

    server.apply("owner", json!({ "op": "set_visibility", "image": "ns-owner/pub", "visibility": "public" }));

    // bob and an anonymous client read and copy it, digest for digest (`dir:` keeps the
    // manifest as the registry sent it).
    for (who, name) in [(&bob, "bob"), (&Who::Anonymous, "anonymous")] {
        assert_eq!(sk.digest(who, "ns-owner/pub:v1"), pushed, "{name} inspects");
        let to = dir.join(name);
        ok(sk.pull(who, "ns-owner/pub:v1", &format!("dir:{}", to.display())), &format!("{name} copies"));
        let copied = std::fs::read(to.join("manifest.json")).expect("manifest.json");
        assert_eq!(sha256(&copied), pushed, "{name}'s copy");
        let layer = std::fs::read(to.join(&base.layer_digest["sha256:".len()..])).expect("the layer");
        assert_eq!(layer, base.layer, "{name}'s layer");
    }

    // Public means anyone may pull, not push.
    sk.refused("bob pushes into a public repository", &bob, Kind::Push, Why::Rule("HS-MAKE-PUBLIC"), || {
        sk.push(&bob, &other.reference(), "ns-owner/pub:bob", &[])
    });
    sk.refused(
        "anyone pushes into a public repository",
        &Who::Anonymous,
        Kind::Push,
        Why::Decision("unauthenticated"),
        || sk.push(&Who::Anonymous, &other.reference(), "ns-owner/pub:anyone", &[]),
    );
    assert_eq!(sk.tags(&owner, "ns-owner/pub"), ["v1"]);

    server.stop();
    cleanup(&dir);
}

#[test]
fn oras_py_pushes_and_the_recipient_pulls_the_same_bytes() {
    let py = match python() {
        Ok(p) => p,
        Err(e) => panic!("{e}\nThe oras-py test needs Python 3 and PyPI; .ci/run sets them up."),
    };
    let server = Server::start();
    let dir = scratch("oras");
    let banner = dir.join("banner.json");
    std::fs::write(&banner, &server.banner_line).expect("banner written");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/registry/oras_client.py");
    let out = Command::new(py)
        .arg(&script)
        .arg(&banner)
        .current_dir(&dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "oras_client.py failed (is oras-py installed? pip install -r tests/sdk/requirements.txt):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" checks passed, 0 failed"), "oras_client.py ran no checks:\n{stdout}");
    server.stop();
    cleanup(&dir);
}

#[test]
fn the_test_image_is_a_valid_gzip_of_a_valid_tar() {
    // The layer is built by hand; its framing is checked against the formats' own sums, so a
    // client that reads it (skopeo converting, a runtime unpacking) reads what was meant.
    let tar = tar_one("hello.txt", b"hi\n");
    assert_eq!(tar.len(), 512 + 512 + 1024);
    let sum: u32 =
        tar[..512].iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { 32 } else { u32::from(b) }).sum();
    let stored = u32::from_str_radix(std::str::from_utf8(&tar[148..154]).expect("octal"), 8).expect("octal");
    assert_eq!(stored, sum, "ustar header checksum");
    assert_eq!(&tar[512..515], b"hi\n");
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926, "the CRC-32 check value");
    let gz = gzip_stored(&tar);
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 8]);
    assert_eq!(&gz[gz.len() - 8..gz.len() - 4], &crc32(&tar).to_le_bytes());
    assert_eq!(&gz[15..15 + tar.len()], &tar[..], "one stored block after the 10-byte header and 5-byte block head");
}
