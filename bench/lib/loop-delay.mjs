// Diagnostic preload for the service process (node --import bench/lib/loop-delay.mjs, only in
// `npm run bench -- soak`): the event loop's delay (perf_hooks histogram, 10 ms resolution)
// and V8's heap figures (process.memoryUsage()).
// Each SIGUSR2 appends one JSON line with the figures since the previous one to
// $BENCH_LOOP_DELAY_FILE and starts afresh. Nothing of this is in the product.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns) => +(ns / 1e6).toFixed(2);
  process.on('SIGUSR2', () => {
    const mem = process.memoryUsage();
    const mib = (b) => +(b / 1048576).toFixed(1);
    const line = {
      at: Date.now(),
      meanMs: ms(histogram.mean),
      p50Ms: ms(histogram.percentile(50)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
      // V8's share of the resident set: heap reserved / used, and memory outside it (Buffers, ArrayBuffers).
      heapTotalMiB: mib(mem.heapTotal),
      heapUsedMiB: mib(mem.heapUsed),
      externalMiB: mib(mem.external),
      arrayBuffersMiB: mib(mem.arrayBuffers),
    };
    histogram.reset();
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}
