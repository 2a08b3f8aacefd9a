import { refuseIntake as refuseSubmission } from "@motcua/commands";
import { ReasonSchema } from "@motcua/domain";
import { z } from "zod";
import { at, commandEndpoint, intakeAnswerSchema } from "./command-route";

export const refuseIntake = commandEndpoint({
  url: "refuse-intake",
  onDossier: true,
  name: "refuse-intake",
  roles: ["officer", "admin"],
  summary: "Refuse an online submission at intake (Mẫu 03), with the reason: outside every report",
  body: z.object({ reason: ReasonSchema, at }).strict(),
  successStatus: 200,
  answer: intakeAnswerSchema,
  at: (body) => body.at,
  backdates: true,
  fingerprintSubject: (_body, dossierId) => ({ dossierId }),
  execute: (deps, { body, dossierId }, command) => refuseSubmission(deps, dossierId, body.reason, command),
});
