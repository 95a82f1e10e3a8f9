// Alibaba Cloud ECS: the official Node.js SDKs, unchanged, against `sharesim serve`: the
// generated tea client (@alicloud/ecs20140526, ACS3-HMAC-SHA256) and the RPC-style
// @alicloud/pop-core (signature v1), each through the same sequence.
"use strict";
const { Suite } = require("./common");
const Ecs = require("@alicloud/ecs20140526");
const { $OpenApiUtil } = require("@alicloud/openapi-core");
const RPC = require("@alicloud/pop-core");

const s = new Suite("alibaba");
const region = s.world.regions.home;

/** The tea client: typed requests, camelCase answers. */
function tea(name, secret) {
  const a = s.account(name);
  const c = new Ecs.default(new $OpenApiUtil.Config({
    accessKeyId: a.access_key_id, accessKeySecret: secret || a.access_key_secret,
    endpoint: s.host, protocol: "http", regionId: region,
  }));
  return {
    share: (image, add, remove) => c.modifyImageSharePermission(new Ecs.ModifyImageSharePermissionRequest({
      regionId: region, imageId: image, addAccount: add, removeAccount: remove })),
    members: async (image) => (await c.describeImageSharePermission(new Ecs.DescribeImageSharePermissionRequest({
      regionId: region, imageId: image, pageSize: 100 }))).body.accounts.account.map((x) => x.aliyunId),
    sharedWithMe: async () => (await c.describeImages(new Ecs.DescribeImagesRequest({
      regionId: region, imageOwnerAlias: "others", pageSize: 100 }))).body.images.image.map((i) => i.imageId),
    deleteImage: (image) => c.deleteImage(new Ecs.DeleteImageRequest({ regionId: region, imageId: image })),
  };
}

/** pop-core: the action name and its flattened parameters, as the RPC API documents them. */
function pop(name, secret) {
  const a = s.account(name);
  const c = new RPC({ accessKeyId: a.access_key_id, accessKeySecret: secret || a.access_key_secret,
    endpoint: s.endpoint, apiVersion: "2014-05-26" });
  const call = (action, params) => c.request(action, { RegionId: region, ...params }, { method: "POST" });
  const numbered = (prefix, ids) => Object.fromEntries((ids || []).map((id, i) => [`${prefix}.${i + 1}`, id]));
  return {
    share: (image, add, remove) => call("ModifyImageSharePermission",
      { ImageId: image, ...numbered("AddAccount", add), ...numbered("RemoveAccount", remove) }),
    members: async (image) => (await call("DescribeImageSharePermission", { ImageId: image, PageSize: 100 })).Accounts.Account.map((x) => x.AliyunId),
    sharedWithMe: async () => (await call("DescribeImages", { ImageOwnerAlias: "others", PageSize: 100 })).Images.Image.map((i) => i.ImageId),
    deleteImage: (image) => call("DeleteImage", { ImageId: image }),
  };
}

async function sequence(label, client, wrongSecretCode) {
  await s.admin("reset");
  console.log(`${label}: share, list, the limit, cancel`);
  const owner = client("owner");
  const alice = client("alice");
  const base = s.image("base");
  const aliceId = s.account("alice").id;
  await s.run("owner shares base with alice", () => owner.share(base, [aliceId]));
  const mine = await s.run("alice lists images shared with her", () => alice.sharedWithMe());
  s.check("alice sees base", mine && mine.includes(base), JSON.stringify(mine));
  const members = await s.run("owner lists the members", () => owner.members(base));
  s.check("alice is the one member", members && members.join() === aliceId, JSON.stringify(members));
  await s.refused("deleting a shared image (AL-DELETE-SHARED)", () => owner.deleteImage(base), "ImageUseShared");
  const crowd = s.world.accounts.filter((a) => a.name.startsWith("crowd")).slice(0, 50).map((a) => a.id);
  for (let i = 0; i < 49; i += 7) {
    await s.run(`owner shares with crowd ${i + 1}-${Math.min(i + 7, 49)}`, () => owner.share(base, crowd.slice(i, Math.min(i + 7, 49))));
  }
  const all = await s.run("owner lists 50 members", () => owner.members(base));
  s.check("exactly 50 (AL-LIMIT-50)", all && all.length === 50, `got ${all && all.length}`);
  await s.refused("the 51st is refused (AL-LIMIT-50)", () => owner.share(base, [crowd[49]]), "QuotaExceed.ShareImageUser");
  for (let i = 0; i < all.length; i += 10) {
    await s.run(`owner cancels ${i + 1}-${i + 10}`, () => owner.share(base, undefined, all.slice(i, i + 10)));
  }
  const after = await s.run("alice lists after the cancel", () => alice.sharedWithMe());
  s.check("base is gone for alice (AL-AFTER-UNSHARE)", after && !after.includes(base), JSON.stringify(after));
  await s.refused("a wrong secret", () => client("owner", "not-the-secret").sharedWithMe(), wrongSecretCode);
}

async function main() {
  await sequence("tea client (ACS3)", tea, "SignatureDoesNotMatch");
  await sequence("pop-core (RPC v1)", pop, "SignatureDoesNotMatch");
  s.finish();
}

main().catch((e) => {
  console.log(`crashed: ${e.stack || e}`);
  process.exitCode = 2;
});
