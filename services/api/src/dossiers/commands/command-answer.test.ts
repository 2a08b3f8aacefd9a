import { ResponseSerializationError, serializerCompiler } from "fastify-type-provider-zod";
import { describe, expect, it } from "vitest";
import { commandAnswerSchema, commandAnswerSerializer } from "./command-route";

const zodSerializer = serializerCompiler({ schema: commandAnswerSchema, method: "POST", url: "/dossiers" });
const serialize = commandAnswerSerializer(zodSerializer);

const answer = {
  dossierId: "5f0b6c1e-8d9a-4b7e-9c3d-2a1b0c9d8e7f",
  code: "H19.01-261205-0001",
  status: "received",
  dueAt: "2026-12-12T08:00:00.000+07:00",
  dueAtProvisional: false,
  revision: 1,
  position: 42,
};

describe("a command's answer", () => {
  it("is written exactly as the zod serializer writes it", () => {
    for (const written of [
      answer,
      { ...answer, dueAt: null, dueAtProvisional: true, code: 'mã "lạ"\n' },
      // Keys in another order, and one the schema does not name (left out).
      {
        position: 7,
        revision: 3,
        extra: "x",
        dueAtProvisional: false,
        dueAt: null,
        status: "processing",
        code: "X",
        dossierId: answer.dossierId,
      },
    ]) {
      expect(serialize(written)).toBe(zodSerializer(written));
    }
  });

  it("names every field of the schema, in its order (a field added to the schema must be written too)", () => {
    expect(Object.keys(JSON.parse(serialize(answer)))).toEqual(Object.keys(commandAnswerSchema.shape));
  });

  it("leaves anything not of the schema's types to the zod serializer, which refuses it as before", () => {
    for (const wrong of [
      { ...answer, dossierId: "not-a-uuid" },
      { ...answer, revision: 1.5 },
      { ...answer, dueAt: undefined },
      [answer],
      null,
    ]) {
      expect(() => serialize(wrong)).toThrow(ResponseSerializationError);
      expect(() => zodSerializer(wrong)).toThrow(ResponseSerializationError);
    }
  });
});
