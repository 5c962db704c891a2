import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeEnvCap } from "../src/env-cap.js";
import { makeProcessEnvFacade } from "../src/env-facade.js";

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe("makeEnvCap", () => {
  const source = { NODE_ENV: "production", HOME: "/home/secret", LANG: "C" };

  it("invariant 1: reads listed variables, denies others naming the grant", () => {
    const env = makeEnvCap(source, { allow: ["NODE_ENV", "UNSET"] });
    expect(env.get("NODE_ENV")).toBe("production");
    expect(env.get("UNSET")).toBeUndefined();
    expect(() => env.get("HOME")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: read of environment variable HOME. Grant it with --allow-env=HOME.]`,
    );
    expect(codeOf(() => env.get("HOME"))).toBe("ENV_DENIED");
    expect(env.has("HOME")).toBe(false);
    expect(env.has("UNSET")).toBe(false);
    expect(env.has("NODE_ENV")).toBe(true);
    expect(env.keys()).toEqual(["NODE_ENV"]);
    expect(env.toObject()).toEqual({ NODE_ENV: "production" });
    expect(Object.isFrozen(env.toObject())).toBe(true);
    expect(Object.isFrozen(env)).toBe(true);
  });

  it("invariant 2: is a snapshot; later changes to the source are not seen", () => {
    const mutable: Record<string, string | undefined> = { A: "1" };
    const env = makeEnvCap(mutable, { allow: ["A", "B"] });
    mutable.A = "2";
    mutable.B = "3";
    expect(env.get("A")).toBe("1");
    expect(env.get("B")).toBeUndefined();
  });

  it("invariant 3: names are never coerced (hostile toString does not run)", () => {
    const env = makeEnvCap(source, { allow: ["NODE_ENV"] });
    let ran = false;
    const hostile = {
      toString() {
        ran = true;
        return "NODE_ENV";
      },
    };
    expect(codeOf(() => env.get(hostile as unknown as string))).toBe("ENV_INVALID_NAME");
    expect(codeOf(() => env.has(hostile as unknown as string))).toBe("ENV_INVALID_NAME");
    expect(ran).toBe(false);
  });

  it("invariant 3: __proto__ and constructor are ordinary names", () => {
    const src: Record<string, string> = {};
    Object.defineProperty(src, "__proto__", { value: "p", enumerable: true });
    const env = makeEnvCap(src, { allow: ["__proto__", "constructor", "toString"] });
    expect(env.get("__proto__")).toBe("p");
    expect(env.get("constructor")).toBeUndefined();
    expect(env.get("toString")).toBeUndefined();
    const obj = env.toObject();
    expect(Object.getOwnPropertyDescriptor(obj, "__proto__")?.value).toBe("p");
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
  });

  it("invariant 1 (property): only allowed names are ever visible", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })),
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 8 }),
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 8 }),
        (src, allow, probes) => {
          const env = makeEnvCap(src, { allow });
          for (const k of env.keys()) expect(allow).toContain(k);
          for (const k of Object.keys(env.toObject())) expect(allow).toContain(k);
          for (const p of probes) {
            if (allow.includes(p)) {
              expect(env.get(p)).toBe(Object.hasOwn(src, p) ? src[p] : undefined);
            } else {
              expect(codeOf(() => env.get(p))).toBe("ENV_DENIED");
              expect(env.has(p)).toBe(false);
            }
          }
        },
      ),
    );
  });
});

describe("makeProcessEnvFacade", () => {
  const env = makeEnvCap(
    { NODE_ENV: "test", DEBUG: "x", SECRET: "s" },
    { allow: ["NODE_ENV", "DEBUG"] },
  );

  it("invariant 1: reads listed names; unlisted read as undefined; enumeration shows only listed", () => {
    const pe = makeProcessEnvFacade(env);
    expect(pe.NODE_ENV).toBe("test");
    expect(pe.SECRET).toBeUndefined();
    expect("SECRET" in pe).toBe(false);
    expect("DEBUG" in pe).toBe(true);
    expect(Object.keys(pe).sort()).toEqual(["DEBUG", "NODE_ENV"]);
    expect({ ...pe }).toEqual({ DEBUG: "x", NODE_ENV: "test" });
    expect(JSON.stringify(pe)).toBe(JSON.stringify({ DEBUG: "x", NODE_ENV: "test" }));
  });

  it("invariant 2: writes, defines, deletes and prototype changes throw ENV_READ_ONLY", () => {
    const pe = makeProcessEnvFacade(env) as Record<string, string | undefined>;
    expect(codeOf(() => (pe.NODE_ENV = "prod"))).toBe("ENV_READ_ONLY");
    expect(codeOf(() => (pe.NEW = "1"))).toBe("ENV_READ_ONLY");
    expect(codeOf(() => delete pe.NODE_ENV)).toBe("ENV_READ_ONLY");
    expect(codeOf(() => Object.defineProperty(pe, "X", { value: "1" }))).toBe("ENV_READ_ONLY");
    expect(codeOf(() => Object.setPrototypeOf(pe, {}))).toBe("ENV_READ_ONLY");
    expect(() => (pe.NODE_ENV = "prod")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: write of environment variable NODE_ENV. The environment a cell receives is read-only.]`,
    );
    expect(pe.NODE_ENV).toBe("test");
  });

  it("invariant 3: can be hardened and works as process.env in a compartment", () => {
    const pe = makeProcessEnvFacade(env);
    expect(() => harden(pe)).not.toThrow();
    const c = new Compartment({ globals: { process: harden({ env: pe }) }, __options__: true });
    expect(c.evaluate("process.env.NODE_ENV + ':' + String(process.env.SECRET)")).toBe(
      "test:undefined",
    );
    expect(c.evaluate("try { process.env.NODE_ENV = 'x'; 'no' } catch (e) { e.code }")).toBe(
      "ENV_READ_ONLY",
    );
    expect(c.evaluate("Object.keys(process.env).sort().join()")).toBe("DEBUG,NODE_ENV");
  });
});
