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

  it("names where a value stops being JSON", () => {
    const at = (value: unknown) => {
      try {
        canonicalJson(value);
      } catch (error) {
        return (error as Error).message;
      }
      return "no error";
    };
    expect(at({ a: { b: [1, Number.NaN] } })).toBe("Not JSON: a non-finite number at $.a.b");
    expect(at({ list: [1, undefined] })).toBe("Not JSON: undefined at $.list[1]");
    expect(at({ z: 1, when: new Date(0) })).toBe("Not JSON: a Date object at $.when");
    expect(at({ f: () => 1 })).toBe("Not JSON: a function at $.f");
    expect(at({ skipped: undefined, n: 1n })).toBe("Not JSON: a bigint at $.n");
  });
});
