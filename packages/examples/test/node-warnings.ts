// Node prints process warnings (an ExperimentalWarning for the permission
// model on some versions, for instance) on stderr. They are not errors of
// the program under test, so tests that expect a clean stderr drop them.

const WARNING = /^\(node:\d+\) \w*Warning: .*\n(?:\(Use `node --trace-warnings .*\n)?/gm;

/** `stderr` without Node's process-warning lines. */
export const withoutNodeWarnings = (stderr: string): string => stderr.replace(WARNING, "");
