// Builds the UI into ui/dist, which scripts/embed_ui.py compiles into otter. Content-hashed file
// names under assets/ (served with immutable caching); no inline scripts (CSP default-src 'self').
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 300,
  },
  server: { proxy: { '/api': 'http://localhost:16686', '/loki': 'http://localhost:16686' } },
});
