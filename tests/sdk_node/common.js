// Shared by the sdk_<provider>.js scripts: the world from `sharesim serve`'s start-up line,
// checks that print one line each, the admin API, and a closing `N checks passed, M failed`.
"use strict";
const fs = require("fs");
const http = require("http");

class Suite {
  constructor(provider) {
    const banner = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    this.provider = provider;
    this.endpoint = banner.endpoints[provider];
    this.host = this.endpoint.replace("http://", "");
    this.world = banner.providers[provider];
    this.passed = 0;
    this.failed = 0;
  }

  account(name) {
    const a = this.world.accounts.find((x) => x.name === name);
    if (!a) throw new Error(`no account ${name} in the world`);
    return a;
  }

  image(name) {
    const i = this.world.images.find((x) => x.name === name);
    if (!i) throw new Error(`no image ${name} in the world`);
    return i.id;
  }

  check(what, ok, detail = "") {
    if (ok) this.passed += 1;
    else this.failed += 1;
    console.log(`  ${ok ? "ok  " : "FAIL"} ${what}${ok || !detail ? "" : ": " + detail}`);
  }

  async run(what, call) {
    try {
      const r = await call();
      this.check(what, true);
      return r;
    } catch (e) {
      this.check(what, false, `${e.code || ""} ${e.message}`);
      return undefined;
    }
  }

  async refused(what, call, code) {
    try {
      await call();
      this.check(what, false, "was accepted");
    } catch (e) {
      this.check(what, e.code === code, `expected ${code}, got ${e.code} ${e.message}`);
    }
  }

  admin(path, body) {
    const data = JSON.stringify(body || {});
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.endpoint}/_sharesim/${path}`,
        { method: "POST", headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) } },
        (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => (res.statusCode < 300 ? resolve(JSON.parse(text || "null")) : reject(new Error(text))));
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  }

  finish() {
    console.log(`${this.provider}: ${this.passed} checks passed, ${this.failed} failed`);
    process.exitCode = this.failed === 0 ? 0 : 1;
  }
}

module.exports = { Suite };
