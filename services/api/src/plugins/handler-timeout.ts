import { performance } from "node:perf_hooks";
import { errorCodes, type FastifyReply } from "fastify";
import fp from "fastify-plugin";

export interface HandlerTimeoutOptions {
  /** How long a request may take, from its arrival to its answer, before it is answered 503. */
  readonly timeoutMs: number;
}

/**
 * A request still unanswered `timeoutMs` after it arrived is answered 503 (`FST_ERR_HANDLER_TIMEOUT`,
 * which the errors plugin turns into the `request.timeout` problem); its handler is not stopped (it may
 * still finish its work, its late answer is dropped), as with Fastify's own `handlerTimeout`.
 *
 * Instead of Fastify's `handlerTimeout`, which makes an AbortController and a timer per request and
 * listens for the request's `close` — on Node 20 that event comes as soon as the body has been read, so
 * every POST aborted its controller (building a DOMException) and cancelled its own timeout before the
 * handler ran: ≈ 3–4 % of the API's CPU per command. Here the requests in flight sit in one Map, in
 * arrival order, so in deadline order (one timeout for all); one timer is armed for the oldest deadline.
 */
export const handlerTimeoutPlugin = fp<HandlerTimeoutOptions>(
  async (app, { timeoutMs }) => {
    const inFlight = new Map<FastifyReply, number>();
    let timer: NodeJS.Timeout | undefined;

    const arm = (deadline: number) => {
      timer = setTimeout(sweep, Math.max(0, deadline - performance.now()));
      timer.unref();
    };
    function sweep() {
      timer = undefined;
      const now = performance.now();
      for (const [reply, deadline] of inFlight) {
        if (deadline > now) {
          arm(deadline);
          return;
        }
        inFlight.delete(reply);
        abandon(reply);
      }
    }
    function abandon(reply: FastifyReply) {
      // Answered, hijacked (a stream of its own) or the client gone: nothing left to answer.
      if (reply.sent || reply.raw.destroyed) return;
      const error = new errorCodes.FST_ERR_HANDLER_TIMEOUT(timeoutMs, reply.request.routeOptions.url ?? "");
      if (reply.raw.headersSent) reply.raw.destroy(error);
      else reply.send(error);
    }

    app.addHook("onRequest", (_request, reply, done) => {
      const deadline = performance.now() + timeoutMs;
      inFlight.set(reply, deadline);
      if (timer === undefined) arm(deadline);
      done();
    });
    app.addHook("onResponse", (_request, reply, done) => {
      inFlight.delete(reply);
      done();
    });
    app.addHook("onClose", (_app, done) => {
      clearTimeout(timer);
      inFlight.clear();
      done();
    });
  },
  { name: "motcua-handler-timeout", fastify: "5.x" },
);
