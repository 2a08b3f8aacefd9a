import type { RouteSlice } from "../../app";
import type { DossierReadDeps } from "./deps";
import { dossierRoute } from "./dossier";
import { processStepsRoute } from "./process-steps";
import { publicLookupRoute } from "./public-lookup";
import { worklistRoute } from "./worklist";

/** Every read of one dossier or a list of them, each use case in its own module. */
export function dossierReadRoutes(deps: DossierReadDeps): RouteSlice[] {
  return [dossierRoute(deps), worklistRoute(deps), processStepsRoute(deps), publicLookupRoute(deps)];
}
