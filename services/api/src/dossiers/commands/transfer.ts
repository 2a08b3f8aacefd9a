import { TransferDossierSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const transfer = defineCommandRoute<"TransferDossier">({
  path: "transfer",
  summary: "Hand over to another level or agency (liên thông); the overall due moment stays",
  data: TransferDossierSchema.shape.data,
  command: (data) => ({ type: "TransferDossier", data }),
});
