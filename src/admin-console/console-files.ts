import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export interface ConsoleFile {
  body: Buffer;
  type: string;
}

/** The console's build (`vite build`, part of `npm run build`): dist/admin-console. */
export interface ConsoleBuild {
  index: Buffer | undefined;
  assets: ReadonlyMap<string, ConsoleFile>;
}

/**
 * Where the build is: next to dist/src when running the compiled service, or under dist/ of the
 * project when running from the sources (tests). Loaded once into memory: a few hundred KiB of
 * hashed, immutable files, so nothing on a request touches the file system or a path a caller chose.
 */
export function loadConsoleBuild(): ConsoleBuild {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = [join(here, '..', '..', 'admin-console'), join(here, '..', '..', 'dist', 'admin-console')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
  if (!root) return { index: undefined, assets: new Map() };
  const assets = new Map<string, ConsoleFile>();
  const assetDir = join(root, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[extname(name)];
      if (type) assets.set(name, { body: readFileSync(join(assetDir, name)), type });
    }
  }
  return { index: readFileSync(join(root, 'index.html')), assets };
}
