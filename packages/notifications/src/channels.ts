import { dossierStreamId, PERSONAL_DATA_FIELD } from "@motcua/domain";
import type { EventStore } from "@motcua/event-store";
import type { Logger } from "@motcua/platform";
import type { NoticeKind, RecipientKind } from "./templates";

export const CHANNEL_NAMES = ["sms", "email", "zalo"] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** One message as a channel receives it: the address was resolved a moment ago and goes no further. */
export interface OutgoingNotification {
  readonly outboxId: number;
  readonly dossierId: string;
  readonly kind: NoticeKind;
  /** Phone number, e-mail address or Zalo id, as the `ContactResolver` gave it. */
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

/**
 * The port a deployment implements with its gateway (an SMS brand-name provider, an SMTP relay, Zalo
 * ZNS). `send` resolves once the gateway accepted the message and throws when it did not; the dispatcher
 * retries with backoff, so `send` may see the same message more than once (use `outboxId` to dedupe).
 */
export interface NotificationChannel {
  readonly name: ChannelName;
  send(message: OutgoingNotification): Promise<void>;
}

export type Recipient =
  | { readonly kind: "applicant"; readonly dossierId: string }
  | { readonly kind: "unit"; readonly unitId: string; readonly dossierId: string };

/**
 * Finds where to reach a recipient on a channel, at send time: contacts never sit in the outbox, the
 * job payloads or the logs, and an erased applicant simply has none (null: the notice is not sent).
 */
export interface ContactResolver {
  resolve(recipient: Recipient, channel: ChannelName): Promise<string | null>;
}

/** What the recording channel kept of one message. */
export interface RecordedMessage extends OutgoingNotification {
  readonly channel: ChannelName;
}

export interface RecordingChannel extends NotificationChannel {
  /** What would have been sent, oldest first (at most `limit` messages are kept). */
  readonly sent: readonly RecordedMessage[];
  clear(): void;
}

/**
 * The built-in channel: records what would be sent instead of sending it, for development, demos and
 * tests, until a deployment plugs in its gateway. Logs the notice (never the address) at debug level.
 */
export function createRecordingChannel(
  name: ChannelName,
  options: { readonly limit?: number; readonly logger?: Logger | undefined } = {},
): RecordingChannel {
  const limit = options.limit ?? 10_000;
  const sent: RecordedMessage[] = [];
  return {
    name,
    sent,
    async send(message) {
      sent.push({ ...message, channel: name });
      if (sent.length > limit) sent.splice(0, sent.length - limit);
      options.logger?.debug(
        { channel: name, outboxId: message.outboxId, dossierId: message.dossierId, kind: message.kind },
        `would send: ${message.subject}`,
      );
    },
    clear() {
      sent.length = 0;
    },
  };
}

/** Which channels each kind of recipient is notified on. */
export type NotificationRoutes = Readonly<Record<RecipientKind, readonly ChannelName[]>>;

export const DEFAULT_ROUTES: NotificationRoutes = { applicant: ["sms"], unit: ["email"] };

/**
 * The default resolver: an applicant's phone (for SMS and Zalo) from the dossier's own events, where it
 * is kept encrypted under the applicant's key (an erased applicant has none), and a unit's inbox in the
 * system as `unit:<unitId>`. Deployments with a unit directory or a citizen account service replace it.
 */
export function createEventStoreContactResolver(store: EventStore): ContactResolver {
  return {
    async resolve(recipient, channel) {
      if (recipient.kind === "unit") return `unit:${recipient.unitId}`;
      if (channel === "email") return null;
      let phone: string | null = null;
      for await (const event of store.readStream(dossierStreamId(recipient.dossierId))) {
        const applicant = event.data[PERSONAL_DATA_FIELD];
        if (applicant !== null && typeof applicant === "object" && !Array.isArray(applicant)) {
          const value = applicant.phone;
          phone = typeof value === "string" && value.length > 0 ? value : null;
        }
      }
      return phone;
    },
  };
}
