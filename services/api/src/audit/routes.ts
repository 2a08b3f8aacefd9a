import { asReceived, type DossierService, mayReadDossier, toDomainEvent } from "@motcua/commands";
import {
  evolve,
  IsoDateTimeSchema,
  initialState,
  isDueAtProvisional,
  overdueStanding,
  parseInstant,
  type ReceivedDossier,
} from "@motcua/domain";
import type { EventActor, EventStore, RecordedEvent } from "@motcua/event-store";
import type { Principal } from "@motcua/platform";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { AppError, problemResponse } from "../problem";
import { answerAtPosition } from "../read-model-access";

/** The dossier as API.md shapes it. */
export const dossierViewSchema = z.object({
  dossierId: z.string(),
  code: z.string(),
  procedureId: z.string(),
  procedureVersion: z.number().int(),
  field: z.string(),
  status: z.string(),
  receivingUnitId: z.string(),
  currentUnitId: z.string(),
  channel: z.string(),
  receivedAt: z.string(),
  dueAt: z.string().nullable(),
  dueAtProvisional: z.boolean().meta({
    description:
      "true when dueAt falls in a year whose official calendar notice is not loaded: counted on the Labour Code's fixed solar holidays only, so it may still move (provisional)",
  }),
  promisedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  returnedAt: z.string().nullable(),
  timeliness: z.enum(["early", "on_time", "late"]).nullable(),
  overdue: z.boolean(),
  supplementRequests: z.number().int(),
  revision: z.number().int(),
  position: z.number().int(),
  ratingCode: z.string().optional().meta({
    description:
      "Officers and admins only: the code the applicant rates the dossier with, printed on form 01 (never in public reads)",
  }),
});

export function dossierView(
  state: ReceivedDossier,
  revision: number,
  position: number,
  now: number,
  yearsWithNotice: ReadonlySet<number>,
) {
  return {
    dossierId: state.dossierId,
    code: state.code,
    procedureId: state.terms.procedureId,
    procedureVersion: state.terms.procedureVersion,
    field: state.terms.field,
    status: state.status,
    receivingUnitId: state.receivingUnitId,
    currentUnitId: state.currentUnitId,
    channel: state.channel,
    receivedAt: state.receivedAt,
    dueAt: state.dueAt,
    dueAtProvisional: isDueAtProvisional(yearsWithNotice, state.dueAt),
    promisedAt: state.promisedAt,
    resolvedAt: state.resolvedAt,
    returnedAt: state.returnedAt,
    timeliness: state.timeliness,
    overdue: overdueStanding(state, now) !== null,
    supplementRequests: state.supplementRequests,
    revision,
    position,
  };
}

/**
 * Who may read a dossier: auditors and admins always; an officer when their unit holds it or held it
 * before; analysts never (they get aggregates only).
 */
export async function assertMayRead(
  principal: Principal,
  dossier: { readonly unitsHeld: readonly string[] },
  deps: { readonly service: DossierService; readonly now: () => Date },
): Promise<void> {
  if (await mayReadDossier(principal, dossier.unitsHeld, deps.service.reference, deps.now().toISOString()))
    return;
  throw new AppError(
    403,
    "dossier.not_readable",
    "Only units that have held this dossier (or took over one that did), auditors and admins may read it",
  );
}

const params = z.object({ id: z.uuid() });

/** Who did it: the token's subject, name (when recorded), role and unit, with the unit's name. */
const historyActorSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  role: z.string(),
  unitId: z.string().nullable(),
  unitName: z.string().optional(),
});

/** Every unit id an event names: its actors' units and the units in its data. */
function unitIdsNamedBy(e: RecordedEvent): string[] {
  const ids = [e.metadata.actor.unitId, (e.metadata.recordedBy as EventActor | undefined)?.unitId];
  for (const key of ["unitId", "fromUnitId", "toUnitId", "holdingUnitId"]) ids.push(e.data[key] as string);
  return ids.filter((id): id is string => typeof id === "string");
}
const readErrors = {
  401: problemResponse("No or bad token"),
  403: problemResponse("Not allowed for this caller"),
  404: problemResponse("No such dossier"),
};

