import { makeMembrane } from "@padded-cell/membrane";
import { describe, expect, it } from "vitest";
import { allowMethods } from "../src/attenuate/attenuate-methods.js";
import { callQuota } from "../src/attenuate/attenuate-quota.js";
import { revocable } from "../src/attenuate/attenuate-revocable.js";

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe("attenuator wrapping (attenuate-wrap)", () => {
  it("invariant 1: forwards only own enumerable function-valued data properties", () => {
    let getterRan = false;
    const sym = Symbol("s");
    const target = {
      read: () => "r",
      data: 42,
      get sneaky() {
        getterRan = true;
        return () => "sneaky";
      },
      [sym]: () => "symbol",
    };
    Object.defineProperty(target, "hidden", { value: () => "hidden", enumerable: false });
    const inherited = Object.create({ fromProto: () => "proto" }) as object;
    const wrapped = callQuota(target, 10);
    expect(Reflect.ownKeys(wrapped)).toEqual(["read"]);
    expect(wrapped.read()).toBe("r");
    expect(getterRan).toBe(false);
    expect(Reflect.ownKeys(callQuota(inherited, 1))).toEqual([]);
  });

  it("invariant 1: methods are read once; later changes to the target are not seen", () => {
    const target: Record<string, () => string> = { read: () => "old" };
    const wrapped = callQuota(target, 10);
    target.read = () => "new";
    target.write = () => "w";
    expect(wrapped.read!()).toBe("old");
    expect("write" in wrapped).toBe(false);
  });

  it("invariant 1: a proxy target is asked once per key, and cannot answer differently later", () => {
    let reads = 0;
    const proxy = new Proxy(
      { read: () => "first" },
      {
        getOwnPropertyDescriptor(t, k) {
          reads += 1;
          return Reflect.getOwnPropertyDescriptor(t, k);
        },
        get() {
          throw new Error("get trap must not be used");
        },
      },
    );
    const wrapped = callQuota(proxy, 10);
    expect(wrapped.read()).toBe("first");
    expect(wrapped.read()).toBe("first");
    expect(reads).toBe(1);
  });

  it("invariant 2: a throwing proxy or a non-object becomes ATTENUATE_INVALID_TARGET without host details", () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("/secret/host/path");
        },
      },
    );
    const { proxy: revokedProxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const bad of [hostile, revokedProxy, null, 42, "str"]) {
      expect(codeOf(() => callQuota(bad as object, 1))).toBe("ATTENUATE_INVALID_TARGET");
    }
    let message = "";
    try {
      callQuota(hostile, 1, { name: "fs" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe("Cannot attenuate fs: it is not an object of methods.");
  });

  it("invariant 3: the wrapper is hardened methods only, with no way back to the target", () => {
    const target = { read: () => "r" };
    const wrapped = revocable(allowMethods(callQuota(target, 5), ["read"])).cap;
    expect(Object.isFrozen(wrapped)).toBe(true);
    expect(Reflect.ownKeys(wrapped)).toEqual(["read"]);
    expect(Object.getPrototypeOf(wrapped)).toBe(Object.prototype);
    expect(Reflect.ownKeys(wrapped.read).sort()).toEqual(["length", "name"]);
    expect(Object.isFrozen(wrapped.read)).toBe(true);
    expect(wrapped.read.name).toBe("read");
  });

  it("calls the target's method with the target as `this`", () => {
    const target = {
      secret: 7,
      get() {
        return this.secret;
      },
    };
    expect(callQuota(target, 1).get()).toBe(7);
  });

  it("composes with membranes both ways: attenuate a view, or wrap an attenuated cap", async () => {
    const membrane = makeMembrane('cell "x"');
    const view = membrane.wrap(harden({ read: (s: string) => `r:${s}`, later: async () => 1 }));
    const narrowed = allowMethods(callQuota(view, 5), ["read"]);
    expect(narrowed.read("a")).toBe("r:a");
    const guestView = membrane.wrap(revocable(callQuota(harden({ ping: () => "pong" }), 1)).cap);
    expect(guestView.ping()).toBe("pong");
    expect(codeOf(() => guestView.ping())).toBe("QUOTA_EXCEEDED");
    membrane.revoke("cell stopped");
    expect(codeOf(() => narrowed.read("b"))).toBe("REVOKED");
    expect(codeOf(() => guestView.ping())).toBe("REVOKED");
  });

  it("invariant 5: denials of async methods are rejections, through every layer", async () => {
    const target = harden({
      async read() {
        return 1;
      },
      sync() {
        return 2;
      },
    });
    const { cap, revoke } = revocable(callQuota(allowMethods(target, ["read", "sync"]), 1));
    expect(await cap.read()).toBe(1);
    let result: unknown;
    expect(() => (result = cap.read())).not.toThrow();
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect(() => cap.sync()).toThrow(expect.objectContaining({ code: "QUOTA_EXCEEDED" }));
    revoke("done");
    await expect(cap.read()).rejects.toMatchObject({ code: "REVOKED" });
    expect(() => cap.sync()).toThrow(expect.objectContaining({ code: "REVOKED" }));
  });
});
