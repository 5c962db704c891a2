import { describe, expect, it } from "vitest";
import { makeMemoryDirCap } from "../src/fs/fs-memory-cap.js";
import { makeResourceScope } from "../src/resource-scope.js";

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe("makeMemoryDirCap", () => {
  it("seeds files and parents, and works like a directory", async () => {
    const m = makeMemoryDirCap({
      seed: { "/cfg/app.json": "{}", "b.bin": new Uint8Array([1, 2]) },
    });
    expect(await m.readFile("/cfg/app.json", { encoding: "utf8" })).toBe("{}");
    expect(await m.readdir("/")).toEqual([
      { name: "b.bin", type: "file" },
      { name: "cfg", type: "dir" },
    ]);
    await m.mkdir("/out/deep", { recursive: true });
    await m.writeFile("/out/deep/r.txt", "r");
    await m.rename("/out", "/out2");
    expect(await m.readFile("/out2/deep/r.txt", { encoding: "utf8" })).toBe("r");
    expect(await codeOf(m.rename("/out2", "/out2/deep/x"))).toBe("FS_IO");
    expect(await codeOf(m.rename("/b.bin", "/cfg"))).toBe("EISDIR");
    expect(await codeOf(m.writeFile("/nope/x", "x"))).toBe("ENOENT");
    expect(await codeOf(m.writeFile("/b.bin/x", "x"))).toBe("ENOTDIR");
    expect((await m.stat("/b.bin")).size).toBe(2);
  });

  it("invariant 3: bytes are copied in and out", async () => {
    const data = new Uint8Array([1, 2, 3]);
    const m = makeMemoryDirCap();
    await m.writeFile("/x", data);
    data[0] = 9;
    const read = await m.readFile("/x");
    read[1] = 9;
    expect(await m.readFile("/x")).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("invariant 2: has a default quota, and a given one is enforced", async () => {
    const m = makeMemoryDirCap();
    expect(await codeOf(m.writeFile("/huge", new Uint8Array(64 * 1024 * 1024 + 1)))).toBe(
      "FS_QUOTA_EXCEEDED",
    );
    const small = makeMemoryDirCap({ quota: { bytes: 10, files: 2 } });
    await small.writeFile("/a", "12345");
    const w = await small.openWrite("/b");
    await w.write("1234");
    expect(await codeOf(w.write("12"))).toBe("FS_QUOTA_EXCEEDED");
    await w.close();
    expect(await codeOf(small.writeFile("/c", ""))).toBe("FS_QUOTA_EXCEEDED");
  });

  it("streams register with the scope", async () => {
    const scope = makeResourceScope("cell");
    const m = makeMemoryDirCap({ scope, seed: { "/f": "x".repeat(1000) } });
    const s = await m.openRead("/f", { chunkSize: 100 });
    let n = 0;
    for await (const c of s) n += c.length;
    expect(n).toBe(1000);
    expect(scope.size).toBe(0);
    await m.openWrite("/g");
    expect(scope.size).toBe(1);
    await scope.close("done");
    expect(await codeOf(m.readFile("/f"))).toBe("REVOKED");
  });
});
