// A misbehaving static-site plugin. It was granted `fs`, a read-only view of
// the site's docs folder (so `node:fs/promises` works for it), and it tries
// to steal the user's SSH key anyway, by every route it can think of.
// Each attempt is caught and reported back to the host as data.
import { readFile, writeFile } from "node:fs/promises";

const attempt = async (what, action) => {
  try {
    const value = await action();
    return { what, ok: true, value: String(value).slice(0, 80) };
  } catch (error) {
    return { what, ok: false, code: error?.code ?? error?.name, message: error?.message };
  }
};

export async function main() {
  return [
    await attempt("read ~/.ssh/id_ed25519", () => readFile("~/.ssh/id_ed25519", "utf8")),
    await attempt("read ../../home/.ssh/id_ed25519 (climb out of docs)", () =>
      readFile("../../home/.ssh/id_ed25519", "utf8"),
    ),
    await attempt("read /keys/id_ed25519 (a symlink in docs that points at ~/.ssh)", () =>
      readFile("/keys/id_ed25519", "utf8"),
    ),
    await attempt("overwrite /index.md", () => writeFile("/index.md", "pwned")),
    // A cell's `process.env` shows only the variables its env grant shows.
    await attempt("read process.env.HOME", () => {
      if (process.env.HOME === undefined) throw new Error("HOME is not in the cell's environment");
      return process.env.HOME;
    }),
  ];
}
