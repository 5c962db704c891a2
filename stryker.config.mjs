// Stryker (mutation testing) settings shared by every target of `pnpm mutate`.
// `scripts/mutate.mjs` runs one Stryker invocation per security-critical file
// and adds, per target, the file to mutate, the test files that cover it and
// its own incremental file; this file holds what is common to all of them.
// pnpm keeps Stryker's plugins out of its own reach, so the runner is named by path.
const vitestRunner = import.meta.resolve("@stryker-mutator/vitest-runner");

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: [vitestRunner],
  // The root config: same aliases to the sources, and `vitest.setup.ts` locks
  // the realm down with the production options before each test file.
  vitest: { configFile: "vitest.config.ts", related: false },
  reporters: ["clear-text", "html", "progress"],
  // Incremental: a rerun only tests mutants whose code or covering tests changed.
  incremental: true,
  concurrency: 2,
  timeoutMS: 20_000,
  // Only what the tests read is copied into the sandbox.
  ignorePatterns: ["dist", "site", "bench", "docs", "packs", ".compat-cache", "reports"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
