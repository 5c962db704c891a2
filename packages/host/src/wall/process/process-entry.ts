/**
 * Entry of a child-process wall: locks the process's realm down, then runs the
 * guest runtime over a pipe on file descriptor 3, framed by wall-frame.ts.
 *
 * Invariants:
 * 1. `lockdown()` runs first (see wall-lockdown.ts), before CapTP is loaded.
 * 2. When the pipe to the host closes (the host exited or was killed), this
 *    process exits at once: no orphan outlives its host.
 * 3. A corrupt frame from the host ends the process (it never guesses).
 * 4. No frame larger than `MAX_WALL_MESSAGE_BYTES` is written: the process
 *    exits with `MESSAGE_LIMIT_EXIT_CODE` instead (the host would refuse it
 *    anyway; see wall-message-limit.ts).
 *
 * It does not enforce limits: the host passes `--max-old-space-size`, Node's
 * permission flags and a scrubbed environment, and kills it from outside.
 */
import "../wall-lockdown.js";
import { Socket } from "node:net";
import { encodeFrame, makeFrameReader } from "../wall-frame.js";
import { runWallGuest } from "../wall-guest.js";
import { MAX_WALL_MESSAGE_BYTES, MESSAGE_LIMIT_EXIT_CODE } from "../wall-message-limit.js";

const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const pipe = new Socket({ fd: 3, readable: true, writable: true });
const exit = (code: number) => process.exit(code);
pipe.on("end", () => exit(0));
pipe.on("close", () => exit(0));
pipe.on("error", () => exit(0));

let handler: (msg: unknown) => void = () => {};
const reader = makeFrameReader(
  MAX_FRAME_BYTES,
  (msg) => handler(msg),
  () => exit(65),
);
pipe.on("data", reader.push);

runWallGuest({
  post: (msg) => {
    if (pipe.destroyed) return;
    let frame: string;
    try {
      frame = encodeFrame(msg);
    } catch {
      // Longer than V8's largest string: far past the bound (invariant 4).
      return exit(MESSAGE_LIMIT_EXIT_CODE);
    }
    // Invariant 4.
    if (Buffer.byteLength(frame) > MAX_WALL_MESSAGE_BYTES) return exit(MESSAGE_LIMIT_EXIT_CODE);
    pipe.write(frame);
  },
  onMessage: (h) => {
    handler = h;
  },
  exit: (code) => {
    // Let the fault report reach the host before exiting.
    pipe.end(() => exit(code));
  },
});
