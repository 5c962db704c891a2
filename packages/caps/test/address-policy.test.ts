import { describe, expect, it } from "vitest";
import { canonicalizeHost } from "../src/net/address-canonical.js";
import { makeNetPolicy } from "../src/net/address-policy.js";
import { resolveChecked, type Resolver } from "../src/net/address-resolve.js";

const check = (allow: string[], host: string, port: number, deny?: string[]) => {
  const p = makeNetPolicy({ allow, deny });
  const h = canonicalizeHost(host);
  return p.checkName(h, port) ?? (h.kind === "name" ? undefined : p.checkAddress(h, port, h.host));
};
const resolver =
  (answers: string[]): Resolver =>
  async () =>
    answers;

describe("entries", () => {
  it("host:port matches exactly that port", () => {
    expect(check(["db.internal:5432"], "DB.internal.", 5432)).toBeUndefined();
    expect(check(["db.internal:5432"], "db.internal", 5433)).toEqual({ reason: "not-allowed" });
    expect(check(["db.internal:5432"], "db.internal.evil.com", 5432)).toEqual({
      reason: "not-allowed",
    });
  });

  it("wildcard is a whole leftmost label, any depth, never the apex", () => {
    const allow = ["*.example.com:443"];
    expect(check(allow, "api.example.com", 443)).toBeUndefined();
    expect(check(allow, "a.b.example.com", 443)).toBeUndefined();
    expect(check(allow, "example.com", 443)).toEqual({ reason: "not-allowed" });
    expect(check(allow, "evilexample.com", 443)).toEqual({ reason: "not-allowed" });
    expect(check(allow, "api.example.com", 80)).toEqual({ reason: "not-allowed" });
    expect(check([...allow, "example.com:443"], "example.com", 443)).toBeUndefined();
  });

  it("port ranges and host:*", () => {
    expect(check(["h.example:8000-8100"], "h.example", 8000)).toBeUndefined();
    expect(check(["h.example:8000-8100"], "h.example", 8100)).toBeUndefined();
    expect(check(["h.example:8000-8100"], "h.example", 8101)).toEqual({ reason: "not-allowed" });
    expect(check(["h.example:*"], "h.example", 1)).toBeUndefined();
    expect(check(["h.example"], "h.example", 65535)).toBeUndefined();
  });

  it.each([
    "",
    "a.com:",
    "a.com:x",
    "a.com:70000",
    "a.com:9-1",
    "*a.com:1",
    "a.*.com:1",
    "*.1.2.3.4:1",
    "10.0.0.0/33:1",
    "10.0.0.0/x",
    "[::1:80",
    "[127.0.0.1]:80",
    "name/8:1",
  ])("rejects malformed entry %j", (entry) => {
    expect(() => makeNetPolicy({ allow: [entry] })).toThrow(
      expect.objectContaining({ code: "NET_BAD_ADDRESS" }),
    );
  });

  it("rejects non-array lists and non-string entries", () => {
    expect(() => makeNetPolicy({ allow: "a.com:1" as never })).toThrow(
      expect.objectContaining({ code: "NET_BAD_ADDRESS" }),
    );
    expect(() => makeNetPolicy({ allow: [{ toString: () => "*" }] as never })).toThrow(
      expect.objectContaining({ code: "NET_BAD_ADDRESS" }),
    );
  });
});

