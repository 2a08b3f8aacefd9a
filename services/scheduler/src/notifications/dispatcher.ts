import type { ChannelName, ContactResolver, NotificationChannel, Recipient } from "@motcua/notifications";
import {
  getOutboxNotice,
  markAttemptFailed,
  markNoContact,
  markSent,
  redactContact,
} from "@motcua/notifications";
import type { Clock, Logger } from "@motcua/platform";
import type { SchedulerDb } from "../database";
import type { SchedulerMetrics } from "../metrics";

export type DispatchResult =
  | { readonly outcome: "sent" | "no_contact" | "nothing" | "paused" }
  /** The channel failed; `final` when that was the last attempt (the notice is now dead-lettered). */
  | {
      readonly outcome: "failed";
      readonly final: boolean;
      /** False when retrying cannot help (no such channel): the notice is dead-lettered at once. */
      readonly retryable: boolean;
      readonly error: NotificationSendError;
    };

export interface DispatcherDeps {
  readonly db: SchedulerDb;
  readonly clock: Clock;
  readonly channels: ReadonlyMap<ChannelName, NotificationChannel>;
  readonly contacts: ContactResolver;
  readonly metrics: SchedulerMetrics;
  readonly logger?: Logger | undefined;
  /** False while a read-model rebuild holds the scheduler off. */
  readonly gateOpen: () => boolean;
}

/**
 * A channel's failure as the dispatcher reports it: BullMQ keeps the message and stack of a failed job
 * in Redis, and gateways echo the address they were given, so only the redacted message travels on.
 */
export class NotificationSendError extends Error {
  constructor(cause: Error) {
    super(`${cause.name}: ${redactContact(cause.message)}`);
    this.name = "NotificationSendError";
  }
}

/** A channel that is not configured: retrying cannot help, so the notice goes straight to the dead letters. */
export class UnknownChannelError extends Error {
  constructor(channel: string) {
    super(`no notification channel "${channel}" is configured`);
    this.name = "UnknownChannelError";
  }
}

/**
 * Sends one outbox notice through its channel: at least once (a send whose acknowledgement is lost is
 * sent again), and never lost (a failure leaves the notice pending for the next attempt, or failed in
 * the dead-letter list after the last one).
 */
export function createDispatcher(deps: DispatcherDeps) {
  const { db, metrics, logger } = deps;
  return {
    async dispatch(outboxId: number, attempt: { made: number; allowed: number }): Promise<DispatchResult> {
      if (!deps.gateOpen()) return { outcome: "paused" };
      const notice = await getOutboxNotice(db, outboxId);
      if (notice === null || notice.status !== "pending") return { outcome: "nothing" };
      const labels = { kind: notice.kind, channel: notice.channel };
      const final = attempt.made + 1 >= attempt.allowed;
      const fail = async (error: Error, last: boolean, retryable = true): Promise<DispatchResult> => {
        metrics.notifications.inc({ ...labels, outcome: last ? "dead_lettered" : "retried" });
        await markAttemptFailed(db, outboxId, `${error.name}: ${redactContact(error.message)}`, last);
        logger?.warn(
          {
            outboxId,
            dossierId: notice.dossierId,
            kind: notice.kind,
            channel: notice.channel,
            attempt: attempt.made + 1,
            of: attempt.allowed,
            err: { name: error.name, message: redactContact(error.message) },
          },
          last ? "notification dead-lettered after its last attempt" : "notification failed; will retry",
        );
        return { outcome: "failed", final: last, retryable, error: new NotificationSendError(error) };
      };
      const channel = deps.channels.get(notice.channel);
      if (channel === undefined) return fail(new UnknownChannelError(notice.channel), true, false);
      const recipient: Recipient =
        notice.recipientKind === "unit"
          ? { kind: "unit", unitId: notice.unitId, dossierId: notice.dossierId }
          : { kind: "applicant", dossierId: notice.dossierId };
      try {
        const to = await deps.contacts.resolve(recipient, notice.channel);
        if (to === null) {
          await markNoContact(db, outboxId);
          metrics.notifications.inc({ ...labels, outcome: "no_contact" });
          return { outcome: "no_contact" };
        }
        await channel.send({
          outboxId,
          dossierId: notice.dossierId,
          kind: notice.kind,
          to,
          subject: notice.subject,
          body: notice.body,
        });
      } catch (error) {
        return fail(error instanceof Error ? error : new Error(String(error)), final);
      }
      await markSent(db, outboxId, deps.clock.now());
      metrics.notifications.inc({ ...labels, outcome: "sent" });
      return { outcome: "sent" };
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
