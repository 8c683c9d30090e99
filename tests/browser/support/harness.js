// Shared harness for the browser tests: starts the real earlyhelp binary on a
// fresh demo database, drives headless Chromium through playwright-core, runs
// axe-core in the page, computes TOTP codes and saves screenshots.
//
// Each test file starts its own app (`startApp`) and browser (`launchBrowser`)
// in `before` and stops them in `after`; each test gets a fresh browser context.
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { chromium } = require('playwright-core');
const { before, after } = require('node:test');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.resolve(ROOT, process.env.EARLYHELP_BIN || 'target/debug/earlyhelp');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const SCREENSHOTS = path.join(ROOT, 'screenshots');
const AXE = require.resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const START_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------

// The demo prints, after "Open http://HOST:PORT/ and sign in with any of these
// (password: PW):", one line per role:
//   "  <Role label padded>  <email>[  (asks you to set up an authenticator app)]"
const OPEN_LINE = /Open (http:\/\/\S+?)\/? and sign in with any of these \(password: ([^)]+)\)/;
const ACCOUNT_LINE = /^ {2}(\S.*?)\s{2,}(\S+@\S+)(\s+\(asks you to set up[^)]*\))?\s*$/;

/**
 * Starts `earlyhelp demo` on a fresh temp dir and port 0 and waits until it has
 * printed its address and demo accounts.
 * @returns {Promise<{url: string, password: string, accounts: Map<string, {role: string, email: string, asksForSecondFactor: boolean}>, account: (role: string) => {role: string, email: string, asksForSecondFactor: boolean}, secrets: Map<string, string>, stop: () => Promise<void>, log: () => string}>}
 */
async function startApp() {
  if (!fs.existsSync(BIN)) {
    throw new Error(`earlyhelp binary not found at ${BIN}: run 'cargo build -p earlyhelp' or set EARLYHELP_BIN`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'earlyhelp-browser-'));
  const child = spawn(BIN, ['demo', '--data-dir', dataDir, '--addr', '127.0.0.1:0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-20_000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // Never leave the app running if this test process ends without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const ready = new Promise((resolve, reject) => {
    let url = null;
    let password = null;
    const accounts = new Map();
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      stdout += d;
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const open = OPEN_LINE.exec(line);
        if (open) {
          [, url, password] = open;
          continue;
        }
        if (!url) continue;
        const acc = ACCOUNT_LINE.exec(line);
        if (acc) {
          const role = acc[1].trim();
          accounts.set(role, { role, email: acc[2], asksForSecondFactor: Boolean(acc[3]) });
        } else if (line.trim() !== '' && accounts.size > 0) {
          // The first non-blank line after the account list ("Data: …").
          resolve({ url, password, accounts });
        }
      }
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`earlyhelp demo exited early (code ${code}, signal ${signal})\nstdout:\n${stdout}\nstderr:\n${stderr}`)),
    );
  });

  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`earlyhelp demo did not print its accounts within ${START_TIMEOUT_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`)),
      START_TIMEOUT_MS,
    );
  });

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  let info;
  try {
    info = await Promise.race([ready, timeout]);
  } catch (e) {
    await stop();
    throw e;
  } finally {
    clearTimeout(timer);
  }

  return {
    ...info,
    // Where the demo keeps its database and writes its e-mails (outbox/, one .eml each).
    dataDir,
    // Authenticator secrets of accounts enrolled during this run, by email.
    secrets: new Map(),
    account(role) {
      const a = info.accounts.get(role);
      if (!a) throw new Error(`the demo listed no "${role}"; it listed: ${[...info.accounts.keys()].join(', ')}`);
      return a;
    },
    stop,
    log: () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
  };
}

// ---------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------

