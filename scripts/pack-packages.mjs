// Packs the publishable packages (membrane, caps, host, cli) into
// tarballs another app can `npm install`: `pnpm run packs [dir]`
// (default ./packs). Builds first, so the tarballs hold a current dist/.
// pnpm pack turns each `workspace:*` dependency into the version it names.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "packs"));
const PNPM = ["--yes", "pnpm@10.34.9"];

mkdirSync(out, { recursive: true });
execFileSync("npx", ["tsc", "-b"], { cwd: root, stdio: "inherit" });
for (const name of ["membrane", "caps", "host", "cli"]) {
  execFileSync("npx", [...PNPM, "pack", "--pack-destination", out], {
    cwd: join(root, "packages", name),
    stdio: ["ignore", "ignore", "inherit"],
  });
}
process.stdout.write(`Packed into ${out}: npm install ${out}/*.tgz\n`);
