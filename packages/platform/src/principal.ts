import { z } from "zod";

/** `portal`: the national or provincial portal's connector, which submits online dossiers. */
export const roles = ["officer", "auditor", "analyst", "admin", "portal"] as const;
export type Role = (typeof roles)[number];

/** Who is calling, as the verified token says. */
export interface Principal {
  readonly sub: string;
  readonly name: string;
  readonly role: Role;
  /** Always present for officers; others may carry one. */
  readonly unitId: string | undefined;
}

/**
 * The claims a motcua token must carry. `unitId` is required for officers: an officer's permissions are
 * those of the unit holding the dossier.
 */
export const principalClaimsSchema = z
  .object({
    sub: z.string().min(1, "must be a non-empty string"),
    name: z.string().min(1).optional(),
    role: z.enum(roles, { error: `must be one of ${roles.join(", ")}` }),
    unitId: z.string().min(1, "must be a non-empty string").optional(),
  })
  .refine((claims) => claims.role !== "officer" || claims.unitId !== undefined, {
    message: "is required for officers",
    path: ["unitId"],
  });

export const isRole = (value: unknown): value is Role => roles.includes(value as Role);
