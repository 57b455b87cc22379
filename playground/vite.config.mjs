// Builds the playground (GraphiQL and its Monaco workers) from node_modules into
// dist/playground/, which src/server/playground.ts serves under /playground/.
// Everything the page loads is in that folder: no CDN, so it works offline.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Absolute, because the same index.html is served at /playground and at /graphql.
  base: '/playground/',
  logLevel: 'warn',
  // No public/ folder: every file served is hashed except index.html.
  publicDir: false,
  // React's automatic runtime for the .tsx files, without @vitejs/plugin-react
  // (no fast refresh; nothing here needs a dev server).
  oxc: { jsx: { runtime: 'automatic' } },
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../dist/playground', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Inlined assets become data: URLs; keep fonts and images as files so that
    // the Content-Security-Policy can stay 'self' for them.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
    rolldownOptions: {
      // GraphiQL's dependencies mark client components with "use client", which
      // means nothing in a browser-only bundle; the warning would bury real ones.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
