// foryou.mjs - "For you" in Debian's chromium (playwright-core): a member
// logs in, upvotes astronomy papers from the day page, finds For you in the
// header, sees astronomy first, clicks Not interested on the first card
// (a plain form: no JavaScript needed) and Undo; no console errors, and
// axe-core finds no serious or critical violation.
//
//   node foryou.mjs BASE_URL OUT_DIR NAME PASSWORD
// Prints "ok"/"FAIL" lines and "N passed, N failed".
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [base, outDir, name, password] = process.argv.slice(2);
fs.mkdirSync(outDir, { recursive: true });
let passed = 0, failed = 0;
function check(what, cond, detail) {
  if (cond) { passed++; console.log('ok   ' + what); }
  else { failed++; console.log('FAIL ' + what + (detail ? '  ' + JSON.stringify(detail).slice(0, 400) : '')); }
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  javaScriptEnabled: false, // every form must work without it
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
         '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const page = ctx.pages()[0] || await ctx.newPage();
let errors = [];
page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', e => errors.push(String(e)));

// axe needs script: run it in a second page with JavaScript on
const axeCtx = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'] });
async function axe(what) {
  const html = await page.content();
  const p = await axeCtx.newPage();
  const st = await ctx.storageState();
  await p.context().addCookies(st.cookies);
  await p.goto(page.url());
  await p.evaluate(axeSource);
  const r = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  await p.close();
  const bad = r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  check('axe ' + what, html.length > 0 && bad.length === 0,
        bad.map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', ')));
}
async function submit(locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}
const cardIds = async (sel) => (await page.locator(sel + ' article.card h2 a').evaluateAll(
  as => as.map(a => a.getAttribute('href').replace('/papers/', ''))));

await page.goto(base + '/login');
await page.fill('#name', name);
await page.fill('#password', password);
await submit(page.locator('main form button[type=submit]'));
const link = page.locator('header nav.account a[href="/for-you"]');
check('header links For you', (await link.count()) === 1);
await submit(link);
check('For you without likes says what to do',
      (await page.textContent('main')).includes('Nothing to go on yet'));
await axe('for-you empty');

// upvote three astronomy papers on their day page
await page.goto(base + '/date/2024-07-01');
for (let i = 0; i < 3; i++) {
  const card = page.locator('ol.cards li article', { hasText: /galaxy|stellar|supernova|telescope|redshift|cosmic|quasar|exoplanet|nebula|pulsar/i })
    .filter({ has: page.locator('form.vote button[aria-pressed=false]') }).first();
  await submit(card.locator('form.vote button'));
}
check('three upvoted', (await page.locator('form.vote button[aria-pressed=true]').count()) === 3);

await page.goto(base + '/for-you');
const ids = await cardIds('main > .prose > ol.cards');
check('30 cards, astronomy first', ids.length === 30 && ids.slice(0, 20).every(i => i.startsWith('2407.1')), ids);
const btn = page.locator('main > .prose > ol.cards form.dismiss button').first();
check('Not interested button on the card', (await btn.textContent()) === 'Not interested');
const box = await page.locator('main > .prose > ol.cards article.card').first().boundingBox();
check('card is one tidy block', box && box.height < 260, box);
await page.screenshot({ path: path.join(outDir, 'foryou.png') });
await axe('for-you');

await submit(btn);
check('came back to For you', new URL(page.url()).pathname === '/for-you', page.url());
const after = await cardIds('main > .prose > ol.cards');
check('first card gone, the rest re-ranked, still astronomy', !after.includes(ids[0]) && after.length === 30 && after.slice(0, 20).every(i => i.startsWith('2407.1')), [ids[0], after]);
const gone = await cardIds('section.dismissed');
check('listed under Not interested', gone.length === 1 && gone[0] === ids[0], gone);
await page.screenshot({ path: path.join(outDir, 'foryou-dismissed.png'), fullPage: true });
await axe('for-you with a dismissed paper');
await submit(page.locator('section.dismissed form.dismiss button'));
check('undo brings it back first', (await cardIds('main > .prose > ol.cards'))[0] === ids[0]);
check('no console errors', errors.length === 0, errors);

await axeCtx.close();
await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
