// Drives the two demo pages in a real Chromium, the way a person would on first run: open the web
// client and the phone simulator, pair by pasting the QR text, send an SMS each way, mark read, watch
// statuses and phone presence. Prints one JSON line: {ok, steps, errors, screenshots, secrets}, where
// secrets are the texts and tokens the run produced, for the caller to look for in the server's logs.
//
// usage: node demo-browser.js <baseUrl> <screenshotDir> [chromiumPath]
'use strict';
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const [baseUrl, shotDir, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
const TIMEOUT = 15000;
const steps = [];
const errors = [];
const screenshots = [];
const secrets = { texts: ['Hello from the phone', 'On my way!', 'Lunch tomorrow?'] };
/** Every URL the web page requested: what a proxy's access log, or a Referer, would show of it. */
const requestedUrls = [];

function step(name) {
  steps.push(name);
  process.stderr.write('step: ' + name + '\n');
}

async function text(page, testId, expected) {
  const locator = page.getByTestId(testId);
  await locator.filter({ hasText: expected }).first().waitFor({ timeout: TIMEOUT });
}

async function shot(page, name) {
  const file = path.join(shotDir, name);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
}

/** wait-pairing as an onlooker would call it, with a short deadline: it must not answer a session. */
async function waitPairing(token) {
  const r = await fetch(baseUrl + '/api/auth/wait-pairing', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }), signal: AbortSignal.timeout(TIMEOUT),
  });
  await r.text();
  return r;
}

function watch(page, label) {
  page.on('pageerror', (e) => errors.push(label + ' page error: ' + e.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') { errors.push(label + ' console error: ' + msg.text()); }
  });
}

