import { RecordFeePaidSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const feePaid = defineCommandRoute<"RecordFeePaid">({
  path: "fee-paid",
  summary: "Fees paid: the clock resumes",
  data: RecordFeePaidSchema.shape.data,
  command: (data) => ({ type: "RecordFeePaid", data }),
});
