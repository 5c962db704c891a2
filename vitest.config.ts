import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources of sibling packages, not their build output,
    // so one module instance of each package exists per test file.
    alias: {
      "@padded-cell/host/realm-lockdown": fileURLToPath(
        new URL("./packages/host/src/realm-lockdown.ts", import.meta.url),
      ),
      "@padded-cell/membrane": src("membrane"),
      "@padded-cell/caps": src("caps"),
      "@padded-cell/host": src("host"),
      "@padded-cell/cli": src("cli"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    setupFiles: ["./vitest.setup.ts"],
    // SES lockdown is once per realm: each test file needs a fresh process.
    pool: "forks",
    isolate: true,
    // Watchdogs, not speed claims (performance is measured in bench/): sized
    // so that the suite passes on a shared 2-core machine with busy loops
    // beside it (scripts/with-busy-cores.sh), where a cold process start
    // can take seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
