/**
 * Concurrent callers for the fault suite: each worker repeats one request until stopped and
 * every answer is kept (status, body), so a case can say afterwards exactly what callers saw
 * during the fault. A request that throws (connection refused: the process is gone) counts as
 * status 0.
 */
export interface Outcome {
  status: number;
  body: string;
  retryAfter: string | null;
  /** The access token a caller received, when the answer carried one. */
  token?: string;
  at: number;
  /** Milliseconds from sending the request to reading the whole answer. */
  ms: number;
}

export interface Traffic {
  outcomes: Outcome[];
  /** Answers seen so far with this status. */
  count(status: number): number;
  /** Resolves once `n` more answers with status 200 arrived than when called. */
  moreSuccesses(n: number, what: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<Outcome[]>;
}

export function startTraffic(workers: number, request: (worker: number) => Promise<Response>): Traffic {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    while (!stopped) {
      const started = Date.now();
      const outcome: Outcome = await request(worker).then(
        async (res) => {
          const body = await res.text();
          const token = res.status === 200 ? tokenOf(body) : undefined;
          return { status: res.status, body, retryAfter: res.headers.get('retry-after'), token, at: Date.now(), ms: Date.now() - started };
        },
        (err: Error) => ({ status: 0, body: err.message, retryAfter: null, at: Date.now(), ms: Date.now() - started }),
      );
      outcomes.push(outcome);
      // A refused connection answers at once: do not spin on a dead port.
      if (outcome.status === 0) await new Promise((r) => setTimeout(r, 50));
    }
  });
  const count = (status: number) => outcomes.filter((o) => o.status === status).length;
  return {
    outcomes,
    count,
    async moreSuccesses(n, what, timeoutMs = 60_000) {
      const target = count(200) + n;
      const deadline = Date.now() + timeoutMs;
      while (count(200) < target) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${count(200)}/${target} successes; ${summary(outcomes)})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

function tokenOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { access_token?: unknown };
    return typeof parsed.access_token === 'string' ? parsed.access_token : undefined;
  } catch {
    return undefined;
  }
}

/** "200×812 503×40" — for failure messages. */
export function summary(outcomes: Outcome[]): string {
  const by = new Map<number, number>();
  for (const o of outcomes) by.set(o.status, (by.get(o.status) ?? 0) + 1);
  return [...by.entries()].map(([s, n]) => `${s}×${n}`).join(' ');
}
