/**
 * Example 2: a chat-bot host. Each bot is a cell that may reach one HTTP API
 * of a server the example starts on 127.0.0.1. The news bot follows a live
 * stream; the host disables it at run time, and every reference it held
 * dies: the global `fetch`, `caps.http`, and the response whose connection
 * was open. The server sees that connection close; the other bots keep
 * answering.
 *
 * Invariants shown (and tested in test/chat-bots.test.ts):
 * 1. A bot reaches only the URL prefix it was granted (HTTP_DENIED).
 * 2. Revoking a grant kills every reference reached through it, including
 *    a read in flight, and closes the connection it opened (REVOKED).
 * 3. Revoking one cell leaves the other cells working.
 *
 * It listens on loopback only and does not talk to any other host.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { makeHttpCap } from "@padded-cell/caps";
import type { Cell, Host } from "@padded-cell/host";
import { copyData } from "./cell-data.js";
import { preparePluginFolder } from "./plugin-folder.js";
import { toDenial, type Denial, type Narrator } from "./tour-output.js";

/** What one attempt by the news bot gave. */
export interface BotOutcome {
  readonly what: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** What the chat-bots example did. */
export interface ChatBotsResult {
  /** Replies before and after the news bot was disabled. */
  readonly replies: readonly {
    readonly bot: string;
    readonly message: string;
    readonly reply: string;
  }[];
  /** The weather bot's try at the jokes API. */
  readonly crossApi: Denial;
  /** Headlines the news bot read before it was cut off. */
  readonly headlines: readonly string[];
  /** How the news bot's open stream ended. */
  readonly streamEnded: Denial;
  /** The news bot's tries with the references it still held. */
  readonly after: readonly BotOutcome[];
  /** Whether the server saw the stream's connection close. */
  readonly serverSawClose: boolean;
  /** Calling into the news bot after its cell was revoked. */
  readonly callAfterRevoke: Denial;
}

/** Options of {@link runChatBots}. */
export interface ChatBotsOptions {
  readonly host: Host;
  readonly narrator: Narrator;
}

const FORECASTS: Record<string, string> = { paris: "sunny, 21 °C", oslo: "snow, -3 °C" };
const JOKES = ["Why did the capability cross the membrane? It was granted."];

/** The APIs the bots use, on a loopback port. */
interface ApiServer {
  readonly server: Server;
  readonly base: string;
  /** Headlines written to open streams so far. */
  readonly sent: () => number;
  /** Resolves when `n` headlines were written. */
  readonly whenSent: (n: number) => Promise<void>;
  /** Resolves when an open stream's connection closes. */
  readonly streamClosed: Promise<void>;
  readonly close: () => Promise<void>;
}

const startApiServer = async (): Promise<ApiServer> => {
  let sent = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  let onStreamClosed: () => void = () => undefined;
  const streamClosed = new Promise<void>((resolve) => (onStreamClosed = resolve));
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path.startsWith("/weather/")) {
      const city = decodeURIComponent(path.slice("/weather/".length)).toLowerCase();
      json(res, 200, { city, forecast: FORECASTS[city] ?? "no data" });
    } else if (path === "/jokes/random") {
      json(res, 200, { joke: JOKES[0] });
    } else if (path === "/news/stream") {
      res.writeHead(200, { "content-type": "text/plain" });
      const timer = setInterval(() => {
        sent += 1;
        res.write(`headline ${sent}: capabilities are still objects\n`);
        for (const w of waiting.filter((x) => sent >= x.n)) w.resolve();
      }, 30);
      res.on("close", () => {
        clearInterval(timer);
        onStreamClosed();
      });
    } else {
      json(res, 404, { error: "not found" });
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    sent: () => sent,
    whenSent: (n) =>
      sent >= n
        ? Promise.resolve()
        : new Promise<void>((resolve) => void waiting.push({ n, resolve })),
    streamClosed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Resolves with whether `promise` settled within `ms` (a bound, not a measurement). */
const settlesWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
};

/**
 * Runs the chat-bots example.
 *
 * @example
 * ```ts
 * const result = await runChatBots({ host: await createHost(), narrator: makeRecordingNarrator() });
 * result.serverSawClose; // true
 * ```
 */
export async function runChatBots(options: ChatBotsOptions): Promise<ChatBotsResult> {
  const { host, narrator } = options;
  narrator.section(
    "2. Chat-bot host",
    "Each bot may reach one HTTP API (a server this example runs on 127.0.0.1). One bot is disabled while it streams.",
  );
  const api = await startApiServer();
  const folder = await preparePluginFolder("chat-bots");
  const cells: Cell[] = [];
  try {
    const makeBot = async (name: string, prefix: string): Promise<Record<string, unknown>> => {
      narrator.grant(`${name}-bot`, `http: GET ${prefix} only (and the global fetch for it)`);
      const cell = await host.createCell({
        name: `${name}-bot`,
        root: folder.root,
        grants: {
          http: ({ scope }) => makeHttpCap({ allow: [`${api.base}${prefix}`], scope }),
          config: harden({ api: api.base }),
        },
      });
      cells.push(cell);
      return cell.import(`./${name}.js`);
    };
    const weather = await makeBot("weather", "/weather/");
    const jokes = await makeBot("jokes", "/jokes/");
    const news = await makeBot("news", "/news/");
    const newsCell = cells[2] as Cell;
    const bots: [string, Record<string, unknown>][] = [
      ["weather-bot", weather],
      ["jokes-bot", jokes],
    ];

    const replies: { bot: string; message: string; reply: string }[] = [];
    const chat = async (message: string) => {
      for (const [bot, ns] of bots) {
        const reply = (await (ns.reply as (m: string) => Promise<unknown>)(message)) as
          string | undefined;
        if (reply === undefined) continue;
        replies.push({ bot, message, reply: String(reply) });
        narrator.did(bot, `"${message}" → "${String(reply)}"`);
      }
    };
    await chat("what's the weather in Paris?");
    await chat("tell me a joke");

    const crossApi = copyData(
      await (weather.tryJokes as () => Promise<Denial & { ok: boolean }>)(),
    );
    if (crossApi.ok) narrator.did("weather-bot", "reached the jokes API (it should not have!)");
    else narrator.denied("weather-bot", "fetch the jokes API", crossApi);

    const following = (news.follow as () => Promise<unknown>)();
    await narrator.progress("news-bot follows the live headline stream", () => api.whenSent(3));
    narrator.note(`the server has sent ${api.sent()} headlines on one open connection`);
    narrator.note('the admin disables news-bot: newsCell.revokeGrant("http", ...)');
    await newsCell.revokeGrant("http", "news-bot disabled by the admin");
    const report = copyData(
      (await following) as { headlines: string[]; ended: Denial; after: BotOutcome[] },
    );
    narrator.did("news-bot", `read ${report.headlines.length} headlines before it was cut off`);
    narrator.denied("news-bot", "keep reading the open stream", report.ended);
    for (const a of report.after) {
      if (a.ok) narrator.did("news-bot", `${a.what} still worked (it should not have!)`);
      else
        narrator.denied("news-bot", a.what, { code: a.code ?? "ERROR", message: a.message ?? "" });
    }
    const serverSawClose = await settlesWithin(api.streamClosed, 5000);
    narrator.note(
      serverSawClose
        ? "the server saw the stream's connection close"
        : "the server did NOT see the connection close",
    );

    await newsCell.revoke("news-bot removed");
    let callAfterRevoke: Denial = { code: "NONE", message: "the call worked" };
    try {
      await (news.follow as () => Promise<unknown>)();
    } catch (error) {
      callAfterRevoke = toDenial(error);
    }
    narrator.denied("host", "call news-bot's follow() after revoking the cell", callAfterRevoke);

    await chat("and the weather in Oslo?");
    return harden({
      replies,
      crossApi: { code: crossApi.code, message: crossApi.message },
      headlines: report.headlines,
      streamEnded: report.ended,
      after: report.after,
      serverSawClose,
      callAfterRevoke,
    });
  } finally {
    await Promise.allSettled(cells.map((cell) => cell.revoke("example done")));
    await folder.dispose();
    await api.close();
  }
}
