// Huawei Cloud SWR: the official Node.js SDK (@huaweicloud/huaweicloud-sdk-swr), unchanged,
// against `sharesim serve`: repositories shared through access domains, SDK-HMAC-SHA256.
"use strict";
const { Suite } = require("./common");
const core = require("@huaweicloud/huaweicloud-sdk-core");
const swr = require("@huaweicloud/huaweicloud-sdk-swr");

const s = new Suite("huawei-swr");
const NS = "ns-owner";

/** A list answer: the SDK returns the JSON array's items as the response's numbered keys. */
function items(r) {
  return Object.keys(r || {}).filter((k) => /^\d+$/.test(k)).map((k) => r[k]);
}

function client(name, secret) {
  const a = s.account(name);
  const cred = new core.BasicCredentials()
    .withAk(a.access_key_id)
    .withSk(secret || a.access_key_secret)
    .withProjectId(a.identities.project_id.home);
  const c = swr.SwrClient.newBuilder().withCredential(cred).withEndpoint(s.endpoint).build();
  return {
    create: (repo) => c.createRepo(new swr.CreateRepoRequest().withNamespace(NS)
      .withBody(new swr.CreateRepoRequestBody().withRepository(repo).withIsPublic(false).withCategory("linux"))),
    share: (repo, who) => c.createRepoDomains(new swr.CreateRepoDomainsRequest().withNamespace(NS).withRepository(repo)
      .withBody(new swr.CreateRepoDomainsRequestBody().withAccessDomain(who).withPermit("read").withDeadline("forever"))),
    unshare: (repo, who) => c.deleteRepoDomains(new swr.DeleteRepoDomainsRequest().withNamespace(NS).withRepository(repo).withAccessDomain(who)),
    domains: async (repo) => {
      const r = await c.listRepoDomains(new swr.ListRepoDomainsRequest().withNamespace(NS).withRepository(repo));
      return items(r).map((d) => d.access_domain || d.accessDomain);
    },
    sharedWithMe: async () => {
      const r = await c.listSharedReposDetails(new swr.ListSharedReposDetailsRequest().withCenter("thirdparty"));
      return items(r).map((x) => x.name);
    },
  };
}

async function refused(what, call, want) {
  try {
    await call();
    s.check(what, false, "was accepted");
  } catch (e) {
    const code = e.errorCode || e.code;
    s.check(what, code === want, `expected ${want}, got ${code} ${e.errorMsg || e.message}`);
  }
}

async function main() {
  await s.admin("reset");
  const owner = client("owner");
  const alice = client("alice");
  console.log("share, list, the limit, cancel");
  await s.run("owner creates a private repository", () => owner.create("nodebox"));
  await s.run("owner shares it with alice, forever", () => owner.share("nodebox", "alice"));
  const mine = await s.run("alice lists center=thirdparty", () => alice.sharedWithMe());
  s.check("alice sees nodebox (HS-FROM-OTHERS)", mine && mine.join() === "nodebox", JSON.stringify(mine));
  const d = await s.run("owner lists the access domains", () => owner.domains("nodebox"));
  s.check("alice is the one domain", d && d.join() === "alice", JSON.stringify(d));
  await refused("a second share with alice (HS-DUPLICATE)", () => owner.share("nodebox", "alice"), "SVCSTG.SWR.4090089");
  let done = 1;
  for (let i = 1; i < 500; i += 1) {
    try {
      await owner.share("nodebox", `crowd${i}`);
      done += 1;
    } catch (e) {
      s.check(`share with crowd${i}`, false, `${e.errorCode} ${e.errorMsg}`);
      break;
    }
  }
  s.check("500 domains in all", done === 500, `got ${done}`);
  await refused("the 501st is refused (HS-LIMIT-500)", () => owner.share("nodebox", "crowd500"), "SVCSTG.SWR.4000014");
  await s.run("owner removes alice's access domain", () => owner.unshare("nodebox", "alice"));
  const after = await s.run("alice lists after the cancel", () => alice.sharedWithMe());
  s.check("nodebox is gone for alice", after && !after.includes("nodebox"), JSON.stringify(after));
  await refused("a wrong secret", () => client("owner", "not-the-secret").domains("nodebox"), "APIGW.0301");
  s.finish();
}

main().catch((e) => {
  console.log(`crashed: ${e.stack || e}`);
  process.exitCode = 2;
});
