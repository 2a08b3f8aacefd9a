import { RecordNationalPortalSyncSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const nationalPortalSync = defineCommandRoute<"RecordNationalPortalSync">({
  path: "national-portal-sync",
  summary:
    "Record the dossier's synchronisation with the national public-service portal (Decision 766, 1.4); once",
  data: RecordNationalPortalSyncSchema.shape.data,
  command: (data) => ({ type: "RecordNationalPortalSync", data }),
});
