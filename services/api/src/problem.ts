import { z } from "zod";

export {
  AppError,
  type AppErrorOptions,
  type FieldError,
  isAppError,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  problemType,
  statusTitle,
} from "@motcua/platform";

import { PROBLEM_CONTENT_TYPE } from "@motcua/platform";

/** The problem body as a zod schema, for the `response` of routes and the OpenAPI document. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: "Stable machine-readable reason, e.g. dossier.already_resolved" }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .meta({ description: "application/problem+json (RFC 9457)" });

/** A route's `response` entry for a problem status, with the problem+json content type. */
export const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
});
