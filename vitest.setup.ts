// Every test file runs in a realm locked down exactly as a host's, a wall's
// and the CLI's are (`packages/host/src/realm-lockdown.ts`): tests exercise
// the production options, including the stack renderer that hides host
// frames from cells, and failing assertions keep their stacks.
import { lockdownRealm } from "./packages/host/src/realm-lockdown.js";

lockdownRealm();
