import { type DependencyList, useCallback, useEffect, useState } from "react";
import { isProblem, type Problem } from "./api";

export type Loaded<T> =
  | { readonly state: "loading" }
  | { readonly state: "failed"; readonly problem: Problem }
  | { readonly state: "ready"; readonly value: T };

/**
 * Runs `load` when `deps` change and on `reload()`; an answer that arrives after a newer request started
 * is dropped, so a page never shows an older read over a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  useEffect(() => {
    let current = true;
    load().then(
      (value) => current && setLoaded({ state: "ready", value }),
      (error: unknown) =>
        current &&
        setLoaded({
          state: "failed",
          problem: isProblem(error) ? error : { status: 0, code: "network", detail: String(error) },
        }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [loaded, reload];
}

/** openapi-fetch's answer as a value, or its problem thrown (for `useLoad`). */
export function orThrow<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.data !== undefined) return answer.data;
  throw isProblem(answer.error) ? answer.error : { status: answer.response.status, code: "http" };
}
