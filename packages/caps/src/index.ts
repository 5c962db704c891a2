// First: a realm without SES fails here, saying what to import (realm-check.ts).
import "./realm-check.js";
export { makeResourceScope } from "./resource-scope.js";
export type { Closable, ResourceScope, ScopeCloseOptions } from "./resource-scope.js";
export { makeDirCap } from "./fs/fs-dir-cap.js";
export type { DirCapOptions } from "./fs/fs-dir-cap.js";
export { makeMemoryDirCap } from "./fs/fs-memory-cap.js";
export type { MemoryDirCapOptions } from "./fs/fs-memory-cap.js";
export { makeFsFacade, makeFsPromisesFacade } from "./fs/fs-promises-facade.js";
export type {
  FsConstants,
  FsDirentLike,
  FsFacade,
  FsPromisesFacade,
  FsStatsLike,
  FsTypeTests,
} from "./fs/fs-promises-facade.js";
export type {
  DirCap,
  DirEntry,
  FsEntryType,
  FsQuota,
  FsReadStream,
  FsWriteHandle,
  StatRecord,
} from "./fs/fs-types.js";
export { fsErrorCodes } from "./fs/fs-error-codes.js";
export type { FsErrorCode, FsErrorCodeDoc } from "./fs/fs-error-codes.js";
export { parseVirtualPath } from "./fs/virtual-path.js";
export type { VirtualPath } from "./fs/virtual-path.js";
export { miscErrorCodes } from "./misc-error-codes.js";
export type { MiscErrorCode } from "./misc-error-codes.js";
export { makeEnvCap } from "./env-cap.js";
export type { EnvCap, EnvCapOptions } from "./env-cap.js";
export { makeProcessEnvFacade } from "./env-facade.js";
export { clockCapOptions, makeClockCap } from "./clock-cap.js";
export type { ClockCap, ClockCapOptions } from "./clock-cap.js";
export { isRandomCap, makeRandomCap, MAX_RANDOM_BYTES } from "./random-cap.js";
export type { RandomCap } from "./random-cap.js";
export {
  makeStdio,
  DEFAULT_STDIO_LIMIT_BYTES,
  truncationMarker,
  isUint8Array,
  terminalSafe,
} from "./stdio-cap.js";
export type {
  PerStream,
  StdioCap,
  StdioHost,
  StdioOptions,
  StdioPair,
  StdioStream,
} from "./stdio-cap.js";
export { formatValues } from "./console-format.js";
export type { FormatOptions } from "./console-format.js";
export { makeConsoleFacade } from "./console-facade.js";
export type { ConsoleFacade } from "./console-facade.js";
export { makeTimers } from "./timers-cap.js";
export type {
  TimerHandle,
  TimersCap,
  TimersHost,
  TimersOptions,
  TimersPair,
} from "./timers-cap.js";
export { makeSubprocessCap } from "./subprocess-cap.js";
export type {
  ArgPattern,
  SubprocessCap,
  SubprocessOptions,
  SubprocessResult,
} from "./subprocess-cap.js";
export { allowMethods } from "./attenuate/attenuate-methods.js";
export { callQuota, byteQuota, measureBytes } from "./attenuate/attenuate-quota.js";
export type { ByteQuotaOptions } from "./attenuate/attenuate-quota.js";
export { rateLimit, hostClock } from "./attenuate/attenuate-rate.js";
export type { RateLimitOptions, TimeSource } from "./attenuate/attenuate-rate.js";
export { expiresAt } from "./attenuate/attenuate-expiry.js";
export type { ExpiresAtOptions } from "./attenuate/attenuate-expiry.js";
export { useTimes } from "./attenuate/attenuate-uses.js";
export { revocable } from "./attenuate/attenuate-revocable.js";
export type { Revocable } from "./attenuate/attenuate-revocable.js";
export { audited, summarizeArg } from "./attenuate/attenuate-audit.js";
export type {
  ArgSummary,
  AuditOutcome,
  AuditRecord,
  AuditSink,
} from "./attenuate/attenuate-audit.js";
export type { AttenuateOptions, Capability } from "./attenuate/attenuate-wrap.js";
export { canonicalizeHost, classifyAddress } from "./net/address-canonical.js";
export type { AddressClass, CanonicalHost } from "./net/address-canonical.js";
export { makeNetPolicy } from "./net/address-policy.js";
export type { NetPolicy, NetPolicyOptions, NetRefusal } from "./net/address-policy.js";
export { systemResolver } from "./net/address-resolve.js";
export type { Resolver } from "./net/address-resolve.js";
export { netErrorCodes } from "./net/net-error-codes.js";
export type { NetErrorCode } from "./net/net-error-codes.js";
export type { SocketCap, SocketPeer } from "./net/net-socket-cap.js";
export { makeTcpCap } from "./net/net-tcp-cap.js";
export type { TcpCap, TcpCapOptions } from "./net/net-tcp-cap.js";
export { makeListenCap } from "./net/net-listen-cap.js";
export type { ListenCap, ListenCapOptions, ListenerCap } from "./net/net-listen-cap.js";
export { makeHttpCap } from "./http/http-cap.js";
export type { HttpCap, HttpCapOptions, HttpRequestInit } from "./http/http-cap.js";
export type { ResponseCap } from "./http/http-response-cap.js";
export { makeFetchFacade } from "./http/http-fetch-facade.js";
export type { FetchFunction, FetchHeaders, FetchResponse } from "./http/http-fetch-facade.js";
