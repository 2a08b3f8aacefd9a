import { ReturnResultSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const returnResult = defineCommandRoute<"ReturnResult">({
  path: "return",
  summary: "Return the result to the applicant",
  data: ReturnResultSchema.shape.data,
  command: (data) => ({ type: "ReturnResult", data }),
});
