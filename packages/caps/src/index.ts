export { makeResourceScope } from "./resource-scope.js";
export type { Closable, ResourceScope } from "./resource-scope.js";
