/**
 * Entry of a worker-thread wall: locks the thread's realm down, then runs the
 * guest runtime over the thread's parent port.
 *
 * Invariants:
 * 1. `lockdown()` runs first (see wall-lockdown.ts), before CapTP is loaded.
 * 2. The only channel to the host is `parentPort`; nothing else is opened.
 * 3. No message larger than `MAX_WALL_MESSAGE_BYTES` is posted: the thread
 *    exits with `MESSAGE_LIMIT_EXIT_CODE` instead (see wall-message-limit.ts),
 *    because the host would have to copy it into its own heap.
 *
 * It does not enforce limits: the host sets the thread's `resourceLimits` and
 * terminates it from outside.
 */
import "../wall-lockdown.js";
import { parentPort } from "node:worker_threads";
import { runWallGuest } from "../wall-guest.js";
import {
  MAX_WALL_MESSAGE_BYTES,
  MESSAGE_LIMIT_EXIT_CODE,
  measureWallMessage,
} from "../wall-message-limit.js";
import { publishThreadId } from "./thread-id.js";

publishThreadId();

const port = parentPort;
if (port === null) throw new Error("worker-entry must run in a worker thread");
runWallGuest({
  post: (msg, transfer) => {
    // Invariant 3.
    if (measureWallMessage(msg, MAX_WALL_MESSAGE_BYTES) > MAX_WALL_MESSAGE_BYTES) {
      process.exit(MESSAGE_LIMIT_EXIT_CODE);
    }
    port.postMessage(msg, transfer === undefined ? undefined : [...transfer]);
  },
  onMessage: (handler) => port.on("message", handler),
  exit: (code) => process.exit(code),
});
