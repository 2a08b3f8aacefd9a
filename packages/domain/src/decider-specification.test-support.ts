import { expect } from "vitest";

/** The outcome of deciding one command: new events, or a refusal that says why. */
export type DecisionLike<Event, Refusal> =
  | { readonly ok: true; readonly events: readonly Event[] }
  | { readonly ok: false; readonly refusal: Refusal };

export interface DeciderLike<Command, Event, State, Context, Refusal> {
  decide(command: Command, state: State, context: Context): DecisionLike<Event, Refusal>;
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/**
 * Given/when/then for deciders, in the manner of Emmett's DeciderSpecification:
 *
 *   spec.given([received]).when(resolve, context).thenEvents([resolved])
 *   spec.given([resolved]).when(resolve, context).thenRefused("dossier.already_resolved")
 */
export function deciderSpecification<Command, Event, State, Context, Refusal extends { code: string }>(
  decider: DeciderLike<Command, Event, State, Context, Refusal>,
) {
  return {
    given(history: readonly Event[]) {
      const state = history.reduce(decider.evolve, decider.initialState());
      return {
        /** The state the history leads to, for assertions on evolve itself. */
        state,
        when(command: Command, context: Context) {
          const decision = decider.decide(command, state, context);
          return {
            decision,
            thenEvents(expected: readonly Event[]): void {
              if (!decision.ok) {
                throw new Error(
                  `expected events, but the command was refused: ${JSON.stringify(decision.refusal)}`,
                );
              }
              expect(decision.events).toEqual(expected);
            },
            /** Asserts the events match partially (useful when only some fields matter). */
            thenMatch(expected: readonly Partial<Event>[] | readonly object[]): void {
              if (!decision.ok) {
                throw new Error(
                  `expected events, but the command was refused: ${JSON.stringify(decision.refusal)}`,
                );
              }
              expect(decision.events).toMatchObject(expected);
            },
            thenRefused(code: string): Refusal {
              if (decision.ok) {
                throw new Error(
                  `expected refusal ${code}, but got events: ${JSON.stringify(decision.events)}`,
                );
              }
              expect(decision.refusal.code).toBe(code);
              return decision.refusal;
            },
            /** Evolves the produced events onto the given state and hands the result to `check`. */
            thenState(check: (next: State) => void): void {
              if (!decision.ok) {
                throw new Error(
                  `expected events, but the command was refused: ${JSON.stringify(decision.refusal)}`,
                );
              }
              check(decision.events.reduce(decider.evolve, state));
            },
          };
        },
      };
    },
  };
}
