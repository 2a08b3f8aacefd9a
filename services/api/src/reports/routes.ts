import type { RouteSlice } from "../app";
import { delaysRoute } from "./delays";
import { exportRoutes } from "./exports/routes";
import { indicatorsRoute } from "./indicators";
import { indicators766Route } from "./indicators-766";
import { liveRoute } from "./live";
import { monthlyRoute } from "./monthly";
import { overdueRoute } from "./overdue";
import type { ReportDeps } from "./period-report";
import { type Bands766, rankings766Route } from "./rankings-766";
import { report06aRoute } from "./report-06a";
import { voiceRoutes } from "./voice";

/** The analysts' reports, each in its own module: aggregates and lists with nothing personal. */
export function reportRoutes(deps: ReportDeps & { readonly score766Bands?: Bands766 }): RouteSlice[] {
  return [
    report06aRoute(deps),
    indicatorsRoute(deps),
    delaysRoute(deps),
    overdueRoute(deps),
    liveRoute(deps),
    monthlyRoute(deps),
    exportRoutes(deps),
    voiceRoutes(deps),
    indicators766Route(deps),
    rankings766Route({ ...deps, ...(deps.score766Bands ? { bands: deps.score766Bands } : {}) }),
  ];
}
