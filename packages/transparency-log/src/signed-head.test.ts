import { generateKeyPairSync } from "node:crypto";
import { canonicalJson } from "@motcua/event-store";
import { describe, expect, it } from "vitest";
import {
  publicKeyInfo,
  signingKeyFrom,
  signTreeHead,
  type TreeHead,
  treeHeadSigningInput,
  verifyTreeHeadSignature,
} from "./signed-head";

const head: TreeHead = {
  at: "2026-12-04T16:59:00.000Z",
  position: 4242,
  rootHash: "ab".repeat(32),
  treeSize: 4100,
};

describe("Signed tree heads", () => {
  it("sign exactly the event store's canonical JSON of the head", () => {
    expect(treeHeadSigningInput(head)).toBe(canonicalJson({ ...head }));
  });

  it("verify under the signer's public key and refuse another head, another key or an edited signature", () => {
    const key = signingKeyFrom(Buffer.alloc(32, 1).toString("base64"));
    const signed = signTreeHead(head, key);
    const { publicKeyPem, keyId } = publicKeyInfo(key);
    expect(signed.keyId).toBe(keyId);
    expect(verifyTreeHeadSignature(signed, publicKeyPem)).toBe(true);
    expect(
      verifyTreeHeadSignature({ ...signed, checkpoint: { ...head, treeSize: 4101 } }, publicKeyPem),
    ).toBe(false);
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(verifyTreeHeadSignature(signed, other)).toBe(false);
    const edited = Buffer.from(signed.signature, "base64");
    edited[0] = (edited[0] as number) ^ 1;
    expect(verifyTreeHeadSignature({ ...signed, signature: edited.toString("base64") }, publicKeyPem)).toBe(
      false,
    );
  });

  it("take a PEM key as CHECKPOINT_SIGNING_KEY, and refuse a key of another kind", () => {
    const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const signed = signTreeHead(head, signingKeyFrom(pem));
    expect(verifyTreeHeadSignature(signed, publicKeyInfo(signingKeyFrom(pem)).publicKeyPem)).toBe(true);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    expect(() => signingKeyFrom(rsa)).toThrow(/Ed25519/);
    expect(() => signingKeyFrom("c2hvcnQ=")).toThrow(/CHECKPOINT_SIGNING_KEY/);
  });
});
