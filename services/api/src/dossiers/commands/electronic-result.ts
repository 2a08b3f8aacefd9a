import { IssueElectronicResultSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const electronicResult = defineCommandRoute<"IssueElectronicResult">({
  path: "electronic-result",
  summary: "Record that the approved result was issued electronically (Decision 766, 4.1); once",
  data: IssueElectronicResultSchema.shape.data,
  command: (data) => ({ type: "IssueElectronicResult", data }),
});
