import { StopDossierSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const stop = defineCommandRoute<"StopDossier">({
  path: "stop",
  summary: "Stop processing (not eligible), with written reasons",
  data: StopDossierSchema.shape.data,
  command: (data) => ({ type: "StopDossier", data }),
});
