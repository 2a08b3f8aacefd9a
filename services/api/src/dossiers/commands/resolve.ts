import { ResolveDossierSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const resolve = defineCommandRoute<"ResolveDossier">({
  path: "resolve",
  summary: "Resolve: the timeliness class is fixed here",
  data: ResolveDossierSchema.shape.data,
  command: (data) => ({ type: "ResolveDossier", data }),
});