describe("invariant 2: special addresses need an address entry", () => {
  it("loopback and metadata literals are denied by default and with *", () => {
    for (const allow of [[], ["*"], ["*:*"], ["*.example.com"], ["0.0.0.0/0"], ["::/0"]]) {
      expect(check(allow, "127.0.0.1", 80)).toMatchObject({
        reason: "special",
        addressClass: "loopback",
      });
      expect(check(allow, "169.254.169.254", 80)).toBeDefined();
      expect(check(allow, "::1", 80)).toBeDefined();
      expect(check(allow, "10.0.0.1", 80)).toBeDefined();
    }
  });

  it("explicit IP, CIDR and localhost entries grant them", () => {
    expect(check(["127.0.0.1:80"], "0x7f.1", 80)).toBeUndefined();
    expect(check(["127.0.0.0/8:80"], "127.9.9.9", 80)).toBeUndefined();
    expect(check(["localhost:80"], "127.0.0.1", 80)).toBeUndefined();
    expect(check(["localhost:80"], "::1", 80)).toBeUndefined();
    expect(check(["localhost:80"], "10.0.0.1", 80)).toMatchObject({
      reason: "special",
      addressClass: "private",
    });
    expect(check(["[::1]:8080"], "[::1]", 8080)).toBeUndefined();
    expect(check(["[fe80::1%eth0]:80"], "fe80::1%eth1", 80)).toBeUndefined();
    expect(check(["[fe80::/10]:80"], "fe80::1%eth1", 80)).toBeUndefined();
    expect(check(["*"], "fe80::1%eth1", 80)).toMatchObject({
      reason: "special",
      addressClass: "linkLocal",
    });
    expect(check(["[::ffff:127.0.0.0/104]:80"], "127.0.0.1", 80)).toBeUndefined();
    expect(check(["169.254.169.254:80"], "2852039166", 80)).toBeUndefined();
    expect(check(["[::ffff:0:0/96]:80"], "127.0.0.1", 80)).toMatchObject({ reason: "special" });
  });

  it("a name resolving to a special address is refused unless an address entry covers it", async () => {
    const policy = makeNetPolicy({ allow: ["*", "db.internal:5432"] });
    const name = canonicalizeHost("rebind.example.com");
    for (const ip of [
      "127.0.0.1",
      "169.254.169.254",
      "::ffff:127.0.0.1",
      "10.0.0.1",
      "0.0.0.0",
      "fd00:ec2::254",
    ]) {
      const out = await resolveChecked(policy, name, 443, resolver([ip]));
      expect(out).toMatchObject({ ok: false, resolved: true, refusal: { reason: "special" } });
    }
    const db = await resolveChecked(
      policy,
      canonicalizeHost("db.internal"),
      5432,
      resolver(["10.1.2.3"]),
    );
    expect(db).toMatchObject({
      ok: false,
      refusal: { reason: "special", addressClass: "private" },
    });
    const granted = makeNetPolicy({ allow: ["db.internal:5432", "10.0.0.0/8:5432"] });
    expect(
      await resolveChecked(granted, canonicalizeHost("db.internal"), 5432, resolver(["10.1.2.3"])),
    ).toEqual({
      ok: true,
      addresses: ["10.1.2.3"],
    });
  });

  it("invariant 3: one bad answer among good ones refuses the connection", async () => {
    const policy = makeNetPolicy({ allow: ["*"] });
    const out = await resolveChecked(
      policy,
      canonicalizeHost("a.example"),
      80,
      resolver(["8.8.8.8", "127.0.0.1"]),
    );
    expect(out).toMatchObject({
      ok: false,
      refusal: { reason: "special", addressClass: "loopback" },
    });
  });

  it("bogus resolver answers are treated as unresolved", async () => {
    const policy = makeNetPolicy({ allow: ["*"] });
    for (const answers of [[], ["not-an-ip.example"], [42 as unknown as string]]) {
      expect(
        await resolveChecked(policy, canonicalizeHost("a.example"), 80, resolver(answers)),
      ).toMatchObject({
        ok: false,
        refusal: undefined,
      });
    }
  });
});

describe("invariant 1: deny wins", () => {
  it("deny entries beat allow entries by name, wildcard, CIDR and localhost", async () => {
    expect(check(["*"], "evil.example", 80, ["evil.example"])).toMatchObject({ reason: "denied" });
    expect(check(["*.example"], "a.evil.example", 80, ["*.evil.example:*"])).toMatchObject({
      reason: "denied",
    });
    expect(check(["127.0.0.1:80"], "127.1", 80, ["localhost"])).toMatchObject({ reason: "denied" });
    expect(check(["10.0.0.0/8"], "10.1.1.1", 80, ["10.1.0.0/16:80"])).toMatchObject({
      reason: "denied",
    });
    expect(check(["10.0.0.0/8"], "10.1.1.1", 81, ["10.1.0.0/16:80"])).toBeUndefined();
    const policy = makeNetPolicy({ allow: ["*"], deny: ["93.184.0.0/16"] });
    expect(
      await resolveChecked(policy, canonicalizeHost("x.example"), 80, resolver(["93.184.1.1"])),
    ).toMatchObject({
      ok: false,
      refusal: { reason: "denied", entry: "93.184.0.0/16" },
    });
  });
});
