import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json";
import { InvalidEventError } from "./errors";

describe("Canonical JSON", () => {
  it("sorts keys at every depth and drops no information", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "é" } })).toBe(
      '{"a":{"c":"é","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it("gives the same text for equal values whatever their key order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
      }),
    );
  });

  it("is stable through a parse, so a reader can recompute a hash from stored JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses what JSON cannot hold", () => {
    for (const bad of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(),
      1n,
      () => 1,
      [undefined],
      new Map(),
    ]) {
      expect(() => canonicalJson({ bad })).toThrow(InvalidEventError);
    }
  });
});
