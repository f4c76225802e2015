/** Modules vite.config.ts makes at build time. */
declare module 'virtual:readme-rules' {
  const rules: import('./lib/rules/readme-rules.ts').ReadmeRule[];
  export default rules;
}
