import { InvalidEventError } from "./errors";
import type { EventMetadata, JsonObject } from "./types";

/** Turns `type` data at `fromVersion` into the shape of `fromVersion + 1`. Pure; must not mutate its input. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: JsonObject, metadata: EventMetadata): JsonObject;
}

export type UpcastEvent = (event: {
  type: string;
  schemaVersion: number;
  data: JsonObject;
  metadata: EventMetadata;
}) => {
  schemaVersion: number;
  data: JsonObject;
};

/**
 * Chains registered upcasters so a stored event reads in its current shape: v1 → v2 → … until no upcaster
 * is registered for the version reached. Stored rows are never rewritten.
 */
export function createUpcastChain(upcasters: readonly Upcaster[] = []): UpcastEvent {
  const byTypeAndVersion = new Map<string, Upcaster>();
  for (const upcaster of upcasters) {
    if (!Number.isInteger(upcaster.fromVersion) || upcaster.fromVersion < 1) {
      throw new InvalidEventError(`Upcaster for ${upcaster.type} has an invalid fromVersion`);
    }
    const key = `${upcaster.type}@${upcaster.fromVersion}`;
    if (byTypeAndVersion.has(key)) throw new InvalidEventError(`Two upcasters for ${key}`);
    byTypeAndVersion.set(key, upcaster);
  }
  if (byTypeAndVersion.size === 0) return ({ schemaVersion, data }) => ({ schemaVersion, data });
  return ({ type, schemaVersion, data, metadata }) => {
    let version = schemaVersion;
    let current = data;
    for (let upcaster = byTypeAndVersion.get(`${type}@${version}`); upcaster; ) {
      current = upcaster.upcast(current, metadata);
      version += 1;
      upcaster = byTypeAndVersion.get(`${type}@${version}`);
    }
    return { schemaVersion: version, data: current };
  };
}
