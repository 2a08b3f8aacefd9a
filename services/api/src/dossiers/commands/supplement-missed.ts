import { CloseMissedSupplementSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const supplementMissed = defineCommandRoute<"CloseMissedSupplement">({
  path: "supplement-missed",
  summary: "The applicant missed the supplement window: processing stops",
  data: CloseMissedSupplementSchema.shape.data,
  command: (data) => ({ type: "CloseMissedSupplement", data }),
});
