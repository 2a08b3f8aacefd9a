import { ReceiveSupplementSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const supplementReceived = defineCommandRoute<"ReceiveSupplement">({
  path: "supplement-received",
  summary: "The supplement arrived: the clock restarts or resumes per the procedure",
  data: ReceiveSupplementSchema.shape.data,
  command: (data) => ({ type: "ReceiveSupplement", data }),
});
