import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventIdFor, eventIdsFor } from "./event-id";

describe("Event ids", () => {
  it("are version-5 UUIDs derived from the command id and the event's index", () => {
    const id = eventIdFor("cmd-1", 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdFor("cmd-1", 0)).toBe(id);
  });

  it("never change: the ids of earlier releases, whatever the command id's characters or length", () => {
    // A retried command must produce the ids its first attempt stored, across releases.
    expect(eventIdFor("cmd-1", 0)).toBe("d15feb1f-6a58-57e4-9042-498edfc9e49e");
    expect(eventIdFor("cmd-1", 7)).toBe("047a5164-d773-5526-8210-32620a34af01");
    expect(eventIdFor("0f8e2a4c-5b1d-4e3f-9a7c-2d6b8e1f0a3c", 0)).toBe(
      "5d5b51c3-8c2a-5f37-b8d1-63f12117eba6",
    );
    expect(eventIdFor("lệnh-Đà-Nẵng-😀", 3)).toBe("e047f5de-e0d2-54be-a53f-74aa0ae3f4c1");
    expect(eventIdFor("x".repeat(200), 99)).toBe("b17204ec-a94a-5447-b310-2f0dab6567b9");
    expect(eventIdFor("a\ud800b", 1)).toBe("07f7f797-6760-5faa-a78b-d0f421c71e4a");
    expect(eventIdFor("y".repeat(400), 2)).toBe("1d437071-fa3a-50f5-83eb-6e7177ef4fdb");
  });

  it("differ between commands and between events of one command", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(50), fc.nat(50), (a, b, i, j) => {
        fc.pre(a !== b || i !== j);
        expect(eventIdFor(a, i)).not.toBe(eventIdFor(b, j));
      }),
    );
  });

  it("are the same whether derived one by one or for a whole batch", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 20 }), (commandId, count) => {
        expect(eventIdsFor(commandId, count)).toEqual(
          Array.from({ length: count }, (_, index) => eventIdFor(commandId, index)),
        );
      }),
    );
  });
});
