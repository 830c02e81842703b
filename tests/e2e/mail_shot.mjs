// mail_shot.mjs - the HTML part of a digest rendered in Debian's chromium
// (playwright-core), with scripts off and every network request blocked,
// as a mail client would show it: a screenshot, and a check that the page
// asked for nothing outside itself.
//
//   node mail_shot.mjs MAIL.html OUT.png
// Prints "ok"/"FAIL" lines and "N passed, N failed".
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const [file, out] = process.argv.slice(2);
let passed = 0, failed = 0;
function check(name, cond, detail) {
  if (cond) { passed++; console.log('ok   ' + name); }
  else { failed++; console.log('FAIL ' + name + (detail ? '  ' + JSON.stringify(detail).slice(0, 400) : '')); }
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-mailshot-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true, javaScriptEnabled: false,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 800, height: 1000 },
});
const page = ctx.pages()[0] || await ctx.newPage();
const requests = [];
await page.route('**/*', r => { requests.push(r.request().url()); r.abort(); });
await page.setContent(fs.readFileSync(file, 'utf8'), { waitUntil: 'load' });
await page.screenshot({ path: out, fullPage: true });
check('screenshot written', fs.existsSync(out) && fs.statSync(out).size > 5000);
check('no external requests (images, fonts, scripts)', requests.length === 0, requests);
const links = await page.$$eval('a', as => as.map(a => a.href));
check('links present', links.length >= 2, links);
check('unsubscribe link visible', await page.isVisible('text=Unsubscribe'));
await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
