import { describe, expect, it } from "vitest";
import { deciderSpecification } from "../decider-specification.test-support";
import { IssueApologySchema } from "./commands";
import { dossierDecider } from "./decide";
import { COMMUNE, ctx, DEPARTMENT, history, receive } from "./fixtures.test-support";

const spec = deciderSpecification(dossierDecider);
/** Received Wednesday 12 March 2025 09:00. */
const received = () => history([[receive(), "2025-03-12T09:00"]]).events;

describe("the decider keeps every date it records inside the span the system can hold", () => {
  it("refuses an apology promised more than five years after receipt", () => {
    spec
      .given(received())
      .when(
        { type: "IssueApology", data: { reason: "Chờ ý kiến", promisedAt: "2030-03-14T09:00:00+07:00" } },
        ctx("2025-03-20T09:00"),
      )
      .thenRefused("time.promised_at_too_far_ahead");
  });

  it("accepts one within five years", () => {
    spec
      .given(received())
      .when(
        { type: "IssueApology", data: { reason: "Chờ ý kiến", promisedAt: "2030-03-11T09:00:00+07:00" } },
        ctx("2025-03-20T09:00"),
      )
      .thenMatch([{ type: "DossierBecameOverdue" }, { type: "ApologyIssued" }]);
  });

  it("refuses a step deadline in 9999, which the schema refuses too", () => {
    spec
      .given(received())
      .when(
        { type: "ForwardDossier", data: { toUnitId: DEPARTMENT, stepDueAt: "9999-12-31T23:59:59Z" } },
        ctx("2025-03-12T10:00"),
      )
      .thenRefused("time.step_due_at_too_far_ahead");
    expect(
      IssueApologySchema.safeParse({
        type: "IssueApology",
        data: { reason: "x", promisedAt: "9999-12-31T23:59:59Z" },
      }).success,
    ).toBe(false);
  });

  it("refuses an action dated before 2000 or after 2099", () => {
    spec.given([]).when(receive(), ctx("1999-12-31T09:00")).thenRefused("time.out_of_range");
    spec
      .given(received())
      .when({ type: "TransferDossier", data: { toUnitId: COMMUNE } }, ctx("2100-01-04T09:00"))
      .thenRefused("time.out_of_range");
  });
});
