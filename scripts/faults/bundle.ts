import { readFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The workspace's TypeScript bundled into one file; every npm dependency stays an import of its own
 * installed files (by absolute path, so it resolves wherever the bundle lies). A process then starts in
 * well under a second instead of transpiling hundreds of files through tsx, which on a busy 2-core
 * machine took a minute and would swamp the recovery times measured after a kill.
 */
const dependenciesStayInstalled: Plugin = {
  name: "dependencies-stay-installed",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith("@motcua/") || args.pluginData === "resolving") return undefined;
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      const resolved = await pluginBuild.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: "resolving",
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, external: true };
    });
  },
};

/** A module that finds files beside itself (the dashboard's static files) keeps finding them there. */
const importMetaUrlStaysTheSource: Plugin = {
  name: "import-meta-url-stays-the-source",
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      return {
        contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
        loader: "ts",
      };
    });
  },
};

/** Bundles `entry` (relative to the repository) into `outfile`; answers the outfile. */
export async function bundleEntry(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [`${root}${entry}`],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [dependenciesStayInstalled, importMetaUrlStaysTheSource],
    logLevel: "warning",
  });
  return outfile;
}
