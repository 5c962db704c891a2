#!/usr/bin/env node
// The `padded-cell` bin: runs the built CLI (dist/cli.js). It is committed,
// so installing the workspace links the bin before anything is built; in a
// clone that was not built yet it says how to build instead of failing.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    "padded-cell: the CLI is not built yet. Run `pnpm build` (or `npx tsc -b`) at the root of the repository first.\n",
  );
  process.exit(2);
}
await import(built.href);
