/**
 * Group commit for one kind of write, as SQLite's one transaction per event-loop turn does for all
 * of them: a call made while an earlier one is being written waits, and every call that waited goes
 * together as one statement when it answers. Alone, a call goes at once as itself (`one`), so a
 * quiet store writes exactly as before; under load, the writes of N concurrent jobs cost one round
 * trip and one commit (`many`) instead of N. Calls keep their order: a batch holds the calls in the
 * order they were made, and batches go one after another. A batch that fails fails every call in it.
 */
export class WriteCoalescer<A, R> {
  private inflight = 0;
  private waiting: { arg: A; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly one: (arg: A) => Promise<R>,
    private readonly many: (args: A[]) => Promise<R[]>,
    private readonly opts: { maxInflight: number; maxBatch: number } = { maxInflight: 1, maxBatch: 500 },
  ) {}

  /**
   * For writes that answer nothing and take any number of arguments in one statement (`write`): a
   * lone call is a group of one.
   */
  static ofGroups<A>(write: (args: A[]) => Promise<void>): WriteCoalescer<A, void> {
    return new WriteCoalescer<A, void>(
      (arg) => write([arg]),
      async (args) => {
        await write(args);
        return args.map(() => undefined);
      },
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
    while (this.inflight < this.opts.maxInflight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.opts.maxBatch);
      this.inflight += 1;
      const first = batch[0] as (typeof batch)[number];
      const written = batch.length === 1 ? this.one(first.arg).then((r) => [r]) : this.many(batch.map((b) => b.arg));
      written
        .then(
          (results) => {
            for (const [i, b] of batch.entries()) b.resolve(results[i] as R);
          },
          (e: unknown) => {
            for (const b of batch) b.reject(e);
          },
        )
        .finally(() => {
          this.inflight -= 1;
          this.pump();
        });
    }
  }
}
