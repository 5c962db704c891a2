// `pnpm compat`: runs the compatibility corpus. For each package of
// corpus.json it installs the pinned version from npm into a plugin folder
// under .compat-cache/ (outside git), runs the package's plugin
// (plugins/<id>.js) in plain Node as the reference and in a cell at each
// isolation level, and prints a table: identical, differs (and how) or fails
// (and why), then the counts per level.
//
// Each package runs in child processes of its own, with a time limit, so a
// package that hangs or takes its host down fails that package only.
//
// Options: --only a,b (packages), --levels compartment,worker,process,
// --json <file> (write the results), --jobs <n> (packages run at once, default 2).
//
// It does not commit or vendor packages: they are fetched by npm, with
// install scripts disabled.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sortedKeys } from "./compat-result.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");
const cacheDir = join(repoRoot, ".compat-cache");
const LEVELS = ["compartment", "worker", "process"];
const PACKAGE_TIMEOUT_MS = 300_000;

const option = (name) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};
const corpus = JSON.parse(await readFile(join(here, "corpus.json"), "utf8"));
const only = option("only")?.split(",");
const levels = option("levels")?.split(",") ?? LEVELS;
const jobs = Number(option("jobs") ?? 2);
const names = Object.keys(corpus).filter((n) => only === undefined || only.includes(n));
const idOf = (name) => name.replace(/^@/, "").replace(/\//g, "__");

/** Runs a command; resolves to its exit code and output, killing it after `timeoutMs`. */
const run = (command, args, { cwd, timeoutMs }) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });

/** Makes the plugin folder of `name` and installs its pinned version if missing. */
const prepare = async (name) => {
  const { version } = corpus[name];
  const folder = join(cacheDir, idOf(name));
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, "package.json"),
    `${JSON.stringify({ name: `compat-${idOf(name)}`, private: true, type: "module", dependencies: { [name]: version } }, null, 2)}\n`,
  );
  await copyFile(join(here, "plugins", `${idOf(name)}.js`), join(folder, "index.js"));
  const installed = join(folder, "node_modules", name, "package.json");
  if (existsSync(installed) && JSON.parse(await readFile(installed, "utf8")).version === version) {
    return folder;
  }
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = await run(
    npm,
    [
      "install",
      "--no-package-lock",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--omit=dev",
      "--loglevel=error",
    ],
    { cwd: folder, timeoutMs: 300_000 },
  );
  if (result.code !== 0)
    throw new Error(`npm install ${name}@${version} failed: ${result.stderr.trim()}`);
  return folder;
};

const resultLines = (stdout) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("COMPAT-RESULT "))
    .map((l) => JSON.parse(l.slice("COMPAT-RESULT ".length)));

const oneLine = (text, max = 110) => {
  const flat = `${text}`.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Compares a level's outcome with the reference. */
const verdictOf = (reference, outcome) => {
  if (outcome === undefined)
    return { verdict: "fails", reason: "the cell's process died or timed out" };
  if (!outcome.ok) return { verdict: "fails", reason: oneLine(outcome.error) };
  if (!reference.ok)
    return { verdict: "differs", reason: "the reference failed but the cell did not" };
  if (outcome.result === reference.result) return { verdict: "identical" };
  if (sortedKeys(outcome.result) === sortedKeys(reference.result)) {
    return { verdict: "differs", reason: "same values, object keys in another order" };
  }
  return {
    verdict: "differs",
    reason: oneLine(`got ${outcome.result} expected ${reference.result}`),
  };
};

const checkPackage = async (name) => {
  let folder;
  try {
    folder = await prepare(name);
  } catch (error) {
    const failed = { verdict: "fails", reason: oneLine(error.message) };
    return { name, levels: Object.fromEntries(levels.map((l) => [l, failed])) };
  }
  const ref = await run(process.execPath, [join(here, "reference.mjs"), folder], {
    cwd: folder,
    timeoutMs: PACKAGE_TIMEOUT_MS,
  });
  const reference = resultLines(ref.stdout)[0] ?? { ok: false, error: "the reference run died" };
  const started = Date.now();
  const cells = await run(
    process.execPath,
    [
      join(here, "run-in-cells.mjs"),
      folder,
      name,
      levels.join(","),
      (corpus[name].grants ?? []).join(","),
    ],
    {
      cwd: folder,
      timeoutMs: PACKAGE_TIMEOUT_MS,
    },
  );
  const outcomes = new Map(resultLines(cells.stdout).map((o) => [o.level, o]));
  const result = {
    name,
    version: corpus[name].version,
    reference,
    seconds: (Date.now() - started) / 1000,
    levels: {},
  };
  for (const level of levels) {
    const verdict = verdictOf(reference, outcomes.get(level));
    if (outcomes.get(level) === undefined && cells.signal) verdict.reason += ` (${cells.signal})`;
    if (outcomes.get(level) === undefined && !cells.signal)
      verdict.reason += `: ${oneLine(cells.stderr.slice(-300))}`;
    result.levels[level] = { ...verdict, ms: outcomes.get(level)?.ms };
  }
  return result;
};

const startedAll = Date.now();
await mkdir(cacheDir, { recursive: true });
const results = [];
let next = 0;
await Promise.all(
  Array.from({ length: Math.max(1, jobs) }, async () => {
    while (next < names.length) {
      const name = names[next++];
      const result = await checkPackage(name);
      results.push(result);
      const marks = levels.map((l) => `${l}:${result.levels[l].verdict}`).join(" ");
      process.stderr.write(`  ${name} ${marks}\n`);
    }
  }),
);
results.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));

const width = Math.max(...names.map((n) => n.length), 7);
const column = 11;
console.log(`\n${"package".padEnd(width)}  ${levels.map((l) => l.padEnd(column)).join(" ")}`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(width)}  ${levels.map((l) => r.levels[l].verdict.padEnd(column)).join(" ")}`,
  );
}
console.log("\nReasons:");
for (const r of results) {
  for (const l of levels) {
    const v = r.levels[l];
    if (v.verdict !== "identical") console.log(`  ${r.name} [${l}] ${v.verdict}: ${v.reason}`);
  }
  if (!r.reference?.ok)
    console.log(`  ${r.name} [reference] fails: ${oneLine(r.reference?.error)}`);
}
console.log("\nCounts:");
for (const l of levels) {
  const count = (v) => results.filter((r) => r.levels[l].verdict === v).length;
  console.log(
    `  ${l.padEnd(column)} identical ${count("identical")}/${results.length}, differs ${count("differs")}, fails ${count("fails")}`,
  );
}
const all = results.filter((r) => levels.every((l) => r.levels[l].verdict === "identical")).length;
console.log(`  identical at every level: ${all}/${results.length}`);
console.log(`  time: ${Math.round((Date.now() - startedAll) / 1000)} s`);
const jsonFile = option("json");
if (jsonFile !== undefined) await writeFile(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