export function auditRoutes(deps: {
  service: DossierService;
  store: EventStore;
  now: () => Date;
  /** Serve `GET /dossiers/{id}` by replaying the stream (when no read model serves it). */
  replayDossierReads?: boolean;
}): RouteSlice {
  const { service, store } = deps;
  const loadReadable = async (principal: Principal, id: string) => {
    const loaded = await service.load(id);
    const dossier = asReceived(loaded.state);
    if (!dossier) throw new AppError(404, "dossier.not_found", "There is no such dossier");
    await assertMayRead(principal, dossier, deps);
    return { ...loaded, dossier };
  };

  return async (app) => {
    if (deps.replayDossierReads) {
      app.get(
        "/dossiers/:id",
        {
          onRequest: requireRole("officer", "auditor", "admin"),
          schema: {
            tags: ["dossiers"],
            summary: "A dossier's current state (replayed from the event store)",
            params,
            response: { 200: dossierViewSchema, ...readErrors },
          },
        },
        async (request, reply) => {
          const { dossier, revision, position } = await loadReadable(principalOf(request), request.params.id);
          return answerAtPosition(
            reply,
            position,
            dossierView(dossier, revision, position, deps.now().getTime(), await service.yearsWithNotice()),
          );
        },
      );
    }

    app.get(
      "/dossiers/:id/history",
      {
        onRequest: requireRole("officer", "auditor", "admin"),
        schema: {
          tags: ["audit"],
          summary:
            "The dossier's full history, straight from the event store (the process-control slip, Mẫu 05)",
          params,
          response: {
            200: z.object({
              dossierId: z.string(),
              events: z.array(
                z.object({
                  position: z.number().int(),
                  revision: z.number().int(),
                  type: z.string(),
                  schemaVersion: z.number().int(),
                  data: z.record(z.string(), z.unknown()),
                  occurredAt: z.string(),
                  recordedAt: z.string(),
                  actor: historyActorSchema,
                  recordedBy: historyActorSchema.optional().meta({
                    description: "Who recorded an imported action done by someone else (the importing admin)",
                  }),
                  commandId: z.string(),
                  hash: z.string(),
                  prevHash: z.string().nullable(),
                }),
              ),
              unitNames: z.record(z.string(), z.string()).meta({
                description: "The name of every unit the history names (actors' units and those in the data)",
              }),
              position: z.number().int(),
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const { events, position } = await loadReadable(principalOf(request), request.params.id);
        const names = await service.unitNames(events.flatMap(unitIdsNamedBy));
        const withUnitName = (actor: EventActor | undefined) =>
          actor === undefined
            ? undefined
            : {
                ...actor,
                ...(actor.unitId !== null && names.has(actor.unitId)
                  ? { unitName: names.get(actor.unitId) }
                  : {}),
              };
        return answerAtPosition(reply, position, {
          dossierId: request.params.id,
          unitNames: Object.fromEntries(names),
          events: events.map((e) => ({
            position: e.position,
            revision: e.revision,
            type: e.type,
            schemaVersion: e.schemaVersion,
            data: e.data,
            occurredAt: e.metadata.occurredAt,
            recordedAt: e.metadata.recordedAt,
            actor: withUnitName(e.metadata.actor) as EventActor,
            ...(e.metadata.recordedBy
              ? { recordedBy: withUnitName(e.metadata.recordedBy as EventActor) }
              : {}),
            commandId: e.metadata.commandId,
            hash: e.hash,
            prevHash: e.prevHash,
          })),
        });
      },
    );

    app.get(
      "/dossiers/:id/state",
      {
        onRequest: requireRole("officer", "auditor", "admin"),
        schema: {
          tags: ["audit"],
          summary: "The dossier as it stood at an instant, replayed from its events",
          params,
          querystring: z.object({ at: IsoDateTimeSchema }),
          response: {
            200: dossierViewSchema
              .extend({ asOf: z.string(), exists: z.boolean() })
              .partial({ code: true })
              .passthrough(),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const { events } = await loadReadable(principalOf(request), request.params.id);
        const asOf = parseInstant(request.query.at);
        const upTo = events.filter((e) => parseInstant(e.metadata.occurredAt) <= asOf);
        const state = asReceived(upTo.map(toDomainEvent).reduce(evolve, initialState()));
        const last = upTo.at(-1);
        if (!state || !last) {
          throw new AppError(
            404,
            "dossier.not_yet_received",
            "The dossier had not been received at that instant",
          );
        }
        return answerAtPosition(reply, last.position, {
          ...dossierView(state, last.revision, last.position, asOf, await service.yearsWithNotice()),
          asOf: request.query.at,
          exists: true,
        });
      },
    );

    app.get(
      "/dossiers/:id/verify",
      {
        onRequest: requireRole("officer", "auditor", "admin"),
        schema: {
          tags: ["audit"],
          summary: "Recompute the dossier's hash chain: valid, or the first broken revision",
          params,
          response: {
            200: z.object({
              valid: z.boolean(),
              events: z.number().int(),
              brokenAt: z.number().int().optional(),
            }),
            ...readErrors,
          },
        },
      },
      async (request) => {
        await loadReadable(principalOf(request), request.params.id).catch(async (error: unknown) => {
          // A tampered stream may no longer replay; auditors still get the verification.
          if (error instanceof AppError || principalOf(request).role === "officer") throw error;
        });
        const result = await store.verifyStream(`dossier-${request.params.id}`);
        if (result.events === 0) throw new AppError(404, "dossier.not_found", "There is no such dossier");
        return result;
      },
    );
  };
}
