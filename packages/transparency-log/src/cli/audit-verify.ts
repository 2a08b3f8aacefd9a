import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type EvidenceBundle, verifyEvidenceBundle } from "../evidence";
import { type SignedTreeHead, verifyTreeHeadSignature } from "../signed-head";

/**
 * `pnpm audit:verify <bundle.json> [--public-key key.pem] [--database <url> --head <signed-head.json>]`
 *
 * Offline by default (node:crypto only): checks an evidence bundle's signature, event hashes, hash chain
 * and inclusion proofs. With --database and --head it also re-derives the log's tree from the database and
 * says whether anything up to that saved head was altered, removed or re-ordered, naming the first leaf.
 * Exit code 0 when everything holds, 1 when something does not, 2 for a usage error.
 */
const usage =
  "usage: pnpm audit:verify [<bundle.json>] [--public-key <key.pem>] [--database <url> --head <signed-head.json>]";

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`${what} ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "public-key": { type: "string" },
      database: { type: "string" },
      head: { type: "string" },
      "event-store-schema": { type: "string" },
    },
  });
  const bundlePath = positionals[0];
  if (bundlePath === undefined && values.database === undefined) throw new UsageError(usage);
  if ((values.database === undefined) !== (values.head === undefined)) {
    throw new UsageError("--database and --head go together");
  }
  const trustedKey =
    values["public-key"] === undefined ? undefined : readFileSync(values["public-key"], "utf8");
  let ok = true;
  let bundle: EvidenceBundle | undefined;

  if (bundlePath !== undefined) {
    bundle = readJson(bundlePath, "bundle") as EvidenceBundle;
    const verdict = verifyEvidenceBundle(bundle, trustedKey);
    if (verdict.valid) {
      console.log(
        `bundle OK: ${verdict.checked.events} events of dossier ${bundle.dossierId} are in the tree of size ${verdict.checked.treeSize} signed at ${bundle.signedHead.checkpoint.at} by key ${bundle.signedHead.keyId}; ${verdict.checked.recomputedHashes} event hashes recomputed from their stored content`,
      );
    } else {
      ok = false;
      const f = verdict.failure;
      console.log(
        `bundle FAILED (${f?.reason}): ${f?.detail}${f?.leafIndex === undefined ? "" : ` [leaf ${f.leafIndex}, position ${f.position}]`}`,
      );
    }
  }

  if (values.database !== undefined && values.head !== undefined) {
    const head = readJson(values.head, "head") as SignedTreeHead;
    const key = trustedKey ?? bundle?.publicKey.publicKeyPem;
    if (key === undefined)
      throw new UsageError("--head needs --public-key (or a bundle that carries the key)");
    if (!verifyTreeHeadSignature(head, key)) {
      console.log(
        "head REFUSED: its signature does not hold under the public key (it is not the head that was signed)",
      );
      return 1;
    }
    const { default: pg } = await import("pg");
    const { rederiveAgainstHead } = await import("../rederive");
    const client = new pg.Client({ connectionString: values.database });
    await client.connect();
    try {
      const verdict = await rederiveAgainstHead(client, head, {
        ...(values["event-store-schema"] ? { eventStoreSchema: values["event-store-schema"] } : {}),
      });
      if (verdict.valid) {
        console.log(
          `log OK: the ${head.checkpoint.treeSize} events up to position ${head.checkpoint.position} re-derive the signed root ${head.checkpoint.rootHash}`,
        );
      } else {
        ok = false;
        const f = verdict.failure;
        console.log(
          `log DIFFERS (${f?.reason}): ${f?.detail}${f?.leafIndex === undefined ? "" : `\nfirst differing leaf: ${f.leafIndex}${f.position === undefined ? "" : ` (position ${f.position}, ${f.streamId} revision ${f.revision})`}`}`,
        );
      }
    } finally {
      await client.end();
    }
  }
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : error);
    process.exit(2);
  },
);
