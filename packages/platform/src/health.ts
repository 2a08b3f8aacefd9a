/**
 * One dependency `/health` asks about. `check` resolves when the dependency answers and rejects (or
 * hangs past the health timeout) when it does not.
 */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
}
