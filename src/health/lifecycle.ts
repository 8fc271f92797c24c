/**
 * Process-wide serving state, shared by both listeners: readiness turns false on shutdown,
 * and the last database check result lets readiness log only changes.
 */
export class Lifecycle {
  private stopping = false;
  private databaseReachable: boolean | undefined;

  get shuttingDown(): boolean {
    return this.stopping;
  }

  beginShutdown(): void {
    this.stopping = true;
  }

  /** Records the result of a database check and returns the previous one, if any. */
  recordDatabaseCheck(reachable: boolean): boolean | undefined {
    const previous = this.databaseReachable;
    this.databaseReachable = reachable;

    return previous;
  }
}
