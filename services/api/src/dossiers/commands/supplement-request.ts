import { RequestSupplementSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const supplementRequest = defineCommandRoute<"RequestSupplement">({
  path: "supplement-request",
  summary: "Request a supplement (Mẫu 02): the clock stops",
  data: RequestSupplementSchema.shape.data,
  command: (data) => ({ type: "RequestSupplement", data }),
});
