import { getUnit, type ReferenceDb } from "@motcua/reference-data";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { App, RouteSlice } from "../../app";
import { requireRole } from "../../plugins/auth";
import { AppError, problemResponse } from "../../problem";
import { minPositionQuery, READ_POSITION_HEADER } from "../../read-model-access";
import { periodQuery } from "../period-report";
import { form06a, type Report06aAnswer } from "./form-06a";
import { form766Indicators, form766Rankings, type Ranking766Answer, type Score766Answer } from "./form-766";
import {
  contentDisposition,
  csvOf,
  EXPORT_CONTENT_TYPES,
  type ExportFormat,
  type FormSheet,
  fileSafe,
  workbookOf,
} from "./sheet";

export interface ExportDeps {
  readonly db: ReferenceDb;
}

const formatQuery = z
  .enum(["xlsx", "csv"])
  .default("xlsx")
  .meta({ description: "`xlsx` (an Excel workbook) or `csv` (UTF-8 with a byte-order mark, CRLF)" });

const fileResponses = (what: string) => ({
  200: {
    description: `${what}, as an attachment (Content-Disposition)`,
    content: {
      [EXPORT_CONTENT_TYPES.xlsx]: { schema: z.string().meta({ format: "binary" }) },
      "text/csv": { schema: z.string() },
    },
  },
  400: problemResponse("Invalid query, naming the parameter and the rule"),
  401: problemResponse("No or bad token"),
  403: problemResponse("Not allowed for this caller"),
  404: problemResponse("Unknown"),
  503: problemResponse(
    "The read models have not reached `minPosition` in 5 s, or the figures cannot be read",
  ),
});

/** The query string as the client sent it, less the export's own parameters. */
function forwardedQuery(request: FastifyRequest, own: readonly string[]): URLSearchParams {
  const params = new URLSearchParams(request.url.split("?")[1] ?? "");
  for (const name of own) params.delete(name);
  return params;
}

/**
 * Reads a report's JSON through the API itself, as the caller: the export prints exactly the figures the
 * JSON answers, under the same authorization, validation and `minPosition`. A refusal is the caller's
 * answer, passed on unchanged.
 */
async function readAsCaller<T>(
  app: App,
  request: FastifyRequest,
  path: string,
  params: URLSearchParams,
): Promise<{ ok: true; body: T } | { ok: false; status: number; contentType: string; body: string }> {
  const answer = await app.inject({
    method: "GET",
    url: `${path}?${params}`,
    headers: {
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      "x-request-id": request.id,
    },
  });
  if (answer.statusCode === 200) return { ok: true, body: answer.json() as T };
  return {
    ok: false,
    status: answer.statusCode,
    contentType: String(answer.headers["content-type"] ?? "application/problem+json"),
    body: answer.body,
  };
}

function passOn(reply: FastifyReply, refusal: { status: number; contentType: string; body: string }) {
  return reply.code(refusal.status).header("content-type", refusal.contentType).send(refusal.body);
}

async function sendFile(
  reply: FastifyReply,
  format: ExportFormat,
  sheets: FormSheet[],
  baseName: string,
  position: number,
) {
  const body = format === "xlsx" ? await workbookOf(sheets) : await csvOf(sheets[0] as FormSheet);
  const name = `${baseName}.${format}`;
  return reply
    .header("content-type", EXPORT_CONTENT_TYPES[format])
    .header("content-disposition", contentDisposition(fileSafe(name), name))
    .header(READ_POSITION_HEADER, String(position))
    .send(body);
}

async function unitNamed(db: ReferenceDb, unitId: string) {
  const unit = await getUnit(db, unitId);
  return unit ?? { unitId, name: unitId, code: unitId, parentId: null };
}

/**
 * `GET /reports/06a/export` and `GET /indicators/766/export`: the 06a (Biểu II.06a/VPCP/KSTT) and the
 * unit's 766 table (with the ranking of the units under it) as Excel workbooks or CSV, in the forms'
 * layout, each cell the figure the JSON report answers.
 */
export function exportRoutes(deps: ExportDeps): RouteSlice {
  return async (app) => {
    app.get(
      "/reports/06a/export",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Biểu II.06a as a file: the form's heading rows, Vietnamese column titles (1)–(13), one row per field and the total",
          querystring: periodQuery.extend({ format: formatQuery }),
          response: fileResponses("The 06a report"),
        },
      },
      async (request, reply) => {
        const q = request.query;
        const read = await readAsCaller<Report06aAnswer>(
          app as unknown as App,
          request,
          "/reports/06a",
          forwardedQuery(request, ["format"]),
        );
        if (!read.ok) return passOn(reply, read);
        const unit = await unitNamed(deps.db, q.unitId);
        const parent = unit.parentId ? await getUnit(deps.db, unit.parentId) : null;
        const sheet = form06a(read.body, unit, parent?.name ?? null);
        return sendFile(
          reply,
          q.format,
          [sheet],
          `bao-cao-06a_${unit.code}_${read.body.from}_${read.body.to}`,
          read.body.position,
        );
      },
    );

    app.get(
      "/indicators/766/export",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "The Decision 766 table as a file: the unit's groups and sub-indicators with the total, and (workbook) the ranking of the units under it",
          querystring: minPositionQuery.extend({
            unitId: z.string().trim().min(1).max(100),
            period: z.enum(["month", "quarter", "year"]),
            date: z.string().meta({ description: "A day of the period (YYYY-MM-DD)" }),
            includeSubunits: periodQuery.shape.includeSubunits,
            format: formatQuery,
            sheet: z.enum(["indicators", "rankings"]).default("indicators").meta({
              description:
                "CSV holds one table: `indicators` (the unit's 766 table) or `rankings` (the units under it); a workbook holds both",
            }),
          }),
          response: fileResponses("The 766 table"),
        },
      },
      async (request, reply) => {
        const q = request.query;
        if (!app.hasRoute({ method: "GET", url: "/indicators/766" })) {
          throw new AppError(503, "indicators766.unavailable", "The 766 scores are not served by this API");
        }
        const read = await readAsCaller<Score766Answer>(
          app as unknown as App,
          request,
          "/indicators/766",
          forwardedQuery(request, ["format", "sheet"]),
        );
        if (!read.ok) return passOn(reply, read);
        const unit = await unitNamed(deps.db, q.unitId);
        const sheets: FormSheet[] = [form766Indicators(read.body, unit)];
        let position = read.body.position;
        if (q.format === "xlsx" || q.sheet === "rankings") {
          const params = new URLSearchParams({
            parentId: q.unitId,
            period: q.period,
            date: q.date,
            by: "total",
          });
          if (q.minPosition !== undefined) params.set("minPosition", String(q.minPosition));
          const ranking = await readAsCaller<Ranking766Answer>(
            app as unknown as App,
            request,
            "/rankings/766",
            params,
          );
          if (!ranking.ok) return passOn(reply, ranking);
          position = Math.max(position, ranking.body.position);
          const rankingSheet = form766Rankings(ranking.body, read.body, unit);
          if (q.sheet === "rankings" && q.format === "csv") sheets.splice(0, 1, rankingSheet);
          else sheets.push(rankingSheet);
        }
        return sendFile(
          reply,
          q.format,
          sheets,
          `chi-so-766_${unit.code}_${q.period}_${read.body.from}_${read.body.to}`,
          position,
        );
      },
    );
  };
}
