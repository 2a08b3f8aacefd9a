import { importHistory } from "@motcua/commands";
import { ActionTimeSchema } from "@motcua/domain";
import { z } from "zod";
import { commandAnswerSchema, commandEndpoint } from "./command-route";
import { DOSSIER_COMMAND_ROUTES } from "./dossier-command-routes";
import { receiveBody } from "./receive";

/**
 * The officer who really did an imported action in the earlier system: recorded as the event's actor,
 * with the importing admin as `recordedBy`. An officer's name is not an applicant's personal data.
 */
export const importActorSchema = z
  .object({
    id: z.string().trim().min(1).max(200),
    name: z.string().trim().min(1).max(200),
    unitId: z.string().trim().min(1).max(100),
  })
  .strict()
  .meta({ description: "The officer who did it in the earlier system (id, name, unit)" });

/** An imported action: any officer's command route's body, named by its path, with its moment and officer. */
export const importActionSchema = z.discriminatedUnion("action", [
  ...DOSSIER_COMMAND_ROUTES.map((route) =>
    route.data
      .extend({ action: z.literal(route.path), at: ActionTimeSchema, actor: importActorSchema.optional() })
      .strict(),
  ),
] as unknown as [z.ZodObject, ...z.ZodObject[]]);

const importBody = receiveBody
  .omit({ at: true })
  .extend({
    receivedAt: ActionTimeSchema.meta({
      description: "When it was received: from 2000-01-01, not in the future",
    }),
    actions: z.array(importActionSchema).max(500),
    actor: importActorSchema.optional().meta({
      description: "Who received it; also the actor of the actions that name none (default: the admin)",
    }),
  })
  .strict();

interface ImportActionBody {
  readonly action: string;
  readonly at: string;
  readonly actor?: { readonly id: string; readonly name: string; readonly unitId: string };
}

export const importDossier = commandEndpoint({
  url: "/dossiers/import",
  onDossier: false,
  name: "import",
  roles: ["admin"],
  summary: "Import a dossier's whole history from an earlier system, in one append",
  body: importBody,
  successStatus: 201,
  answer: commandAnswerSchema,
  // The moment of the receipt is part of the history imported, not a backdating of the request.
  at: (body) => body.receivedAt,
  backdates: false,
  fingerprintSubject: (body) => {
    const { actions: _actions, ...receipt } = body;
    return { receipt };
  },
  execute: (deps, { body }, command) => {
    const { actions, ...receipt } = body;
    return importHistory(
      deps,
      receipt,
      actions.map((item) => {
        const action = item as ImportActionBody & Record<string, unknown>;
        const route = DOSSIER_COMMAND_ROUTES.find((r) => r.path === action.action);
        if (route === undefined) throw new Error(`no command route ${action.action}`);
        return { command: route.toCommand(action), at: action.at, actor: action.actor };
      }),
      { ...command, at: undefined },
    );
  },
});
