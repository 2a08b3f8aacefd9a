import { ForwardDossierSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const forward = defineCommandRoute<"ForwardDossier">({
  path: "forward",
  summary: "Forward to the competent body or the next step (received → processing)",
  data: ForwardDossierSchema.shape.data,
  command: (data) => ({ type: "ForwardDossier", data }),
});
