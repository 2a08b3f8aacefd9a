import { IssueApologySchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const apology = defineCommandRoute<"IssueApology">({
  path: "apology",
  summary: "Apology and new appointment (Mẫu 04); the legal due moment does not move",
  data: IssueApologySchema.shape.data,
  command: (data) => ({ type: "IssueApology", data }),
});
