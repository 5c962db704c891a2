export { CellError } from "./cell-error.js";
export { isCellError } from "./is-cell-error.js";
export { RevokedError } from "./revoked-error.js";
export { makeMembrane } from "./membrane.js";
export type { Caretaker, Membrane, MembraneOptions } from "./membrane.js";
export { allowOnly, compose, hide, observe, readOnly, substitute } from "./policy.js";
export type { AccessEvent, Observer, Policy } from "./policy.js";
export { membraneErrorCodes } from "./error-codes.js";
export { hardenExport, hardenPendingExports } from "./harden-export.js";
