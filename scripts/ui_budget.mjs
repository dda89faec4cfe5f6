// Checks the built UI (ui/dist) against its size budgets, gzipped as otter serves it: the
// JavaScript index.html loads first (its scripts and modulepreloads) ≤ 150 KB, every file ≤ 400 KB
// in all. Run by scripts/build-ui.sh after each build; exits 1 naming the budget exceeded.
//   node scripts/ui_budget.mjs <ui/dist>
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

const KB = 1024;
const INITIAL_JS = 150 * KB;
const TOTAL = 400 * KB;
const dist = process.argv[2] || 'ui/dist';
const gz = (file) => gzipSync(fs.readFileSync(file), { level: 9 }).length;
const files = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.startsWith('.') ? [] : [path.join(dir, e.name)]));

const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map((m) => m[1]);
const initialJs = initial.reduce((n, f) => n + gz(path.join(dist, f)), 0);
const total = files(dist).reduce((n, f) => n + gz(f), 0);
const kb = (n) => `${(n / KB).toFixed(1)} KB`;
console.log(`ui: initial JS ${kb(initialJs)} gzip (budget ${kb(INITIAL_JS)}), all files ${kb(total)} (budget ${kb(TOTAL)})`);
const errors = [];
if (initial.length === 0) errors.push(`no script found in ${path.join(dist, 'index.html')}`);
if (initialJs > INITIAL_JS) errors.push(`the initial JavaScript is ${kb(initialJs)} gzipped, over its ${kb(INITIAL_JS)} budget`);
if (total > TOTAL) errors.push(`the UI is ${kb(total)} gzipped, over its ${kb(TOTAL)} budget`);
for (const e of errors) console.error(`ui: ${e}`);
process.exit(errors.length ? 1 : 0);
