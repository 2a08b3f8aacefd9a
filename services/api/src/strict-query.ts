import type { RouteOptions } from "fastify";
import { z } from "zod";

/**
 * API.md: an unknown query parameter on any read is 400, naming it — a misspelt filter (`?staus=`) must
 * not be silently ignored and answer a list the caller did not ask for. Applied to every JSON read (a
 * GET route with a response schema) as it is added, so a new read cannot forget it: its querystring
 * schema becomes `.strict()`, and a read without one takes no parameters at all. Pages and static
 * files (no response schema, or hidden) keep accepting whatever a browser or a QR code appends.
 */
export function strictQueryString(route: RouteOptions): void {
  if (![route.method].flat().includes("GET")) return;
  const schema = route.schema as (Record<string, unknown> & { hide?: boolean }) | undefined;
  if (!schema || schema.hide === true || schema.response === undefined) return;
  const query = schema.querystring;
  if (query === undefined) schema.querystring = z.object({}).strict();
  else if (query instanceof z.ZodObject) schema.querystring = query.strict();
}
