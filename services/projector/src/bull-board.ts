import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { Queue } from "bullmq";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface BullBoardOptions {
  readonly queues: readonly Queue[];
  /** Where the board is served. Default "/admin/queues". */
  readonly basePath?: string;
  /**
   * Runs before every board request (page, assets and its JSON API), e.g. the API's admin check. It is
   * added inside the board's own encapsulated context, so it guards nothing else.
   */
  readonly onRequest?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Hide retry/clean/remove buttons. Default false. */
  readonly readOnly?: boolean;
}

/** Mounts bull-board (the projection queue's jobs, failures and dead letters at a glance) on a Fastify app. */
export async function mountBullBoard(app: FastifyInstance, options: BullBoardOptions): Promise<void> {
  const basePath = options.basePath ?? "/admin/queues";
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: options.queues.map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly ?? false }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: "motcua projections" } },
  });
  const onRequest = options.onRequest;
  await app.register(async (scope) => {
    if (onRequest !== undefined) scope.addHook("onRequest", onRequest);
    await scope.register(serverAdapter.registerPlugin(), { prefix: basePath });
  });
}
