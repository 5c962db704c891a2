// A gallery plugin that delegates to a sub-plugin of its own. It holds `fs`
// (the whole album: public/ and private/) and `cells` (it may create
// sub-cells). It gives its thumbnailer a narrower right: a read-only view of
// public/ only. The thumbnailer then tries to get more.

// The sub-plugin's code: it runs in its own cell, holding only `caps.photos`.
const THUMBNAILER = `(async () => {
  const tryIt = async (what, action) => {
    try {
      return { what, ok: true, value: await action() };
    } catch (error) {
      return { what, ok: false, code: error.code, message: error.message };
    }
  };
  return [
    await tryIt("list its photos", async () => (await caps.photos.readdir("/")).map((e) => e.name)),
    await tryIt("make a thumbnail of /cat.txt", async () =>
      (await caps.photos.readFile("/cat.txt", { encoding: "utf8" })).slice(0, 12)),
    await tryIt("read ../private/diary.txt", () =>
      caps.photos.readFile("../private/diary.txt", { encoding: "utf8" })),
    await tryIt("widen its view with sub('..')", async () => caps.photos.sub("..").readdir("/")),
    await tryIt("write /cat.txt", () => caps.photos.writeFile("/cat.txt", "overwritten")),
    await tryIt("look for other capabilities", async () => Object.keys(caps)),
  ];
})()`;

let thumbnailer;

/** Starts the thumbnailer with a read-only view of public/ and lets it run. */
export async function main(caps) {
  thumbnailer = await caps.cells.create({
    name: "thumbnailer",
    grants: { photos: caps.fs.sub("/public").readOnly() },
  });
  const attempts = await thumbnailer.evaluate(THUMBNAILER);
  // The gallery itself asks for rights by description, not by reference.
  let byDescription;
  try {
    await caps.cells.create({ name: "greedy", grants: { fs: "/private" } });
    byDescription = { ok: true };
  } catch (error) {
    byDescription = { ok: false, code: error.code, message: error.message };
  }
  return JSON.parse(JSON.stringify({ attempts, byDescription }));
}

/** Runs the thumbnailer again (after the host revoked the gallery's fs grant). */
export async function thumbnailAgain() {
  return JSON.parse(JSON.stringify(await thumbnailer.evaluate(THUMBNAILER)));
}
