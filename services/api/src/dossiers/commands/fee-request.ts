import { RequestFeeSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const feeRequest = defineCommandRoute<"RequestFee">({
  path: "fee-request",
  summary: "Request fees: the clock stops until payment",
  data: RequestFeeSchema.shape.data,
  command: (data) => ({ type: "RequestFee", data }),
});
