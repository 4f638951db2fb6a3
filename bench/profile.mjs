// Summarises a V8 .cpuprofile (from node --cpu-prof): self time by function and by package.
// Usage: node bench/profile.mjs <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

function where(url) {
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const src = /\/dist\/(src\/.*)$/.exec(url);
  if (src) return src[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

/**
 * `window` ({ fromMsBeforeEnd, toMsBeforeEnd }) keeps only the samples taken in that span before
 * the profile ended (the process exit), so start-up and shutdown stay out of the figures.
 */
export function summariseProfile(file, top = 20, window = undefined) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const before = (profile.endTime - t) / 1000;
    if (window && (before > window.fromMsBeforeEnd || before < window.toMsBeforeEnd)) continue;
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const pkgs = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const key = name.startsWith('(') && !url ? name : `${name} ${where(url)}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkg = name === '(idle)' || name === '(program)' || name === '(garbage collector)' ? name : where(url);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const rank = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ name: k, ms: +(us / 1000).toFixed(1), pct: +((100 * us) / total).toFixed(1) }));
  return { totalMs: +(total / 1000).toFixed(0), functions: rank(fns), packages: rank(pkgs) };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const s = summariseProfile(process.argv[2], Number(process.argv[3] ?? 25));
  console.log(`total sampled ${s.totalMs} ms\n\nself time by function:`);
  for (const f of s.functions) console.log(`${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(8)} ms  ${f.name}`);
  console.log('\nself time by package / file:');
  for (const f of s.packages) console.log(`${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(8)} ms  ${f.name}`);
}
