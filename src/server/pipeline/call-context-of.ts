import type { PipelineContext } from "./context.js";

/** Where the pipeline puts a call's own context on the request an interceptor sees. */
export const CALL_CONTEXT = Symbol("baton.callContext");

/**
 * The pipeline's context of the call `req` belongs to: its protocol, its response headers and
 * trailers (which connect's Interceptor type does not reach when a call fails), why it was
 * aborted. Undefined for a request that did not come through the pipeline.
 */
export function callContextOf(req: object): PipelineContext | undefined {
  return (req as { [CALL_CONTEXT]?: PipelineContext })[CALL_CONTEXT];
}
