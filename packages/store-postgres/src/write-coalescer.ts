/** A call waiting for its batch, and how to answer it. */
interface Call<A, R> {
  arg: A;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for one kind of write, as SQLite's one transaction per event-loop turn does for all
 * of them: a call made while an earlier one is being written waits, and every call that waited goes
 * together as one statement when it answers. Alone, a call goes at once as itself (`one`), so a
 * quiet store writes exactly as before; under load, the writes of N concurrent jobs cost one round
 * trip and one commit (`many`) instead of N. Calls keep their order: a batch holds the calls in the
 * order they were made, and batches go one after another. A batch that fails fails every call in it,
 * unless `opts.retryAlone` says the error may be one call's own (a value the server refuses): then
 * each call of the batch goes again alone (`one`), in order, and only a bad call fails. `many` must
 * then be all or nothing (one statement), so nothing of the failed batch stands.
 */
export class WriteCoalescer<A, R> {
  private inflight = 0;
  private waiting: Call<A, R>[] = [];
  private readonly maxInflight: number;
  private readonly maxBatch: number;
  private readonly retryAlone: (e: unknown) => boolean;

  constructor(
    private readonly one: (arg: A) => Promise<R>,
    private readonly many: (args: A[]) => Promise<R[]>,
    opts: { maxInflight?: number; maxBatch?: number; retryAlone?: (e: unknown) => boolean } = {},
  ) {
    this.maxInflight = opts.maxInflight ?? 1;
    this.maxBatch = opts.maxBatch ?? 500;
    this.retryAlone = opts.retryAlone ?? (() => false);
  }

  /**
   * For writes that answer nothing and take any number of arguments in one statement or
   * transaction (`write`): a lone call is a group of one.
   */
  static ofGroups<A>(write: (args: A[]) => Promise<void>, opts: { retryAlone?: (e: unknown) => boolean } = {}): WriteCoalescer<A, void> {
    return new WriteCoalescer<A, void>(
      (arg) => write([arg]),
      async (args) => {
        await write(args);
        return args.map(() => undefined);
      },
      opts,
    );
  }

  call(arg: A): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ arg, resolve, reject });
      this.pump();
    });
  }

  /** Several writes at once: they go in one batch (or several, past `maxBatch`), with whatever waits. */
  callMany(args: readonly A[]): Promise<R[]> {
    const answers = args.map((arg) => new Promise<R>((resolve, reject) => this.waiting.push({ arg, resolve, reject })));
    this.pump();
    return Promise.all(answers);
  }

  private pump(): void {
    while (this.inflight < this.maxInflight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inflight += 1;
      void this.write(batch).finally(() => {
        this.inflight -= 1;
        this.pump();
      });
    }
  }

  /** Answer every call of `batch`; never rejects. */
  private async write(batch: Call<A, R>[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const results = await this.many(batch.map((b) => b.arg));
        for (const [i, b] of batch.entries()) b.resolve(results[i] as R);
        return;
      } catch (e) {
        if (!this.retryAlone(e)) {
          for (const b of batch) b.reject(e);
          return;
        }
      }
    }
    for (const b of batch) await this.one(b.arg).then(b.resolve, b.reject);
  }
}
