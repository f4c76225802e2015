import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';
import { parseRuleTable } from './web/src/lib/rules/readme-rules.ts';

/** `virtual:readme-rules`: the README's "Rule ids" table, so the page cites the README's own words. */
function readmeRules(): Plugin {
  const id = 'virtual:readme-rules';
  const readme = fileURLToPath(new URL('./README.md', import.meta.url));
  return {
    name: 'connscope-readme-rules',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load(source) {
      if (source !== `\0${id}`) return undefined;
      this.addWatchFile(readme);
      return `export default ${JSON.stringify(parseRuleTable(readFileSync(readme, 'utf8')))};`;
    },
  };
}

export default defineConfig({
  root: 'web',
  // Svelte 5 strips <script lang="ts"> types itself; no svelte.config.js needed.
  plugins: [svelte({ configFile: false }), readmeRules()],
  resolve: {
    alias: { $protocol: fileURLToPath(new URL('./server/protocol/index.ts', import.meta.url)) },
  },
  // pluginTimings off: Rolldown's advice about slow plugins is noise on a loaded 2-core machine.
  build: { outDir: '../dist/web', emptyOutDir: true, chunkSizeWarningLimit: 1024, rolldownOptions: { checks: { pluginTimings: false } } },
  // `npm run serve:dev` on :8787 plus `npm run dev:web` for hot reload: the server allows this dev
  // server's origins (http://localhost:5173, http://127.0.0.1:5173) only with --dev.
  server: { proxy: { '/ws': { target: 'ws://127.0.0.1:8787', ws: true }, '/api': 'http://127.0.0.1:8787' } },
});
