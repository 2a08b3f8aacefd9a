import { receiveDossier } from "@motcua/commands";
import { ApplicantSchema, ChannelSchema, DocumentSchema } from "@motcua/domain";
import { z } from "zod";
import { at, commandAnswerSchema, commandEndpoint } from "./command-route";

export const receiveBody = z
  .object({
    dossierId: z.uuid().optional(),
    procedureId: z.string().trim().min(1).max(100),
    unitId: z.string().trim().min(1).max(100),
    channel: ChannelSchema,
    applicant: ApplicantSchema,
    documents: z.array(DocumentSchema).max(200).optional(),
    at,
  })
  .strict();

export const receive = commandEndpoint({
  url: "/dossiers",
  onDossier: false,
  name: "receive",
  roles: ["officer", "admin"],
  summary: "Receive a dossier (counter, online, post): issues its code and appointment, starts the clock",
  body: receiveBody,
  successStatus: 201,
  answer: commandAnswerSchema,
  at: (body) => body.at,
  backdates: true,
  fingerprintSubject: (body) => ({ receipt: body }),
  execute: (deps, { body }, command) => receiveDossier(deps, body, command),
});
