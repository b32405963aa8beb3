/**
 * A response stream that tells when it ends, however it ends (done, failed, or stopped by the
 * pipeline), exactly once, and shows each message to `onMessage` on the way. One small object per
 * stream, no generator: an idle stream keeps it for hours.
 */
export class Tracked<T> implements AsyncIterableIterator<T> {
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly onEnd: () => void,
    private readonly onMessage?: (message: T) => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    return this.source.next().then(
      (step) => {
        if (step.done === true) this.end();
        else this.onMessage?.(step.value);
        return step;
      },
      (error: unknown) => {
        this.end();
        throw error;
      },
    );
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.end();
    return (await this.source.return?.(value as T)) ?? { done: true, value: value as T };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end();
    if (this.source.throw === undefined) throw error;
    return this.source.throw(error);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}
