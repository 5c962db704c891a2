// Resolves version ranges, as a package tool would.
import semver from "semver";
export function main() {
  const versions = ["1.2.3", "1.10.0", "2.0.0-beta.1", "2.0.0", "0.9.9"];
  return {
    sorted: semver.sort([...versions]),
    max: semver.maxSatisfying(versions, "^1.2.0"),
    inc: semver.inc("1.2.3", "prerelease", "rc"),
    valid: versions.map((v) => semver.satisfies(v, ">=1.0.0 <2.0.0")),
    coerce: String(semver.coerce("v3.4 final")),
    diff: semver.diff("1.2.3", "1.3.0"),
  };
}
