export { makeResourceScope } from "./resource-scope.js";
export type { Closable, ResourceScope } from "./resource-scope.js";
export { makeDirCap } from "./fs-dir-cap.js";
export type { DirCapOptions } from "./fs-dir-cap.js";
export { makeMemoryDirCap } from "./fs-memory-cap.js";
export type { MemoryDirCapOptions } from "./fs-memory-cap.js";
export { makeFsFacade, makeFsPromisesFacade } from "./fs-promises-facade.js";
export type {
  FsConstants,
  FsDirentLike,
  FsFacade,
  FsPromisesFacade,
  FsStatsLike,
  FsTypeTests,
} from "./fs-promises-facade.js";
export type {
  DirCap,
  DirEntry,
  FsEntryType,
  FsQuota,
  FsReadStream,
  FsWriteHandle,
  StatRecord,
} from "./fs-types.js";
export { fsErrorCodes } from "./fs-error-codes.js";
export type { FsErrorCode, FsErrorCodeDoc } from "./fs-error-codes.js";
export { parseVirtualPath } from "./virtual-path.js";
export type { VirtualPath } from "./virtual-path.js";
