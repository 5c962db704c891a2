// The news bot: granted `http` for the news API only. It follows a live
// stream of headlines over one open connection and keeps references to
// everything it was handed, to try them again if it is cut off.
const decoder = new TextDecoder();

const outcome = async (what, action) => {
  try {
    await action();
    return { what, ok: true };
  } catch (error) {
    return { what, ok: false, code: error.code, message: error.message };
  }
};

/** Reads headlines until the stream ends or the bot is cut off. */
export async function follow() {
  const url = `${caps.config.api}/news/stream`;
  const res = await fetch(url);
  const held = { res, http: caps.http, fetch };
  const headlines = [];
  let ended;
  try {
    for await (const chunk of res.body) {
      for (const line of decoder.decode(chunk).split("\n")) if (line) headlines.push(line);
    }
    ended = { code: "END", message: "the stream ended" };
  } catch (error) {
    ended = { code: error.code, message: error.message };
  }
  // Cut off? Try every reference it still holds.
  const after = [
    await outcome("the global fetch()", () => held.fetch(url)),
    await outcome("caps.http.fetch()", () => held.http.fetch(url)),
    await outcome("the open response's text()", () => held.res.text()),
  ];
  return { headlines, ended, after };
}
