import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * One of the system's processes (`pnpm api`, `pnpm projector`, `pnpm scheduler`), run as a deployment
 * runs it, so that a fault can SIGKILL it: plain `node` on its bundle (see bundle.ts), never the tsx
 * binary, which would run the script in a grandchild that a SIGKILL of its parent leaves behind.
 */
export class SystemProcess {
  private child: ChildProcess | null = null;
  private readonly tail: string[] = [];
  private readonly listeners: ((line: string) => void)[] = [];
  /** Exits this suite did not cause (a crash): each is a failure. */
  readonly crashes: string[] = [];

  constructor(
    readonly name: string,
    /** The bundled entry point (an absolute path). */
    private readonly bundle: string,
    private readonly env: Record<string, string>,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.child) throw new Error(`${this.name} is already running`);
    const child = spawn(process.execPath, [this.bundle], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() === "") continue;
        this.tail.push(line);
        for (const listener of this.listeners) listener(line);
      }
      if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.crashes.push(`${this.name} exited by itself (${code ?? signal})`);
    });
  }

  /** Ends the process with `signal` and waits for it to be gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await gone;
    clearTimeout(timer);
  }

  /** Calls `listener` with every line it writes from now on (a chunk's lines, split at newlines). */
  onLine(listener: (line: string) => void): void {
    this.listeners.push(listener);
  }

  /** The last lines it wrote, for a failure's message. */
  lastLines(count = 40): string {
    return this.tail.slice(-count).join("\n");
  }
}
