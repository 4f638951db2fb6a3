#!/usr/bin/env node
/**
 * `npm run check:architecture`: the module borders of .dependency-cruiser.cjs (issue #18).
 * Run from the repository root (or any copy of it: the test plants a cycle in one).
 *
 * Two checks over one dependency-cruiser cruise of src/ (value imports only):
 * 1. the forbidden arrows of the configuration, file by file (dependency-cruiser validates them);
 * 2. no cycle between modules: every file is counted as its module (src/<folder>, or the
 *    composition root for src/*.ts and src/app/), and the strongly connected parts of that
 *    graph are its cycles. dependency-cruiser's own `circular` sees cycles of files, and its
 *    folder scope sees each sub-folder as a folder of its own, so neither sees a loop of modules.
 * There is no exception list: a `knownViolations` entry in the configuration fails the check.
 * Exit code 0 when the borders hold, 1 otherwise.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const require = createRequire(import.meta.url);
const root = process.cwd();
const config = require(resolve(root, '.dependency-cruiser.cjs'));
const failures = [];
if ((config.knownViolations ?? []).length) {
  failures.push('knownViolations: the borders take no exceptions; cut the arrow with a port bound in src/app/ instead');
}

const moduleOf = (file) => {
  if (/^src\/[^/]+\.ts$/.test(file) || file.startsWith('src/app/')) return 'src (composition root)';
  const m = /^src\/[^/]+/.exec(file);
  return m ? m[0] : null;
};

const result = await cruise(
  ['src'],
  {
    ...config.options,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    outputType: 'json',
  },
  {},
  { tsConfig: extractTSConfig(resolve(root, config.options.tsConfig.fileName)) },
);
const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;

// 1. Forbidden arrows.
for (const v of output.summary.violations) failures.push(`${v.rule.name}: ${v.from} → ${v.to}`);

// 2. Cycles between modules.
const edges = new Map();
for (const mod of output.modules) {
  const from = moduleOf(mod.source);
  if (!from) continue;
  for (const dep of mod.dependencies) {
    const to = moduleOf(dep.resolved);
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${mod.source} → ${dep.resolved}`);
  }
}
for (const part of stronglyConnected(edges)) {
  const members = new Set(part);
  const arrows = part.flatMap((from) => [...(edges.get(from) ?? [])].filter(([to]) => members.has(to)).map(([to, via]) => `    ${from} → ${to} (${via})`));
  failures.push(`no-module-cycle: ${part.join(', ')} import each other:\n${arrows.join('\n')}`);
}

const cruised = `${output.summary.totalCruised} files, ${output.summary.totalDependenciesCruised} imports`;
if (failures.length === 0) {
  console.log(`architecture: the module borders hold (${cruised}, no exceptions)`);
} else {
  console.error(`architecture: ${failures.length} violation(s) of the module borders (${cruised}):`);
  for (const f of failures) console.error(`  ${f}`);
  process.exitCode = 1;
}

/** Tarjan's algorithm: the parts of the graph with more than one module, each a cycle (or several). */
function stronglyConnected(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const parts = [];
  let next = 0;
  const nodes = new Set([...graph.keys(), ...[...graph.values()].flatMap((m) => [...m.keys()])]);
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const part = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1) parts.push(part.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return parts;
}
