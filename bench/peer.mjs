// `npm run bench -- --peer`: the bare oidc-provider engine (bench/lib/peer-engine.mjs) and the
// service, client-credentials grants (client_secret_basic, opaque token, 600 s), measured in the
// same run and alternated engine / service / engine / ... so a drift in the machine's speed
// falls on both. The ratio of the service to the mean of the engine runs on either side of it is
// printed per pair: throughput (service ops/s ÷ engine ops/s) and CPU (engine ms/op ÷ service
// ms/op, the steadier figure on a shared machine). Both ≥ 0.6 is the target.
import clientCredentials from './scenarios/client-credentials.mjs';
import { startPeer, startService } from './lib/service.mjs';

async function measure(target, ctx, seconds, warmup) {
  if (warmup > 0) await clientCredentials.load(ctx, warmup);
  const cpu0 = target.cpuSeconds();
  const r = await clientCredentials.load(ctx, seconds);
  const cpu = target.cpuSeconds() - cpu0;
  return {
    ops: r.ops,
    errors: r.errors,
    errorSamples: r.errorSamples,
    opsPerSecond: +(r.ops / r.seconds).toFixed(1),
    cpuMsPerOp: +((cpu * 1000) / r.ops).toFixed(3),
    peakMemoryMiB: +target.memory().hwmMiB.toFixed(0),
  };
}

/** Runs `rounds` service runs, each between two engine runs (the engine runs are shared: E S E S E). */
export async function peerRun({ env, setup, seconds, warmup, rounds, log, main, label = 'service' }) {
  const peerCreds = { clientId: 'peer-client', clientSecret: setup.basic.clientSecret };
  const runs = [];
  const engineRun = async () => {
    const peer = await startPeer(peerCreds);
    try {
      const r = await measure(peer, { url: peer.url, setup: { basic: peerCreds } }, seconds, warmup);
      log(`engine: ${r.opsPerSecond}/s, ${r.cpuMsPerOp} ms CPU/op, errors ${r.errors}`);
      runs.push({ who: 'engine', ...r });
    } finally {
      await peer.stop();
    }
  };
  await engineRun();
  for (let i = 0; i < rounds; i++) {
    const service = await startService(env, { main });
    try {
      const r = await measure(service, { url: service.url, setup }, seconds, warmup);
      log(`${label}: ${r.opsPerSecond}/s, ${r.cpuMsPerOp} ms CPU/op, errors ${r.errors}`);
      runs.push({ who: 'service', ...r });
    } finally {
      await service.stop();
    }
    await engineRun();
  }
  const pairs = [];
  for (let i = 1; i < runs.length; i += 2) {
    const [before, s, after] = [runs[i - 1], runs[i], runs[i + 1]];
    const engineOps = (before.opsPerSecond + after.opsPerSecond) / 2;
    const engineCpu = (before.cpuMsPerOp + after.cpuMsPerOp) / 2;
    pairs.push({ throughputRatio: +(s.opsPerSecond / engineOps).toFixed(3), cpuRatio: +(engineCpu / s.cpuMsPerOp).toFixed(3) });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    what: 'client_credentials, client_secret_basic, opaque access token, 600 s; 32 connections; engine = oidc-provider on node:http, in-memory adapter',
    runs,
    pairs,
    throughputRatio: median(pairs.map((p) => p.throughputRatio)),
    cpuRatio: median(pairs.map((p) => p.cpuRatio)),
  };
}
