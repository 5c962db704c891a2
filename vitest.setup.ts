// Every test file runs in a realm locked down by SES, as a real host is.
//
// `errorTaming: 'unsafe-debug'` is for tests only: with the default ('safe')
// vitest shows no stack for a failing assertion, and with 'unsafe' the stack is
// not source-mapped. Production hosts keep the default (see @padded-cell/host).
import "ses";

lockdown({
  errorTaming: "unsafe-debug",
  overrideTaming: "severe",
  stackFiltering: "verbose",
  consoleTaming: "unsafe",
});