async function main() {
  fs.mkdirSync(shotDir, { recursive: true });
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    // Two contexts: the phone is another device, it shares nothing with the browser.
    const web = await (await browser.newContext({ viewport: { width: 1200, height: 600 } })).newPage();
    const phone = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    watch(web, 'web');
    watch(phone, 'phone');
    web.on('request', (r) => requestedUrls.push(r.url()));
    // The waiter token reaches the page only in generate-qr's JSON body.
    const generated = web.waitForResponse((r) => r.url().endsWith('/api/auth/generate-qr'), { timeout: TIMEOUT })
      .then((r) => r.json());

    step('the web client shows a server-rendered QR and its text');
    await web.goto(baseUrl + '/demo/');
    await web.waitForFunction(() => document.getElementById('qr-data').value.length > 0, null, { timeout: TIMEOUT });
    await web.waitForFunction(() => { const img = document.getElementById('qr'); return img.complete && img.naturalWidth > 0; }, null, { timeout: TIMEOUT });
    const qrData = await web.getByTestId('qr-data').inputValue();
    secrets.qrSecret = JSON.parse(qrData).token;
    if (!secrets.qrSecret) { throw new Error('qrData has no token: ' + qrData); }
    secrets.waiterToken = (await generated).data.token;
    const imageHandle = (await web.getByTestId('qr').getAttribute('src')).replace(/^.*\/qr\/|\.svg$/g, '');
    if (imageHandle === secrets.waiterToken) { errors.push('the QR image is fetched by the waiter token'); }
    await shot(web, 'demo-pairing.png');

    step('the phone simulator connects and registers');
    await phone.goto(baseUrl + '/demo/phone');
    await text(phone, 'connection', 'connected');
    await text(phone, 'log', 'authenticated');
    const deviceId = await phone.getByTestId('device-id').inputValue();

    step('pasting the QR text into the phone pairs both');
    await phone.getByTestId('qr-data').fill(qrData);
    await phone.getByTestId('pair').click();
    await text(phone, 'pair-state', 'paired');
    await text(web, 'device-id', deviceId);
    await text(web, 'presence', 'phone: online');
    // The web client starts with long-polling and upgrades, as the official client does by default.
    await text(web, 'connection', 'connected (websocket)');
    secrets.sessionToken = await web.evaluate(() => localStorage.getItem('relay-demo-session'));
    // Someone who saw every URL the page fetched (a proxy log, a shared screen) cannot collect a session
    // with anything in them, and the token itself, used again, collects nothing either.
    const leaked = requestedUrls.filter((u) => u.includes(secrets.waiterToken));
    if (leaked.length) { errors.push('URLs carry the waiter token: ' + leaked.join(' ')); }
    for (const handle of new Set(requestedUrls.flatMap((u) => u.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) || []))) {
      if ((await waitPairing(handle)).status === 200) { errors.push('a handle seen in a URL collected a session: ' + handle); }
    }
    if ((await waitPairing(secrets.waiterToken)).status === 200) { errors.push('the waiter token collected the session twice'); }

    step('an SMS received by the phone appears in the web client');
    await phone.getByTestId('sms-body').fill('Hello from the phone');
    await phone.getByTestId('receive').click();
    await web.getByTestId('message').filter({ hasText: 'Hello from the phone' }).waitFor({ timeout: TIMEOUT });
    await web.getByTestId('conversation').filter({ hasText: 'Alice' }).waitFor({ timeout: TIMEOUT });
    await text(web, 'unread', '1');

    step('a message sent from the web client reaches the phone, and its statuses come back');
    await web.getByTestId('compose-text').fill('On my way!');
    await web.getByTestId('send').click();
    await text(phone, 'log', 'send:message to +1 555 0100: "On my way!"');
    const sent = web.getByTestId('message').filter({ hasText: 'On my way!' });
    await sent.getByTestId('status').filter({ hasText: 'delivered' }).waitFor({ timeout: TIMEOUT });

    step('mark read in the web client clears the unread count on the phone and in the web client');
    await web.getByTestId('mark-read').click();
    await text(phone, 'log', 'mark:read');
    await phone.getByTestId('phone-unread').filter({ hasText: '0' }).waitFor({ timeout: TIMEOUT });
    await web.getByTestId('unread').waitFor({ state: 'detached', timeout: TIMEOUT });

    step('a second contact writes: a new conversation with its unread count');
    await phone.getByTestId('sms-from').fill('+1 555 0199');
    await phone.getByTestId('sms-contact').fill('Bob');
    await phone.getByTestId('sms-body').fill('Lunch tomorrow?');
    await phone.getByTestId('receive').click();
    await web.getByTestId('conversation').filter({ hasText: 'Bob' }).getByTestId('unread').filter({ hasText: '1' }).waitFor({ timeout: TIMEOUT });
    await web.getByTestId('conversation').filter({ hasText: 'Alice' }).click();
    await sent.getByTestId('status').filter({ hasText: 'delivered' }).waitFor({ timeout: TIMEOUT });
    await shot(web, 'demo-paired.png');
    await shot(phone, 'demo-phone.png');

    step('the web client shows when the phone goes offline and comes back');
    await phone.getByTestId('disconnect').click();
    await text(web, 'presence', 'phone: offline');
    await shot(web, 'demo-phone-offline.png');
    await phone.getByTestId('connect').click();
    await text(web, 'presence', 'phone: online');

    step('after a reload the web client keeps its session and shows the history again');
    await web.reload();
    await text(web, 'device-id', deviceId);
    await web.getByTestId('conversation').filter({ hasText: 'Alice' }).click();
    await web.getByTestId('message').filter({ hasText: 'On my way!' }).waitFor({ timeout: TIMEOUT });
    await web.getByTestId('message').filter({ hasText: 'Hello from the phone' }).waitFor({ timeout: TIMEOUT });
  } finally {
    await browser.close();
  }
}

main().then(
  () => console.log(JSON.stringify({ ok: errors.length === 0, steps, errors, screenshots, secrets })),
  (e) => {
    errors.push(String(e && e.stack || e));
    console.log(JSON.stringify({ ok: false, steps, errors, screenshots, secrets }));
    process.exitCode = 1;
  });
