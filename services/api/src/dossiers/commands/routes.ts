import type { RouteSlice } from "../../app";
import { accept } from "./accept";
import type { CommandRouteDeps } from "./command-route";
import { DOSSIER_COMMAND_ROUTES } from "./dossier-command-routes";
import { importDossier } from "./import";
import { receive } from "./receive";
import { refuseIntake } from "./refuse-intake";
import { submit } from "./submit";

/** Every command route: intake, import, then the officers' commands on a received dossier. */
export function dossierCommandRoutes(deps: CommandRouteDeps): RouteSlice {
  const slices = [
    receive,
    submit,
    accept,
    refuseIntake,
    importDossier,
    ...DOSSIER_COMMAND_ROUTES.map((route) => route.register),
  ].map((register) => register(deps));
  return async (app) => {
    for (const slice of slices) await slice(app, {});
  };
}
