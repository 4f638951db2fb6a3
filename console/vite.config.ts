import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The admin console: plain TypeScript and DOM, built to static files the service serves at
 * /admin/console (src/admin-console). Everything is a file of this origin: no inline script or
 * style (the service's CSP forbids them), no data: assets, no third-party origin.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/admin-console', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
});
