// screenshot.mjs - a picture of the site for README.md: the day page of a
// running paperboy in Debian's chromium (playwright-core from tests/e2e,
// installed by make deps-dev).
//
//   node scripts/screenshot.mjs BASE_URL OUT.png [PATH] [WIDTH HEIGHT]
//
// e.g. with `make demo` serving on 8080:
//   node scripts/screenshot.mjs http://127.0.0.1:8080 docs/screenshot-demo.png
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'e2e', 'package.json'));
const { chromium } = require('playwright-core');

const [base, out, where = '/', w = '1100', h = '900'] = process.argv.slice(2);
if (!base || !out) {
  console.error('usage: node scripts/screenshot.mjs BASE_URL OUT.png [PATH] [WIDTH HEIGHT]');
  process.exit(2);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-shot-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update'],
  viewport: { width: Number(w), height: Number(h) },
});
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  const r = await page.goto(base + where, { waitUntil: 'load' });
  if (!r || r.status() !== 200) throw new Error('HTTP ' + (r && r.status()));
  await page.screenshot({ path: out, fullPage: false });
  console.log('wrote ' + out);
} finally {
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
