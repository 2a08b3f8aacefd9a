import type { DossierService } from "@motcua/commands";
import type { EventStore } from "@motcua/event-store";
import type { ReferenceDatabase } from "@motcua/reference-data";
import type { Kysely } from "kysely";
import type { ReadModelAccess } from "../../read-model-access";

/** What the dossier reads need: the read models, the reference data, and the log for what they lack. */
export interface DossierReadDeps {
  readonly access: ReadModelAccess;
  readonly db: Kysely<ReferenceDatabase>;
  readonly service: DossierService;
  readonly store: EventStore;
  readonly now: () => Date;
  /** Keys the rating codes officers print on form 01 (`ratingCodeOf`). */
  readonly ratingCodeSecret?: Buffer;
}
