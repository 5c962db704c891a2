// `pnpm mutate [name|file ...]`: mutation testing of the security checks.
//
// Runs Stryker once per target below, mutating only that file and running only
// the test files that cover it (so a score says how well *those* tests hold the
// code), with an incremental file per target under `reports/mutation/` (git-
// ignored), so a rerun after a small change tests only the mutants it touched.
// With no argument every target runs; an argument picks targets by name or by
// source path. Prints a score table at the end; the HTML reports are in
// `reports/mutation/<name>.html`.
//
// It does not fail on a low score: the scores and the survivors are read by a
// person (docs/mutation-survivors.md), not gated in CI (a full run takes far
// longer than the suite).
import { Stryker } from "@stryker-mutator/core";

const TARGETS = [
  {
    name: "virtual-path",
    mutate: "packages/caps/src/fs/virtual-path.ts",
    tests: [
      "packages/caps/test/virtual-path.test.ts",
      "packages/caps/test/virtual-path-oracle.test.ts",
    ],
  },
  {
    name: "address-canonical",
    mutate: "packages/caps/src/net/address-canonical.ts",
    tests: [
      "packages/caps/test/address-canonical.test.ts",
      "packages/caps/test/address-entry-parse.test.ts",
      "packages/caps/test/address-oracle.test.ts",
      "packages/caps/test/address-policy.test.ts",
      "packages/caps/test/address-canonical-mutants.test.ts",
    ],
  },
  {
    name: "address-policy",
    mutate: "packages/caps/src/net/address-policy.ts",
    tests: [
      "packages/caps/test/address-canonical.test.ts",
      "packages/caps/test/address-entry-parse.test.ts",
      "packages/caps/test/address-oracle.test.ts",
      "packages/caps/test/address-policy.test.ts",
      "packages/caps/test/address-policy-mutants.test.ts",
    ],
  },
  {
    name: "membrane-policy",
    mutate: "packages/membrane/src/policy.ts",
    tests: [
      "packages/membrane/test/policies.test.ts",
      "packages/membrane/test/attack-attenuation.test.ts",
      "packages/membrane/test/policy-compose-oracle.test.ts",
      "packages/membrane/test/policy-mutants.test.ts",
    ],
  },
  {
    name: "membrane-handler",
    mutate: "packages/membrane/src/membrane-handler.ts",
    tests: [
      "packages/membrane/test/attack-attenuation.test.ts",
      "packages/membrane/test/attack-errors.test.ts",
      "packages/membrane/test/attack-escape.test.ts",
      "packages/membrane/test/attack-hostile-guest.test.ts",
      "packages/membrane/test/attack-hostile-values.test.ts",
      "packages/membrane/test/attack-invariants.test.ts",
      "packages/membrane/test/attack-revocation.test.ts",
      "packages/membrane/test/identity-and-revocation.test.ts",
      "packages/membrane/test/policies.test.ts",
      "packages/membrane/test/value-semantics.test.ts",
      "packages/membrane/test/handler-mutants.test.ts",
      "packages/membrane/test/handler-invariants-mutants.test.ts",
    ],
  },
  {
    name: "fs-host-backend",
    mutate: "packages/caps/src/fs/fs-host-backend.ts",
    tests: [
      "packages/caps/test/fs-dir-cap.test.ts",
      "packages/caps/test/fs-symlink-race.test.ts",
      "packages/caps/test/fs-error-leak.test.ts",
      "packages/caps/test/fs-attenuation.test.ts",
      "packages/caps/test/fs-host-backend-mutants.test.ts",
    ],
  },
  {
    name: "http-url-allow",
    mutate: "packages/caps/src/http/http-url-allow.ts",
    tests: [
      "packages/caps/test/http-cap.test.ts",
      "packages/caps/test/http-fetch-facade.test.ts",
      "packages/caps/test/address-oracle.test.ts",
      "packages/caps/test/http-url-allow-mutants.test.ts",
    ],
  },
  {
    name: "module-import-policy",
    mutate: "packages/host/src/module/module-import-policy.ts",
    tests: [
      "packages/host/test/module-import-policy.test.ts",
      "packages/host/test/module-attacks.test.ts",
      "packages/host/test/module-import-policy-mutants.test.ts",
    ],
  },
];

const wanted = process.argv.slice(2);
const selected =
  wanted.length === 0
    ? TARGETS
    : TARGETS.filter((t) => wanted.some((w) => w === t.name || t.mutate.endsWith(w)));
if (selected.length !== wanted.length && wanted.length > 0) {
  const names = TARGETS.map((t) => t.name).join(", ");
  console.error(`mutate: unknown target in ${wanted.join(" ")}; targets: ${names}`);
  process.exit(2);
}

// Stryker's mutation score: detected / (detected + undetected), where a
// mutant no test reaches counts as undetected.
const score = (results) => {
  const count = (...statuses) => results.filter((r) => statuses.includes(r.status)).length;
  const detected = count("Killed", "Timeout");
  const undetected = count("Survived", "NoCoverage");
  return { detected, undetected, pct: (100 * detected) / (detected + undetected || 1) };
};

const rows = [];
for (const target of selected) {
  const started = process.hrtime.bigint();
  const results = await new Stryker({
    configFile: "stryker.config.mjs",
    mutate: [target.mutate],
    testFiles: target.tests,
    incrementalFile: `reports/mutation/${target.name}.incremental.json`,
    // On a machine shared with other work, MUTATE_CONCURRENCY=1 keeps one core free.
    ...(process.env.MUTATE_CONCURRENCY
      ? { concurrency: Number(process.env.MUTATE_CONCURRENCY) }
      : {}),
    htmlReporter: { fileName: `reports/mutation/${target.name}.html` },
  }).runMutationTest();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rows.push({ target: target.name, ...score(results), seconds });
}
console.log("\nmutation score per file:");
for (const r of rows) {
  const line = `${r.target.padEnd(22)} ${r.pct.toFixed(1).padStart(5)}%  (${r.detected} killed, ${r.undetected} survived or uncovered)  ${r.seconds.toFixed(0)} s`;
  console.log(line);
}
