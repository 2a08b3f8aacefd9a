import { submitDossier } from "@motcua/commands";
import { commandEndpoint, intakeAnswerSchema } from "./command-route";
import { receiveBody } from "./receive";

const submissionBody = receiveBody.omit({ channel: true }).strict();

export const submit = commandEndpoint({
  url: "/submissions",
  onDossier: false,
  name: "submit",
  roles: ["officer", "portal", "admin"],
  summary:
    "Submit a dossier online (the portal's connector, or an officer of the unit): no code, no clock until accepted",
  body: submissionBody,
  successStatus: 201,
  answer: intakeAnswerSchema,
  at: (body) => body.at,
  backdates: true,
  fingerprintSubject: (body) => ({ receipt: body }),
  execute: (deps, { body }, command) => submitDossier(deps, body, command),
});
