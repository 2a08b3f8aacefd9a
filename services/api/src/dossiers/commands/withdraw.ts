import { WithdrawDossierSchema } from "@motcua/domain";
import { defineCommandRoute } from "./command-route";

export const withdraw = defineCommandRoute<"WithdrawDossier">({
  path: "withdraw",
  summary: "Withdraw at the applicant's request",
  data: WithdrawDossierSchema.shape.data,
  command: (data) => ({ type: "WithdrawDossier", data }),
});
