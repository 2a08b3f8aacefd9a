import type { Principal } from "@motcua/platform";
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { cachedTokenVerifier, type TokenVerifier } from "./auth";

/** A token whose payload carries `exp` (seconds); the cache only reads it after the inner verifier accepted it. */
const tokenExpiring = (label: string, expSeconds: number) =>
  `${base64url.encode(JSON.stringify({ alg: "HS256" }))}.${base64url.encode(
    JSON.stringify({ sub: label, exp: expSeconds }),
  )}.sig-${label}`;

/** An inner verifier that accepts tokens whose signature part does not start with "bad", and counts its calls. */
function countingVerifier() {
  const calls: string[] = [];
  const verify: TokenVerifier = async (token) => {
    calls.push(token);
    if (token.split(".")[2]?.startsWith("sig-bad")) throw new Error("refused");
    const sub = token.split(".")[2]?.slice(4) ?? "";
    return { sub, name: sub, role: "officer", unitId: "unit-1" } satisfies Principal;
  };
  return { verify, calls };
}

describe("the verified-token cache", () => {
  it("answers a token it verified from memory, and counts hits and misses", async () => {
    let now = 1_000_000;
    const inner = countingVerifier();
    const cache = cachedTokenVerifier(inner.verify, 10, () => now);
    const token = tokenExpiring("a", now / 1000 + 3600);
    expect((await cache.verify(token)).sub).toBe("a");
    now += 1_000;
    expect((await cache.verify(token)).sub).toBe("a");
    expect(inner.calls).toHaveLength(1);
    expect(cache.stats()).toEqual({ size: 1, capacity: 10, hits: 1, misses: 1 });
  });

  it("verifies again at the token's expiry, so an expired token meets the verifier's refusal", async () => {
    let now = 1_000_000;
    const inner = countingVerifier();
    const cache = cachedTokenVerifier(inner.verify, 10, () => now);
    const token = tokenExpiring("a", now / 1000 + 30);
    await cache.verify(token);
    now += 29_999;
    await cache.verify(token);
    expect(inner.calls).toHaveLength(1);
    now += 1;
    await cache.verify(token);
    expect(inner.calls).toHaveLength(2);
  });

  it("verifies again a minute after the last verification even when the token lives longer", async () => {
    let now = 1_000_000;
    const inner = countingVerifier();
    const cache = cachedTokenVerifier(inner.verify, 10, () => now);
    const token = tokenExpiring("a", now / 1000 + 3600);
    await cache.verify(token);
    now += 60_000;
    await cache.verify(token);
    expect(inner.calls).toHaveLength(2);
  });

  it("never remembers a refusal", async () => {
    const inner = countingVerifier();
    const cache = cachedTokenVerifier(inner.verify, 10);
    const token = tokenExpiring("bad", Date.now() / 1000 + 3600);
    await expect(cache.verify(token)).rejects.toThrow("refused");
    await expect(cache.verify(token)).rejects.toThrow("refused");
    expect(inner.calls).toHaveLength(2);
    expect(cache.stats().size).toBe(0);
  });

  it("keeps at most its capacity, dropping the least recently used", async () => {
    const now = 1_000_000;
    const inner = countingVerifier();
    const cache = cachedTokenVerifier(inner.verify, 2, () => now);
    const [a, b, c] = ["a", "b", "c"].map((label) => tokenExpiring(label, now / 1000 + 3600)) as [
      string,
      string,
      string,
    ];
    await cache.verify(a);
    await cache.verify(b);
    await cache.verify(a); // a is now the most recently used
    await cache.verify(c); // drops b
    expect(cache.stats().size).toBe(2);
    inner.calls.length = 0;
    await cache.verify(a);
    await cache.verify(c);
    expect(inner.calls).toEqual([]);
    await cache.verify(b);
    expect(inner.calls).toEqual([b]);
  });

  it("with capacity 0 verifies every time", async () => {
    const inner = countingVerifier();
    const cache = cachedTokenVerifier(inner.verify, 0);
    const token = tokenExpiring("a", Date.now() / 1000 + 3600);
    await cache.verify(token);
    await cache.verify(token);
    expect(inner.calls).toHaveLength(2);
  });
});
