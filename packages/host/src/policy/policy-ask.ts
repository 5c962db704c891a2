/**
 * Asking before refusing: the question a policy grant puts to whoever runs
 * the cell (the CLI's prompt on a terminal) about an access no grant
 * covers, and the answers. The grants decide when to ask
 * (`policy-fs-cap.ts` invariant 5, `policy-caps.ts` invariant 4); deny
 * entries always win without a question.
 */

/** An access no grant covers: a file by its grant path (`./data/a.txt`), or a network peer (`api.example.com:443`). */
export interface AccessRequest {
  readonly access: "read" | "write" | "net";
  readonly target: string;
}

/** "once": this call only; "always": the rest of the run; "deny": refuse, and do not ask again. */
export type AccessAnswer = "once" | "always" | "deny";

/** Asks about one access. */
export type AccessAsk = (request: AccessRequest) => Promise<AccessAnswer>;
