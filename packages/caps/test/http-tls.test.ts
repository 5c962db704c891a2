import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { makeHttpCap } from "../src/http/http-cap.js";

// A real HTTPS server on 127.0.0.1 with a self-signed certificate for
// api.example, made with openssl at test time.
let dir: string;
let server: Server;
let port: number;
let cert: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pc-http-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=api.example",
      "-addext",
      "subjectAltName=DNS:api.example",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  server = createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
    const servername = (req.socket as TLSSocket).servername;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ servername, host: req.headers.host }));
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const cap = (extra: Partial<Parameters<typeof makeHttpCap>[0]> = {}) =>
  makeHttpCap({
    allow: [`https://api.example:${port}/`, `https://other.example:${port}/`],
    allowAddresses: [`127.0.0.1:${port}`],
    resolve: async () => ["127.0.0.1"],
    ca: cert,
    ...extra,
  });

describe("makeHttpCap over TLS (invariant 3: connect to the checked address, keep Host and SNI)", () => {
  it("sends SNI and Host for the URL's name while connecting to the checked address", async () => {
    const res = await cap().fetch(`https://api.example:${port}/x`);
    expect(await res.json()).toEqual({ servername: "api.example", host: `api.example:${port}` });
  });

  it("verifies the certificate against the URL's name", async () => {
    const err = await cap()
      .fetch(`https://other.example:${port}/x`)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err).toMatchObject({ code: "HTTP_FAILED" });
    expect(err?.message).not.toMatch(/certificate|altname|127\.0\.0\.1/i);
  });

  it("does not trust a self-signed certificate unless the host passes its CA", async () => {
    await expect(cap({ ca: undefined }).fetch(`https://api.example:${port}/x`)).rejects.toThrow(
      expect.objectContaining({ code: "HTTP_FAILED" }),
    );
  });
});
