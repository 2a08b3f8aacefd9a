import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventIdFor, eventIdsFor } from "./event-id";

describe("Event ids", () => {
  it("are version-5 UUIDs derived from the command id and the event's index", () => {
    const id = eventIdFor("cmd-1", 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdFor("cmd-1", 0)).toBe(id);
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
