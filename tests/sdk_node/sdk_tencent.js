// Tencent Cloud CVM: the official Node.js SDK (tencentcloud-sdk-nodejs-cvm), unchanged, pointed
// at `sharesim serve` by IP address. It signs `host` without the port and scopes TC3 to `127`,
// which sharesim accepts for local endpoints only (README).
"use strict";
const { Suite } = require("./common");
const { Client } = require("tencentcloud-sdk-nodejs-cvm").cvm.v20170312;

const s = new Suite("tencent");

function cvm(name, secret) {
  const a = s.account(name);
  return new Client({
    credential: { secretId: a.access_key_id, secretKey: secret || a.access_key_secret },
    region: s.world.regions.home,
    profile: { httpProfile: { endpoint: s.host, protocol: "http://" } },
  });
}

async function main() {
  await s.admin("reset");
  const owner = cvm("owner");
  const alice = cvm("alice");
  const img = s.image("base");
  const aliceId = s.account("alice").id;

  console.log("share, list, cancel");
  await s.run("owner shares base with alice (TC-ROOT-ID)", () =>
    owner.ModifyImageSharePermission({ ImageId: img, AccountIds: [aliceId], Permission: "SHARE" }));
  const mine = await s.run("alice lists images shared with her", () =>
    alice.DescribeImages({ Filters: [{ Name: "image-type", Values: ["SHARED_IMAGE"] }] }));
  s.check("alice sees base", mine && mine.ImageSet.map((i) => i.ImageId).includes(img), JSON.stringify(mine && mine.ImageSet));
  const members = await s.run("owner lists the members", () => owner.DescribeImageSharePermission({ ImageId: img }));
  s.check("alice is the one member", members && members.SharePermissionSet.map((m) => m.AccountId).join() === aliceId,
    JSON.stringify(members && members.SharePermissionSet));
  await s.refused("a second share with alice", () =>
    owner.ModifyImageSharePermission({ ImageId: img, AccountIds: [aliceId], Permission: "SHARE" }), "FailedOperation.AccountAlreadyExists");
  await s.refused("deleting a shared image (TC-DELETE-SHARED)", () => owner.DeleteImages({ ImageIds: [img] }), "InvalidImageId.InShared");
  await s.run("owner cancels alice's share", () =>
    owner.ModifyImageSharePermission({ ImageId: img, AccountIds: [aliceId], Permission: "CANCEL" }));
  const after = await s.run("owner lists the members again", () => owner.DescribeImageSharePermission({ ImageId: img }));
  s.check("nobody is left", after && after.SharePermissionSet.length === 0, JSON.stringify(after && after.SharePermissionSet));

  console.log("the limit: 50 accounts (TC-LIMIT-50)");
  const crowd = s.world.accounts.filter((a) => a.name.startsWith("crowd")).slice(0, 51).map((a) => a.id);
  let done = 0;
  for (let i = 0; i < 50; i += 10) {
    try {
      await owner.ModifyImageSharePermission({ ImageId: img, AccountIds: crowd.slice(i, i + 10), Permission: "SHARE" });
      done += 10;
    } catch (e) {
      s.check(`accounts ${i + 1}-${i + 10}`, false, `${e.code} ${e.message}`);
      break;
    }
  }
  s.check("50 shares accepted", done === 50, `got ${done}`);
  await s.refused("the 51st is refused", () =>
    owner.ModifyImageSharePermission({ ImageId: img, AccountIds: [crowd[50]], Permission: "SHARE" }), "OverQuota");

  console.log("authentication");
  await s.refused("a wrong secret", () => cvm("owner", "not-the-secret").DescribeImages({}), "AuthFailure.SignatureFailure");
  s.finish();
}

main().catch((e) => {
  console.log(`crashed: ${e.stack || e}`);
  process.exitCode = 2;
});
