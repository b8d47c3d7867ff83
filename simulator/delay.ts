/** Delays that close() can cut short, so a slow simulated answer never holds a shutdown. */
export class Delays {
  private readonly pending = new Set<() => void>();

  wait(ms: number | undefined): Promise<void> {
    if (!ms || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pending.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pending.add(done);
    });
  }

  flush(): void {
    for (const done of [...this.pending]) done();
  }
}
