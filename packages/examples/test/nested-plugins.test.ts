// Nested cells: a gallery delegates read-only public/ to a thumbnailer.
// Invariant numbers refer to src/nested-plugins.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { createHost } from "@padded-cell/host";
import { runNestedPlugins, type NestedPluginsResult } from "../src/nested-plugins.js";
import { makeRecordingNarrator } from "../src/tour-output.js";

let result: NestedPluginsResult;
const attempt = (list: NestedPluginsResult["attempts"], what: string) => {
  const found = list.find((a) => a.what.startsWith(what));
  if (found === undefined) throw new Error(`no attempt ${what}`);
  return found;
};

beforeAll(async () => {
  result = await runNestedPlugins({ host: await createHost(), narrator: makeRecordingNarrator() });
});

describe("nested-plugins example", () => {
  it("the thumbnailer uses what it was given", () => {
    expect(attempt(result.attempts, "list its photos")).toMatchObject({
      ok: true,
      value: ["cat.txt", "dog.txt"],
    });
    expect(attempt(result.attempts, "make a thumbnail")).toMatchObject({
      ok: true,
      value: "a picture of",
    });
    expect(attempt(result.attempts, "look for other capabilities")).toMatchObject({
      ok: true,
      value: ["photos"],
    });
  });

  it("invariant 2: the thumbnailer cannot widen its view", () => {
    expect(attempt(result.attempts, "read ../private")).toMatchObject({
      ok: false,
      code: "FS_OUTSIDE_ROOT",
    });
    expect(attempt(result.attempts, "widen its view")).toMatchObject({
      ok: false,
      code: "FS_WIDEN_DENIED",
    });
    expect(attempt(result.attempts, "write /cat.txt")).toMatchObject({
      ok: false,
      code: "FS_DENIED_READ_ONLY",
    });
  });

  it("invariant 1: a right asked for by description is refused", () => {
    expect(result.byDescription).toMatchObject({ ok: false, code: "CELL_ESCALATION" });
    expect(result.byDescription.message).toContain("by description");
  });

  it("invariant 3: revoking the gallery's grant revokes what it delegated", () => {
    expect(attempt(result.afterRevoke, "list its photos")).toMatchObject({
      ok: false,
      code: "REVOKED",
    });
    expect(attempt(result.afterRevoke, "make a thumbnail")).toMatchObject({
      ok: false,
      code: "REVOKED",
    });
    expect(attempt(result.afterRevoke, "make a thumbnail").message).toContain("album unshared");
  });
});
