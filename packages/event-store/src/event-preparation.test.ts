import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prepareAppend, sealPersonalData } from "./event-preparation";
import type { JsonObject, NewEvent, PersonalDataField } from "./types";
import { decryptField, findEncryptedFields } from "./vault/field-encryption";

const key = { keyId: "6f1c2b1e-1d3a-4c55-9a0e-2f4b8d7c6e5a", dataKey: randomBytes(32) };
const vault = { keyForSubject: async () => key };

function prepared(data: JsonObject, personal: PersonalDataField) {
  const event: NewEvent = {
    type: "DossierReceived",
    schemaVersion: 1,
    data,
    metadata: {
      commandId: "c1",
      correlationId: "r1",
      causationId: null,
      actor: { id: "a", role: "officer", unitId: null },
      occurredAt: "x",
    },
    personal,
  };
  return prepareAppend(
    "dossier-1",
    [event],
    { expectedRevision: "no_stream", commandId: "c1" },
    {
      knownTypes: null,
      common: {},
      vaultConfigured: true,
    },
  );
}

describe("sealing personal data", () => {
  it("seals the field and every value its paths reach, leaving the caller's data as it was", async () => {
    const data: JsonObject = {
      applicant: { name: "Nguyễn Văn An", idNumber: "019085000001" },
      documents: [{ name: "Tờ khai", digitized: true }, { name: "CCCD", digitized: false }, null],
      terms: { timeLimit: { value: 5, unit: "working_days" } },
      note: null,
    };
    const before = structuredClone(data);
    const [event] = await sealAll(data, {
      subjectId: "s1",
      field: "applicant",
      paths: ["documents.*.name", "note"],
    });

    expect(data).toEqual(before);
    const stored = JSON.parse(event.dataJson) as JsonObject;
    expect(findEncryptedFields(stored).map((sealed) => sealed.path)).toEqual([
      "applicant",
      "documents.0.name",
      "documents.1.name",
    ]);
    expect(stored.terms).toEqual(before.terms);
    expect(stored.note).toBeNull();
    expect(stored.documents).toMatchObject([{ digitized: true }, { digitized: false }, null]);
    for (const { path, envelope } of findEncryptedFields(stored)) {
      const plain = path === "applicant" ? before.applicant : path.endsWith("0.name") ? "Tờ khai" : "CCCD";
      expect(decryptField(key.dataKey, envelope, event.eventId, path)).toEqual(plain);
    }
    expect(event.keyId).toBe(key.keyId);
  });

  it("never gives two sealed values the same IV", async () => {
    const documents = Array.from({ length: 600 }, (_, index) => ({ name: `giấy ${index}` }));
    const [event] = await sealAll({ documents }, { subjectId: "s1", paths: ["documents.*.name"] });
    const ivs = findEncryptedFields(JSON.parse(event.dataJson) as JsonObject).map((s) => s.envelope.iv);
    expect(ivs).toHaveLength(600);
    expect(new Set(ivs).size).toBe(600);
    expect(ivs.every((iv) => Buffer.from(iv, "base64").length === 12)).toBe(true);
  });
});

async function sealAll(data: JsonObject, personal: PersonalDataField) {
  const events = prepared(data, personal);
  await sealPersonalData(events, vault);
  return events as [(typeof events)[number]];
}
