// The chat-bot host: each bot reaches one API on a loopback server; the news
// bot is disabled while it streams. Invariant numbers refer to src/chat-bots.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { createHost } from "@padded-cell/host";
import { runChatBots, type ChatBotsResult } from "../src/chat-bots.js";
import { makeRecordingNarrator } from "../src/tour-output.js";

let result: ChatBotsResult;

beforeAll(async () => {
  result = await runChatBots({ host: await createHost(), narrator: makeRecordingNarrator() });
});

describe("chat-bots example", () => {
  it("each bot answers with its own API", () => {
    expect(result.replies.map((r) => `${r.bot}: ${r.reply}`)).toEqual([
      "weather-bot: Paris: sunny, 21 °C",
      "jokes-bot: Why did the capability cross the membrane? It was granted.",
      "weather-bot: Oslo: snow, -3 °C",
    ]);
  });

  it("invariant 1: a bot cannot reach another bot's API", () => {
    expect(result.crossApi.code).toBe("HTTP_DENIED");
    expect(result.crossApi.message).toContain("/jokes/random denied");
  });

  it("invariant 2: disabling the news bot kills its open stream and every reference it kept", () => {
    expect(result.headlines.length).toBeGreaterThan(0);
    expect(result.streamEnded.code).toBe("REVOKED");
    expect(result.streamEnded.message).toContain("news-bot disabled by the admin");
    expect(result.after.map((a) => a.what)).toEqual([
      "the global fetch()",
      "caps.http.fetch()",
      "the open response's text()",
    ]);
    for (const a of result.after) expect(a).toMatchObject({ ok: false, code: "REVOKED" });
  });

  it("invariant 2: the server saw the stream's connection close", () => {
    expect(result.serverSawClose).toBe(true);
  });

  it("invariant 3: the revoked cell refuses calls; the other bots keep answering", () => {
    expect(result.callAfterRevoke.code).toBe("REVOKED");
    expect(result.replies.at(-1)?.bot).toBe("weather-bot");
  });
});
