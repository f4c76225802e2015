import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  // Svelte 5 strips <script lang="ts"> types itself; no svelte.config.js needed.
  plugins: [svelte({ configFile: false })],
  resolve: {
    alias: { $protocol: fileURLToPath(new URL('./server/protocol/index.ts', import.meta.url)) },
  },
  // pluginTimings off: Rolldown's advice about slow plugins is noise on a loaded 2-core machine.
  build: { outDir: '../dist/web', emptyOutDir: true, chunkSizeWarningLimit: 1024, rolldownOptions: { checks: { pluginTimings: false } } },
  // `npm run serve:dev` on :8787 plus `npm run dev:web` for hot reload: the server allows this dev
  // server's origins (http://localhost:5173, http://127.0.0.1:5173) only with --dev.
  server: { proxy: { '/ws': { target: 'ws://127.0.0.1:8787', ws: true }, '/api': 'http://127.0.0.1:8787' } },
});
