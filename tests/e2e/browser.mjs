// browser.mjs - paperboy's site in Debian's chromium, driven by
// playwright-core: every page type renders without console errors, the
// click path day -> previous day -> paper -> author -> search -> back works,
// screenshots at desktop and phone widths, and axe-core finds no serious or
// critical accessibility violation.
//
//   node browser.mjs BASE_URL OUT_DIR
// Prints "ok"/"FAIL" lines and "N passed, N failed".
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [base, outDir] = process.argv.slice(2);
fs.mkdirSync(outDir, { recursive: true });
let passed = 0, failed = 0;
function check(name, cond, detail) {
  if (cond) { passed++; console.log('ok   ' + name); }
  else { failed++; console.log('FAIL ' + name + (detail ? '  ' + JSON.stringify(detail).slice(0, 400) : '')); }
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
         '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});
const page = ctx.pages()[0] || await ctx.newPage();
let errors = [];
page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', e => errors.push(String(e)));

async function axe(name) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  check('axe ' + name, bad.length === 0,
        bad.map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', ')));
}

const pages = [
  ['home', '/', 200], ['day', '/date/2024-06-03', 200], ['week', '/week/2024-W23', 200],
  ['month', '/month/2024-06', 200], ['trending', '/trending', 200],
  ['paper', '/papers/2405.21060', 200], ['hostile paper', '/papers/2401.00001', 200],
  ['author', '/authors/Tri%20Dao', 200], ['category', '/cat/cs.CL', 200],
  ['search', '/search?q=mamba', 200], ['subscribe', '/subscribe', 200],
  ['bad date', '/date/2024-02-30', 400], ['not found', '/no/such/page', 404],
];
let dialogs = 0;
page.on('dialog', d => { dialogs++; d.dismiss(); });
for (const [name, p, want] of pages) {
  errors = [];
  const r = await page.goto(base + p, { waitUntil: 'load' });
  check(name + ' status ' + want, r && r.status() === want, r && r.status());
  // the browser reports a 4xx document itself; anything else is ours
  const mine = errors.filter(e => !(want >= 400 && /Failed to load resource.*(400|404)/.test(e)));
  check(name + ' no console errors', mine.length === 0, mine);
  const css = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  check(name + ' stylesheet applied', /system-ui|sans-serif/.test(css), css);
  await axe(name);
}
check('hostile titles never ran script', dialogs === 0, dialogs);

// the click path
errors = [];
await page.goto(base + '/date/2024-06-04');
await page.click('a[rel=prev]');
check('previous day', page.url().endsWith('/date/2024-06-03'), page.url());
await page.click('ol.cards article h2 a');
check('to paper', /\/papers\//.test(page.url()), page.url());
const paperUrl = page.url();
await page.click('article.paper p.authors a');
check('to author', /\/authors\//.test(page.url()), page.url());
const authorUrl = page.url();
const h1 = await page.textContent('h1');
check('author page heading', /^Papers by /.test(h1), h1);
await page.fill('#q', 'video generation');
await Promise.all([page.waitForNavigation(), page.press('#q', 'Enter')]);
check('search from the box', /\/search\?q=video/.test(page.url()), page.url());
check('search has results', (await page.locator('ol.cards li').count()) > 0);
await page.goBack();
check('back to author', page.url() === authorUrl, page.url());
await page.goBack();
check('back to paper', page.url() === paperUrl, page.url());
check('click path without console errors', errors.length === 0, errors);

// screenshots: desktop, phone, dark
const shots = [['home', '/'], ['paper', '/papers/2405.21060'], ['search', '/search?q=mamba']];
for (const [name, p] of shots) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(base + p);
  await page.screenshot({ path: path.join(outDir, `web-${name}-desktop.png`), fullPage: false });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + p);
  await page.screenshot({ path: path.join(outDir, `web-${name}-phone.png`), fullPage: false });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  check(name + ' fits a phone (no sideways scroll)', !overflow);
}
await page.emulateMedia({ colorScheme: 'dark' });
await page.setViewportSize({ width: 1280, height: 800 });
await page.goto(base + '/');
const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
check('dark mode', bg !== 'rgb(255, 255, 255)', bg);
await page.screenshot({ path: path.join(outDir, 'web-home-dark.png') });
await axe('home dark');
for (const f of ['web-home-desktop.png', 'web-home-phone.png', 'web-home-dark.png'])
  check('screenshot ' + f, fs.existsSync(path.join(outDir, f)) && fs.statSync(path.join(outDir, f)).size > 1000);

await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
