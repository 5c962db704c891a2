// A minimal Chrome DevTools Protocol client over Chromium's
// `--remote-debugging-pipe` (messages are JSON, each ended by a NUL byte, on
// file descriptors 3 (to Chromium) and 4 (from Chromium)), so the docs-site
// test drives a real headless browser with no dependency and no WebSocket
// (Node 20 has none built in).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

/** Where Chromium is: `CHROMIUM` if set, else Debian's /usr/bin/chromium. */
export const chromiumPath = (): string => {
  const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const found = candidates.find((p): p is string => p !== undefined && p !== "" && existsSync(p));
  if (found === undefined) {
    throw new Error(
      "Chromium is not installed, and the docs-site test needs it: run `apt-get install chromium` " +
        "(Debian; .ci/run installs it), or set CHROMIUM to a Chromium binary.",
    );
  }
  return found;
};

/** A page in the browser. */
export interface Page {
  /** Loads `url` and resolves once its load event fired. */
  goto(url: string): Promise<void>;
  /** Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON data. */
  evaluate<T>(expression: string): Promise<T>;
  /** Uncaught exceptions and console errors the page reported so far. */
  readonly errors: string[];
}

/** A running headless Chromium. */
export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

interface Message {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** Starts headless Chromium with a fresh profile. */
export const launchChromium = async (): Promise<Browser> => {
  const profile = await mkdtemp(join(tmpdir(), "padded-cell-chromium-"));
  const child: ChildProcess = spawn(
    chromiumPath(),
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--remote-debugging-pipe",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;

  let nextId = 1;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(m: Message) => void>();
  let exited: Error | undefined;
  child.on("exit", (code) => {
    exited = new Error(`Chromium exited (${code}): ${stderr}`);
    for (const p of pending.values()) p.reject(exited);
    pending.clear();
  });
  let buffer = "";
  fromBrowser.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let end;
    while ((end = buffer.indexOf("\0")) >= 0) {
      const message = JSON.parse(buffer.slice(0, end)) as Message;
      buffer = buffer.slice(end + 1);
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message);
      } else {
        for (const listener of listeners) listener(message);
      }
    }
  });

  const send = (method: string, params: object = {}, sessionId?: string): Promise<Message> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    const promise = new Promise<Message>((resolve, reject) => pending.set(id, { resolve, reject }));
    toBrowser.write(
      `${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`,
    );
    return promise;
  };
  const waitFor = (sessionId: string, method: string): Promise<Message> =>
    new Promise((resolve) => {
      const listener = (m: Message) => {
        if (m.sessionId === sessionId && m.method === method) {
          listeners.delete(listener);
          resolve(m);
        }
      };
      listeners.add(listener);
    });

  return {
    async newPage() {
      const { result } = await send("Target.createTarget", { url: "about:blank" });
      const attached = await send("Target.attachToTarget", {
        targetId: result?.targetId,
        flatten: true,
      });
      const sessionId = attached.result?.sessionId as string;
      const errors: string[] = [];
      listeners.add((m) => {
        if (m.sessionId !== sessionId) return;
        if (m.method === "Runtime.exceptionThrown") {
          const details = m.params?.exceptionDetails as {
            text?: string;
            exception?: { description?: string };
          };
          errors.push(details.exception?.description ?? details.text ?? "exception");
        }
        if (m.method === "Runtime.consoleAPICalled" && m.params?.type === "error") {
          errors.push(JSON.stringify(m.params?.args));
        }
      });
      await send("Page.enable", {}, sessionId);
      await send("Runtime.enable", {}, sessionId);
      return {
        errors,
        async goto(url: string) {
          const loaded = waitFor(sessionId, "Page.loadEventFired");
          const { result: nav } = await send("Page.navigate", { url }, sessionId);
          if (nav?.errorText) throw new Error(`${url}: ${String(nav.errorText)}`);
          await loaded;
        },
        async evaluate<T>(expression: string) {
          const { result: r } = await send(
            "Runtime.evaluate",
            { expression, awaitPromise: true, returnByValue: true },
            sessionId,
          );
          const details = r?.exceptionDetails as
            { exception?: { description?: string } } | undefined;
          if (details) throw new Error(details.exception?.description ?? "evaluation failed");
          return (r?.result as { value: T }).value;
        },
      };
    },
    async close() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        await send("Browser.close").catch(() => undefined);
        await gone;
      }
      await rm(profile, { recursive: true, force: true });
    },
  };
};
