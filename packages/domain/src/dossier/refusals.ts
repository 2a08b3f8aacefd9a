/** An expected "no": a stable code a client can act on, and a sentence an officer can read. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
}

export const refusal = (code: string, message: string): Refusal => ({ code, message });

export type Decision<Event> =
  | { readonly ok: true; readonly events: readonly Event[] }
  | { readonly ok: false; readonly refusal: Refusal };

export const accept = <Event>(...events: Event[]): Decision<Event> => ({ ok: true, events });
export const refuse = <Event = never>(code: string, message: string): Decision<Event> => ({
  ok: false,
  refusal: refusal(code, message),
});
