import { apology } from "./apology";
import type { DossierCommandRoute } from "./command-route";
import { electronicResult } from "./electronic-result";
import { feePaid } from "./fee-paid";
import { feeRequest } from "./fee-request";
import { forward } from "./forward";
import { nationalPortalSync } from "./national-portal-sync";
import { resolve } from "./resolve";
import { returnResult } from "./return";
import { stop } from "./stop";
import { supplementMissed } from "./supplement-missed";
import { supplementReceived } from "./supplement-received";
import { supplementRequest } from "./supplement-request";
import { transfer } from "./transfer";
import { withdraw } from "./withdraw";

/** The officers' commands on a received dossier, in the order API.md lists them (and imports accept). */
export const DOSSIER_COMMAND_ROUTES: readonly DossierCommandRoute[] = [
  transfer,
  forward,
  supplementRequest,
  supplementReceived,
  supplementMissed,
  feeRequest,
  feePaid,
  apology,
  resolve,
  returnResult,
  withdraw,
  stop,
  electronicResult,
  nationalPortalSync,
];
