import type { RouteSlice } from "../app";
import { delaysRoute } from "./delays";
import { exportRoutes } from "./exports/routes";
import { indicatorsRoute } from "./indicators";
import { liveRoute } from "./live";
import { monthlyRoute } from "./monthly";
import { overdueRoute } from "./overdue";
import type { ReportDeps } from "./period-report";
import { report06aRoute } from "./report-06a";

/** The analysts' reports, each in its own module: aggregates and lists with nothing personal. */
export function reportRoutes(deps: ReportDeps): RouteSlice[] {
  return [
    report06aRoute(deps),
    indicatorsRoute(deps),
    delaysRoute(deps),
    overdueRoute(deps),
    liveRoute(deps),
    monthlyRoute(deps),
    exportRoutes(deps),
  ];
}
