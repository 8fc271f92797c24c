#!/usr/bin/env node
// Command-line entry point. The TypeScript sources compile to dist/ during `npm ci`
// (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('Gatehouse is not built yet: run "npm run build" (or "npm ci", which builds it).');
  process.exit(1);
}
await import(entry.href);
