// look.mjs - the feed people look at, in Debian's chromium (playwright-core
// + axe-core): the day page, a paper page and a member page with images,
// at 390 px and 1280 px wide, in light and dark colour schemes. Checks: no
// console errors, no axe violation of serious or critical impact, every
// image has width, height and alt and has loaded, no horizontal overflow at
// 390 px; the visitor's upvote box leads to log-in and back; the date
// picker works without JavaScript.
//
//   node look.mjs BASE_URL OUT_DIR [--shots DIR]
// With --shots, only writes DIR/screenshot-day.png and
// DIR/screenshot-paper.png (scripts/screenshots.sh) and checks nothing.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [base, outDir, flag, shotDir] = process.argv.slice(2);
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

const DAY = '/date/2026-08-20';
const PAPER = '/papers/2608.00001';

if (flag === '--shots') {
  fs.mkdirSync(shotDir, { recursive: true });
  await page.setViewportSize({ width: 1000, height: 760 });
  await page.emulateMedia({ colorScheme: 'light' });
  for (const [name, p] of [['day', DAY], ['paper', PAPER]]) {
    await page.goto(base + p, { waitUntil: 'load' });
    await page.evaluate(async () => {
      for (const i of document.images) { i.loading = 'eager'; if (!i.complete) await new Promise(r => { i.onload = i.onerror = r; }); }
    });
    await page.screenshot({ path: path.join(shotDir, 'screenshot-' + name + '.png') });
    console.log('wrote ' + path.join(shotDir, 'screenshot-' + name + '.png'));
  }
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(0);
}

async function axe(name) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  check('axe ' + name, bad.length === 0,
        bad.map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', ')));
}

// Loads every lazy image (scrolling them into view) and reports the ones
// without width, height or alt, and the ones that did not load.
async function images() {
  return page.evaluate(async () => {
    const bad = [];
    for (const i of document.images) {
      i.scrollIntoView();
      if (!i.complete) await new Promise(r => { i.onload = i.onerror = r; setTimeout(r, 3000); });
      if (!i.getAttribute('width') || !i.getAttribute('height') || !i.hasAttribute('alt'))
        bad.push('attrs ' + i.src);
      else if (!i.naturalWidth) bad.push('not loaded ' + i.src);
    }
    window.scrollTo(0, 0);
    return { n: document.images.length, bad };
  });
}

const pages = [['day', DAY, 6], ['paper', PAPER, 2], ['member', '/u/grace', 1],
               ['organization', '/orgs/Lab-One', 1]];
for (const width of [390, 1280]) {
  for (const scheme of ['light', 'dark']) {
    await page.setViewportSize({ width, height: 800 });
    await page.emulateMedia({ colorScheme: scheme });
    for (const [name, p, minImgs] of pages) {
      const tag = `${name} ${width}px ${scheme}`;
      errors = [];
      const r = await page.goto(base + p, { waitUntil: 'load' });
      check(tag + ' status 200', r && r.status() === 200, r && r.status());
      const im = await images();
      check(tag + ' images have width, height, alt and load', im.n >= minImgs && im.bad.length === 0, im);
      check(tag + ' no console errors', errors.length === 0, errors);
      if (width === 390) {
        const o = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        check(tag + ' no horizontal overflow', o[0] <= o[1], o);
      }
      await axe(tag);
      if (width === 1280 && scheme === 'light')
        await page.screenshot({ path: path.join(outDir, `look-${name}.png`) });
    }
  }
}

// the visitor's upvote box: log in, and back to the same day
await page.setViewportSize({ width: 1280, height: 800 });
await page.goto(base + DAY);
await Promise.all([page.waitForNavigation(), page.click('ol.cards .votebox a.vote >> nth=0')]);
check('upvote box leads to log-in', new URL(page.url()).pathname === '/login', page.url());
await page.fill('#name', 'grace');
await page.fill('#password', 'a long enough password');
await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
check('and back to the day', new URL(page.url()).pathname === DAY, page.url());
const btn = page.locator('ol.cards .votebox form.vote button').first();
check('a member sees the upvote button', (await btn.count()) === 1);
await Promise.all([page.waitForNavigation(), btn.click()]);
check('upvoted, still on the day', new URL(page.url()).pathname === DAY, page.url());
check('the box shows it', (await page.locator('.votebox button[aria-pressed=true]').count()) === 1);
await axe('day as a member');

// the date picker, without JavaScript
await page.goto(base + DAY);
await page.fill('#day', '2026-08-18');
await Promise.all([page.waitForNavigation(), page.click('form.datepick button')]);
check('date picker goes to the day', new URL(page.url()).pathname === '/date/2026-08-18', page.url());

await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
