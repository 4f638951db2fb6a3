// Two ways of making load, both measured the same way (latency per operation recorded here):
// autocannon for stateless requests, and a bounded-concurrency loop for flows where each
// operation depends on the previous one (refresh rotation, the multi-request sign-in).
import autocannon from 'autocannon';

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summarise(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

/**
 * Runs autocannon for `seconds` against `url` with `requests` (autocannon's request objects;
 * `check(status, body)` on a request returns false to count a 2xx answer as an error).
 */
export async function cannon({ url, connections, seconds, requests, check }) {
  const latencies = [];
  let failed = 0;
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 10,
    requests: requests.map((r) => ({
      ...r,
      onResponse: check
        ? (status, body) => {
            if (status >= 200 && status < 300 && !check(status, body)) failed++;
          }
        : undefined,
    })),
  });
  const firstErrors = [];
  instance.on('response', (_client, status, _bytes, responseTime) => {
    latencies.push(responseTime);
    if ((status < 200 || status >= 300) && firstErrors.length < 3) firstErrors.push(`HTTP ${status}`);
  });
  instance.on('reqError', (err) => firstErrors.length < 3 && firstErrors.push(err.message));
  const result = await instance;
  const ok = result.requests.total - result.non2xx - failed;
  return {
    ops: ok,
    // autocannon counts timeouts among errors.
    errors: result.errors + result.non2xx + failed,
    errorSamples: firstErrors,
    seconds: result.duration,
    latencies,
  };
}

/** Runs `op()` in `concurrency` independent loops for `seconds`; op throws to report an error. */
export async function loop({ concurrency, seconds, op }) {
  const latencies = [];
  let ops = 0;
  let errors = 0;
  const errorSamples = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let exhausted = false;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline && !exhausted) {
        const t0 = performance.now();
        try {
          const r = await op(worker);
          if (r === 'exhausted') {
            exhausted = true;
            break;
          }
          ops++;
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(String(err.message ?? err).slice(0, 400));
        }
      }
    }),
  );
  return { ops, errors, errorSamples, seconds: (performance.now() - started) / 1000, latencies, exhausted };
}
