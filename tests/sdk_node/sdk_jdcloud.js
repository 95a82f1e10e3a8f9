// JD Cloud VM: the official Node.js SDK (jdcloud-sdk-js), unchanged, against `sharesim serve`.
// It signs JDCLOUD2-HMAC-SHA256 with a fresh nonce per request. (The SDK prints its string to
// sign on stdout; the checks are the lines that start with `ok` or `FAIL`.)
"use strict";
const { Suite } = require("./common");
const VM = require("jdcloud-sdk-js/src/services/vm");

const s = new Suite("jdcloud");
const region = s.world.regions.home;

function vm(name, secret) {
  const a = s.account(name);
  const c = new VM({
    credentials: { accessKeyId: a.access_key_id, secretAccessKey: secret || a.access_key_secret },
    regionId: region,
    endpoint: { host: s.host, protocol: "http" },
  });
  return {
    share: (image, pins) => c.shareImage({ imageId: image, pins }),
    unshare: (image, pins) => c.unShareImage({ imageId: image, pins }),
    members: async (image) => (await c.describeImageMembers({ imageId: image })).result.pins,
    sharedWithMe: async () => ((await c.describeImages({ imageSource: "shared", pageSize: 100 })).result.images || []).map((i) => i.imageId),
    deleteImage: (image) => c.deleteImage({ imageId: image }),
  };
}

/** JD's error status (`FAILED_PRECONDITION`, `QUOTA_EXCEEDED` …) from the SDK's rejection. */
function status(e) {
  return (e && e.error && e.error.status) || (e && e.code) || String(e);
}

async function refused(what, call, want) {
  try {
    await call();
    s.check(what, false, "was accepted");
  } catch (e) {
    s.check(what, status(e) === want, `expected ${want}, got ${status(e)} ${JSON.stringify(e).slice(0, 200)}`);
  }
}

async function main() {
  await s.admin("reset");
  const owner = vm("owner");
  const alice = vm("alice");
  const base = s.image("base");
  const alicePin = s.account("alice").id;
  const crowd = s.world.accounts.filter((a) => a.name.startsWith("crowd")).slice(0, 10).map((a) => a.id);

  console.log("share, list, the limit, cancel");
  await s.run("owner shares base with alice's PIN (JD-PIN)", () => owner.share(base, [alicePin]));
  const mine = await s.run("alice lists images shared with her", () => alice.sharedWithMe());
  s.check("alice sees base", mine && mine.join() === base, JSON.stringify(mine));
  const members = await s.run("owner lists the members", () => owner.members(base));
  s.check("alice's PIN is the member", members && members.join() === alicePin, JSON.stringify(members));
  await refused("deleting a shared image (JD-DELETE-SHARED)", () => owner.deleteImage(base), "FAILED_PRECONDITION");
  await s.run("owner shares with 9 more PINs (10 in all)", () => owner.share(base, crowd.slice(0, 9)));
  await refused("the 11th PIN is refused (JD-LIMIT-10)", () => owner.share(base, [crowd[9]]), "QUOTA_EXCEEDED");
  const all = await s.run("owner lists the members", () => owner.members(base));
  s.check("exactly 10", all && all.length === 10, `got ${all && all.length}`);
  await s.run("owner cancels every share", () => owner.unshare(base, all));
  const after = await s.run("alice lists after the cancel", () => alice.sharedWithMe());
  s.check("base is gone for alice (JD-CANCEL)", after && after.length === 0, JSON.stringify(after));
  await refused("a wrong secret", () => vm("owner", "not-the-secret").sharedWithMe(), "ACCESS_ERROR");
  s.finish();
}

main().catch((e) => {
  console.log(`crashed: ${e.stack || e}`);
  process.exitCode = 2;
});
