const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

/** Schema names are spliced into SQL, so only plain lower-case identifiers are accepted. */
export function assertSchemaName(schema: string): void {
  if (!IDENTIFIER.test(schema)) throw new Error(`Invalid event store schema name ${JSON.stringify(schema)}`);
}
