// community.mjs - the community in Debian's chromium (playwright-core):
// sign up, upvote, submit, comment, add to a collection, export BibTeX;
// every form works without JavaScript (the CSP allows none inline), no
// console errors, and axe-core finds no serious or critical violation on
// the new pages.
//
//   node community.mjs BASE_URL OUT_DIR RECENT_PAPER_ID
// Prints "ok"/"FAIL" lines and "N passed, N failed".
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [base, outDir, recent] = process.argv.slice(2);
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
  javaScriptEnabled: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
         '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});
const page = ctx.pages()[0] || await ctx.newPage();
let errors = [];
page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', e => errors.push(String(e)));
let dialogs = 0;
page.on('dialog', d => { dialogs++; d.dismiss(); });

async function axe(name) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  check('axe ' + name, bad.length === 0,
        bad.map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', ')));
}

async function submitForm(sel) {
  await Promise.all([page.waitForNavigation(), page.click(sel)]);
}

const name = 'Zoë <b>tester</b>';
// sign up
await page.goto(base + '/signup');
await axe('signup');
await page.fill('#name', name);
await page.fill('#email', 'zoe@example.org');
await page.fill('#password', 'a long enough password');
await submitForm('main form button[type=submit]');
check('signed up and home', new URL(page.url()).pathname === '/', page.url());
check('header names the member', (await page.textContent('header .me')) === name);
const cookies = await ctx.cookies();
const sess = cookies.find(c => c.name === 'pb_session');
check('session cookie HttpOnly, Lax', sess && sess.httpOnly && sess.sameSite === 'Lax', sess);

// upvote on a day page
await page.goto(base + '/date/2024-06-03');
const firstCard = page.locator('ol.cards li article').first();
const before = Number((await firstCard.locator('li.up').textContent()).match(/(\d+)/)[1]);
await Promise.all([page.waitForNavigation(), firstCard.locator('form.vote button').click()]);
check('vote came back to the day', page.url().endsWith('/date/2024-06-03'), page.url());
const voted = page.locator('form.vote button[aria-pressed=true]');
check('one card shows Upvoted', (await voted.count()) === 1);
const card = voted.first().locator('xpath=ancestor::article');
const after = Number((await card.locator('li.up').textContent()).match(/(\d+)/)[1]);
check('upvote counted', after === before + 1, [before, after]);
await axe('day as a member');

// submit
await page.goto(base + '/submit');
await axe('submit');
await page.fill('#paper', 'https://arxiv.org/abs/' + recent);
await submitForm('main form button[type=submit]');
check('submitted: on the paper', page.url().endsWith('/papers/' + recent), page.url());
check('paper says who submitted', (await page.textContent('ul.meta')).includes('Submitted by ' + name));

// comment
await page.fill('#body', 'Nice **work** <script>alert(1)</script>');
await submitForm('section.comments form button[type=submit]');
check('comment shown', (await page.locator('li.comment .body strong').textContent()) === 'work');
check('comment script not run', dialogs === 0, dialogs);
await axe('paper with a comment');

// a collection, the paper added from its page
await page.goto(base + '/collections');
await axe('collections');
await page.fill('#cname', 'Reading & {notes}');
await submitForm('main form button[type=submit]');
const collUrl = page.url();
check('collection made', /\/collections\/\d+$/.test(collUrl), collUrl);
await page.goto(base + '/papers/2401.00077');
await page.selectOption('#coll', { label: 'Reading & {notes}' });
await submitForm('form[action="/collections/add"] button');
check('back on the collection', page.url() === collUrl, page.url());
check('paper in the collection', (await page.locator('ol.cards > li').count()) === 1);
await axe('collection');

// export BibTeX (the link; fetched with the browser's cookies)
const href = await page.getAttribute('a[href$=".bib"]', 'href');
const bib = await page.request.get(base + href);
const text = await bib.text();
check('BibTeX export', bib.status() === 200 && text.includes('@misc{arxiv:2401.00077,'), text.slice(0, 200));
check('BibTeX escaped', text.includes('\\$O(n\\^{}2)\\$ \\& 100\\%'), text.slice(0, 300));
fs.writeFileSync(path.join(outDir, 'community.bib'), text);
await page.screenshot({ path: path.join(outDir, 'community-collection.png') });

// following and log out
await page.goto(base + '/following');
await axe('following');
await submitForm('header form[action="/logout"] button');
check('logged out', (await page.locator('header a[href="/login"]').count()) === 1);
await page.goto(base + '/login');
await axe('login');
check('no console errors', errors.length === 0, errors);

await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
