import { acceptSubmission } from "@motcua/commands";
import { z } from "zod";
import { at, commandAnswerSchema, commandEndpoint } from "./command-route";

export const accept = commandEndpoint({
  url: "accept",
  onDossier: true,
  name: "accept",
  roles: ["officer", "admin"],
  summary: "Accept an online submission (tiếp nhận): issues its code and appointment, starts the clock",
  body: z.object({ at }).strict().optional(),
  successStatus: 200,
  answer: commandAnswerSchema,
  at: (body) => body?.at,
  backdates: true,
  fingerprintSubject: (_body, dossierId) => ({ dossierId }),
  execute: (deps, { dossierId }, command) => acceptSubmission(deps, dossierId, command),
});