async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser context (no cookies) and page, with the app as base URL. */
async function newPage(browser, app) {
  // Our CSP forbids inline script; bypassCSP lets axe-core be injected.
  const context = await browser.newContext({
    bypassCSP: true,
    baseURL: app.url,
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  return { context, page };
}

/**
 * Starts the app and a browser before the enclosing describe's tests and stops them after;
 * `use` receives `{ app, browser }` once both are up. Call it inside `describe`.
 * @param {(started: {app: Awaited<ReturnType<typeof startApp>>, browser: import('playwright-core').Browser}) => void} use
 */
function withAppAndBrowser(use) {
  const started = {};
  before(async () => {
    started.app = await startApp();
    started.browser = await launchBrowser();
    use(started);
  });
  after(async () => {
    await started.browser?.close();
    await started.app?.stop();
  });
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "2026-12-08" → "Tuesday 8 December 2026", as the pages write a date. */
function longDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return `${WEEKDAYS[day.getUTCDay()]} ${d} ${MONTHS[m - 1]} ${y}`;
}

/** Today in London as the pages write it: "Wednesday 2 December 2026". */
function todayInLondon() {
  const p = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date())
    .reduce((acc, part) => ({ ...acc, [part.type]: part.value }), {});
  return longDate(`${p.year}-${p.month}-${p.day}`);
}

/** Path of the current page, e.g. "/sign-in". */
function pathOf(page) {
  return new URL(page.url()).pathname;
}

/**
 * Clicks a button (or link) that navigates, and waits for the new page to load.
 * Returns the response of the final document.
 */
async function clickAndWait(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return response;
}

async function h1(page) {
  return (await page.locator('h1').first().innerText()).trim();
}

async function errorSummary(page) {
  const summary = page.locator('.govuk-error-summary');
  if ((await summary.count()) === 0) return null;
  return {
    title: (await summary.locator('.govuk-error-summary__title').innerText()).trim(),
    items: (await summary.locator('.govuk-error-summary__list li').allInnerTexts()).map((s) => s.trim()),
  };
}

// ---------------------------------------------------------------------------
// Signing in
// ---------------------------------------------------------------------------

/** Fills and submits the sign-in form; returns the response. */
async function submitSignIn(page, email, password) {
  if (pathOf(page) !== '/sign-in' || (await page.locator('form[action="/sign-in"]').count()) === 0) {
    await page.goto('/sign-in');
  }
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  return clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
}

/**
 * On "Set up your second factor": reads the key, submits a code computed from it
 * and returns { secret, codes } from the "Second factor turned on" page.
 */
async function enrolSecondFactor(page, { shoot } = {}) {
  const secret = (await page.locator('code.app-secret').innerText()).replace(/\s+/g, '');
  if (shoot) await shoot('second-factor-setup');
  await page.getByLabel('Code from your app').fill(await freshTotp(secret));
  await clickAndWait(page, page.getByRole('button', { name: 'Turn on second factor' }));
  const codes = (await page.locator('.app-recovery-codes li').allInnerTexts()).map((s) => s.trim());
  return { secret, codes };
}

/**
 * Signs in through the real pages as a person of `role`, completing first-time
 * second-factor enrolment or the second-factor challenge if the app asks for
 * them, and ends on the home page. Returns what happened on the way.
 */
async function signIn(page, app, role, { shoot } = {}) {
  const { email } = app.account(role);
  await submitSignIn(page, email, app.password);
  const steps = [];
  if (pathOf(page) === '/account/second-factor') {
    steps.push('enrolled a second factor');
    const { secret } = await enrolSecondFactor(page, { shoot });
    app.secrets.set(email, secret);
    if (shoot) await shoot('second-factor-recovery-codes');
    await clickAndWait(page, page.getByRole('link', { name: 'Continue to Early Help' }));
  } else if (pathOf(page) === '/sign-in/second-factor') {
    steps.push('entered a security code');
    const secret = app.secrets.get(email);
    if (!secret) throw new Error(`${email} asks for a security code but was not enrolled in this run`);
    if (shoot) await shoot('second-factor-challenge');
    await page.getByLabel('Enter your security code').fill(await freshTotp(secret));
    await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
  }
  if (pathOf(page) !== '/') {
    throw new Error(`signing in as ${role} (${email}) ended on ${page.url()}: "${await h1(page).catch(() => '?')}"`);
  }
  return { email, steps };
}

async function signOut(page) {
  return clickAndWait(page, page.getByRole('button', { name: 'Sign out', exact: true }));
}

// ---------------------------------------------------------------------------
// TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps)
// ---------------------------------------------------------------------------

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${JSON.stringify(text)}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit code for a base32 secret at `unixSeconds` (RFC 4226 dynamic truncation). */
function totp(secretBase32, unixSeconds = Date.now() / 1000) {
  const counter = Math.floor(unixSeconds / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', base32Decode(secretBase32)).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

const lastStepUsed = new Map();

/**
 * A code for `secret` from a time step not used before in this process (a
 * verifier may refuse a replayed code), and not about to expire: waits for the
 * next step when needed.
 */
async function freshTotp(secret) {
  for (;;) {
    const now = Date.now() / 1000;
    const step = Math.floor(now / 30);
    const secondsLeft = (step + 1) * 30 - now;
    if (lastStepUsed.get(secret) !== step && secondsLeft > 3) {
      lastStepUsed.set(secret, step);
      return totp(secret, now);
    }
    await sleep(Math.ceil(secondsLeft * 1000) + 200);
  }
}

// ---------------------------------------------------------------------------
// E-mails: the demo's worker writes each to <data dir>/outbox/<job id>.eml
// ---------------------------------------------------------------------------

/** Decodes a quoted-printable body (soft line breaks and =XX bytes). */
function decodeQuotedPrintable(text) {
  const bytes = Buffer.from(text.replace(/=\r?\n/g, ''), 'latin1').toString('latin1');
  return Buffer.from(bytes.replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

/** Reads one .eml file: { file, to, subject, body } with the body decoded. */
function readEmail(file) {
  const raw = fs.readFileSync(file, 'utf8');
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const header = (name) => (head.match(new RegExp(`^${name}: *(.*)$`, 'mi')) || [])[1] || '';
  let body = raw.slice(split).trim();
  if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) body = decodeQuotedPrintable(body);
  if (/base64/i.test(header('Content-Transfer-Encoding'))) body = Buffer.from(body, 'base64').toString('utf8');
  return { file, to: header('To'), subject: header('Subject'), body };
}

/**
 * Waits (up to 20 s) for an e-mail to `to` that was not there before (`seen`: file names
 * already read), with `subject` when given, and returns it with the path and query of the first
 * link to the app in it.
 */
async function waitForEmail(app, to, seen = new Set(), { subject } = {}) {
  const dir = path.join(app.dataDir, 'outbox');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml') && !seen.has(f)) : [];
    for (const f of files.sort()) {
      const mail = readEmail(path.join(dir, f));
      // Other mail to the same person (a notice the demo sent) is left for its own test.
      if (mail.to.includes(to) && (subject === undefined || mail.subject === subject)) {
        seen.add(f);
        const base = app.url.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
        const url = mail.body.match(new RegExp(base + '(/\\S+)'));
        return { ...mail, link: url ? url[1] : null };
      }
    }
    if (Date.now() > deadline) throw new Error(`no e-mail to ${to} in ${dir} within 20 s (found: ${files.join(', ')})`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------
// Screenshots and axe-core
// ---------------------------------------------------------------------------

/** Returns shoot(name): saves a full-page screenshot as screenshots/<prefix>--<name>.png. */
function screenshotter(page, prefix) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return async (name) => {
    const file = path.join(SCREENSHOTS, `${prefix}--${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
}

/** Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) in the page; returns its violations. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ path: AXE });
  }
  return page.evaluate(async (tags) => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
}

/**
 * The screenshot-and-axe step every page of a test takes: `check(step)` saves a screenshot
 * named `<prefix>--<step>.png` and runs axe; `problems` collects the violations, so a test
 * walks to its end and reports every page that failed at once.
 */
function checker(page, prefix) {
  const shoot = screenshotter(page, prefix);
  const problems = [];
  const check = async (step) => {
    await shoot(step);
    const violations = await axeViolations(page);
    if (violations.length) problems.push(formatViolations(`${step} (${pathOf(page)})`, violations));
  };
  return { check, problems };
}

// ---------------------------------------------------------------------------
// Downloads
// ---------------------------------------------------------------------------

/** Clicks a download link as a person would and returns the file's name and bytes. */
async function download(page, locator) {
  const [file] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  return { name: file.suggestedFilename(), bytes: fs.readFileSync(await file.path()) };
}

/**
 * The text of one part of an XLSX workbook (a zip file), e.g. 'xl/sharedStrings.xml': read
 * through the zip's central directory, so a spreadsheet can be opened and checked without a
 * spreadsheet library.
 */
function xlsxPart(bytes, name) {
  const zlib = require('node:zlib');
  let end = bytes.length - 22;
  while (end >= 0 && bytes.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a zip file: no end of central directory');
  const entries = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i += 1) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const entry = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    if (entry === name) {
      const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
      const data = bytes.subarray(start, start + size);
      return (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} is not in the workbook`);
}

function formatViolations(where, violations) {
  return violations
    .map(
      (v) =>
        `${where}: [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes.map((n) => `    at ${n.target}\n      ${n.html}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n'),
    )
    .join('\n');
}

module.exports = {
  ROOT,
  checker,
  download,
  xlsxPart,
  startApp,
  launchBrowser,
  withAppAndBrowser,
  longDate,
  todayInLondon,
  newPage,
  pathOf,
  clickAndWait,
  h1,
  errorSummary,
  submitSignIn,
  enrolSecondFactor,
  signIn,
  waitForEmail,
  signOut,
  totp,
  freshTotp,
  screenshotter,
  axeViolations,
  formatViolations,
};
