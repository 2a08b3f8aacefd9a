import { InvalidSchemaNameError } from "./errors";

const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Schema names reach DDL and `withSchema`: only plain identifiers pass. */
export function assertSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name) || name === "rm_meta" || name.startsWith("pg_")) {
    throw new InvalidSchemaNameError(name);
  }
  return name;
}

/** The schema of projection version N, e.g. `rm_v3`. */
export const readModelSchemaName = (version: number): string => {
  if (!Number.isInteger(version) || version < 1) throw new InvalidSchemaNameError(`rm_v${version}`);
  return `rm_v${version}`;
};
