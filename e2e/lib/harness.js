// Test harness: starts the quickstart example on 127.0.0.1 (fresh working directory, free port,
// file-drop mail directory) and drives Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const screenshotDir = path.join(repoRoot, 'docs', 'screenshots');

/** Viewports of the responsive checks and screenshots. */
export const DESKTOP = { width: 1280, height: 800 };
export const MOBILE = { width: 375, height: 667 };

/** A password that passes the default policy (8+ chars, lower, upper, digit). */
export const GOOD_PASSWORD = 'Corr3ctHorse';

function quickstartBinary() {
    if (process.env.QUICKSTART_BIN) return process.env.QUICKSTART_BIN;
    const target = process.env.CARGO_TARGET_DIR
        ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
        : path.join(repoRoot, 'target');
    return path.join(target, 'debug', 'examples', 'quickstart');
}

function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

async function waitForPort(port, child, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            throw new Error(`quickstart exited early with code ${child.exitCode}`);
        }
        const open = await new Promise((resolve) => {
            const socket = net.connect({ host: '127.0.0.1', port });
            socket.once('connect', () => {
                socket.destroy();
                resolve(true);
            });
            socket.once('error', () => resolve(false));
        });
        if (open) return;
        await sleep(50);
    }
    throw new Error(`quickstart did not open 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * Starts the quickstart binary with its own temporary working directory (for `stormpath.db`),
 * HOME (so no ~/.stormpath config leaks in), mail drop and port. Resolves once the port
 * answers. `stop()` kills it and removes the directory.
 */
export async function startApp({ config } = {}) {
    const bin = quickstartBinary();
    if (!existsSync(bin)) {
        throw new Error(`${bin} is missing: run \`cargo build --example quickstart\` first`);
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sp-e2e-'));
    const mailDir = path.join(dir, 'mail');
    await mkdir(mailDir);
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}`;
    // Settings beyond the quickstart's own (e.g. `web.social`), as a stormpath.json file.
    const extraEnv = {};
    if (config) {
        const file = path.join(dir, 'stormpath.json');
        await writeFile(file, JSON.stringify(config));
        extraEnv.STORMPATH_CONFIG_FILE = file;
    }
    let log = '';
    const child = spawn(bin, [], {
        cwd: dir,
        env: {
            PATH: process.env.PATH,
            HOME: dir,
            SECRET_KEY: randomBytes(32).toString('hex'),
            PORT: String(port),
            STORMPATH_MAIL_DIR: mailDir,
            STORMPATH_BASE_URL: baseURL,
            RUST_LOG: process.env.RUST_LOG ?? 'warn',
            ...extraEnv,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk) => {
        log = (log + chunk).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // Never leave the server behind, even if the test process dies mid-run.
    const reap = () => child.exitCode === null && child.kill('SIGKILL');
    process.once('exit', reap);
    try {
        await waitForPort(port, child);
    } catch (e) {
        child.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
        throw new Error(`${e.message}\n--- quickstart output ---\n${log}`);
    }
    return {
        baseURL,
        origin: baseURL,
        mailDir,
        log: () => log,
        async stop() {
            process.removeListener('exit', reap);
            if (child.exitCode === null) {
                const exited = new Promise((resolve) => child.once('exit', resolve));
                child.kill('SIGTERM');
                await Promise.race([exited, sleep(3_000)]);
                if (child.exitCode === null) child.kill('SIGKILL');
            }
            await rm(dir, { recursive: true, force: true });
        },
    };
}

/**
 * Starts the test OpenID Connect provider (the npm `oidc-provider` of stormpath-testkit/oidc)
 * with its own login and consent pages, on a free port of 127.0.0.1. `registerClient` adds a
 * client; `stop()` kills it.
 */
export async function startOidcProvider() {
    const script = path.join(repoRoot, 'stormpath-testkit', 'oidc', 'provider.mjs');
    const child = spawn(process.execPath, [script, JSON.stringify({ interactive: true })], {
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (chunk) => {
        log = (log + chunk).slice(-20_000);
    });
    const reap = () => child.exitCode === null && child.kill('SIGKILL');
    process.once('exit', reap);
    const port = await new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
            out += chunk;
            const m = /listening (\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`oidc provider exited (${code}):\n${log}`)));
    });
    const issuer = `http://127.0.0.1:${port}`;
    return {
        issuer,
        log: () => log,
        async registerClient(client) {
            const res = await fetch(`${issuer}/_test/client`, { method: 'POST', body: JSON.stringify(client) });
            if (!res.ok) throw new Error(`client registration: ${res.status}`);
        },
        async stop() {
            process.removeListener('exit', reap);
            if (child.exitCode === null) child.kill('SIGKILL');
        },
    };
}

/** Launches Debian's Chromium headless, with the flags this closed network needs. */
export function launchBrowser() {
    return chromium.launch({
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
        headless: true,
        chromiumSandbox: false,
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-dev-shm-usage',
        ],
    });
}

/**
 * A fresh browser context (own cookies) and page on `app`. Every request the page makes is
 * recorded in `requests` so tests can prove nothing leaves the app's origin.
 */
export async function openPage(browser, app, { viewport = DESKTOP, colorScheme = 'light', allowOrigins = [] } = {}) {
    const context = await browser.newContext({
        baseURL: app.baseURL,
        viewport,
        colorScheme,
        reducedMotion: 'reduce',
        locale: 'en-US',
        timezoneId: 'UTC',
    });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(15_000);
    const requests = [];
    context.on('request', (request) => requests.push(request.url()));
    // Pages must work offline: anything off the app's origin (and the origins a test names, such
    // as its OpenID Connect provider) is recorded above, then refused.
    const allowed = new Set([app.origin, ...allowOrigins]);
    await context.route((url) => !allowed.has(url.origin), (route) => route.abort('blockedbyclient'));
    const page = await context.newPage();
    return { context, page, requests };
}

/** A unique email address for one test. */
export function uniqueEmail(tag = 'user') {
    return `${tag}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
}

/** Registers an account through the HTML form and checks it lands on the login page. */
export async function register(page, { email, password = GOOD_PASSWORD, given = 'Ada', surname = 'Lovelace' }) {
    await page.goto('/register');
    await page.fill('input[name="givenName"]', given);
    await page.fill('input[name="surname"]', surname);
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', password);
    await Promise.all([page.waitForURL(/\/login\?status=created/), page.click('button[type="submit"]')]);
}

/** Logs in through the HTML form; waits for the navigation away from /login. */
export async function login(page, { email, password = GOOD_PASSWORD, path: loginPath = '/login' }) {
    if (!page.url().includes('/login')) await page.goto(loginPath);
    await page.fill('input[name="login"]', email);
    await page.fill('input[name="password"]', password);
    await Promise.all([
        page.waitForURL((url) => url.pathname !== '/login'),
        page.click('form.sp-form button[type="submit"]'),
    ]);
}

/** Saves a viewport screenshot as docs/screenshots/<name>.png. */
export async function screenshot(page, name) {
    if (process.env.E2E_NO_SCREENSHOTS) return;
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), animations: 'disabled', caret: 'hide' });
}

// ---------------------------------------------------------------------------------------------
// Mail drop

function decodeQuotedPrintable(text) {
    const bytes = [];
    const soft = text.replace(/=\r?\n/g, '');
    for (let i = 0; i < soft.length; i++) {
        const c = soft[i];
        if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
            bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
            i += 2;
        } else {
            bytes.push(...Buffer.from(c, 'utf8'));
        }
    }
    return Buffer.from(bytes).toString('utf8');
}

/** The decoded text of every MIME part of a raw RFC 822 message, joined. */
export function decodeMessage(raw) {
    const out = [];
    const walk = (entity) => {
        const split = entity.search(/\r?\n\r?\n/);
        const headerText = split < 0 ? entity : entity.slice(0, split);
        const body = split < 0 ? '' : entity.slice(split).replace(/^\r?\n\r?\n/, '');
        const headers = headerText.replace(/\r?\n[ \t]+/g, ' ');
        const type = /^content-type:\s*([^\r\n]*)/im.exec(headers)?.[1] ?? 'text/plain';
        const encoding = (/^content-transfer-encoding:\s*([^\s;]+)/im.exec(headers)?.[1] ?? '7bit').toLowerCase();
        const boundary = /boundary="?([^";\r\n]+)"?/i.exec(type)?.[1];
        if (/^multipart\//i.test(type) && boundary) {
            const parts = body.split(`--${boundary}`);
            for (const part of parts.slice(1)) {
                if (part.startsWith('--')) break;
                walk(part.replace(/^\r?\n/, ''));
            }
            return;
        }
        if (encoding === 'base64') out.push(Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8'));
        else if (encoding === 'quoted-printable') out.push(decodeQuotedPrintable(body));
        else out.push(body);
    };
    walk(raw);
    return out.join('\n');
}

/** Waits for more than `count` .eml files in `mailDir` and returns the newest, decoded. */
export async function waitForMail(mailDir, { count = 0, timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const names = (await readdir(mailDir)).filter((n) => n.endsWith('.eml')).sort();
        if (names.length > count) {
            const raw = await readFile(path.join(mailDir, names[names.length - 1]), 'utf8');
            return { raw, text: decodeMessage(raw), count: names.length };
        }
        await sleep(100);
    }
    throw new Error(`no new .eml in ${mailDir} within ${timeoutMs} ms`);
}

/** The number of .eml files in the mail drop right now. */
export async function mailCount(mailDir) {
    return (await readdir(mailDir)).filter((n) => n.endsWith('.eml')).length;
}

/** The first href in `text` that contains `sptoken`, HTML entities decoded. */
export function firstSptokenHref(text) {
    const match = /href\s*=\s*"([^"]*sptoken[^"]*)"/i.exec(text) ?? /href\s*=\s*'([^']*sptoken[^']*)'/i.exec(text);
    if (!match) return null;
    return match[1].replace(/&amp;/g, '&').replace(/&#x3D;|&#61;/gi, '=');
}

// ---------------------------------------------------------------------------------------------
// In-page checks (run through page.evaluate)

/**
 * WCAG 2.x contrast of the text of every element matching `selector` against its effective
 * background (ancestors' backgrounds composited). Returns one entry per visible element.
 * Runs in the page.
 */
export function contrastReport(selector) {
    const parse = (value) => {
        const m = /rgba?\(([^)]+)\)/.exec(value);
        if (!m) return null;
        const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
    };
    const over = (top, bottom) => {
        const a = top.a + bottom.a * (1 - top.a);
        if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
        const mix = (t, b) => (t * top.a + b * bottom.a * (1 - top.a)) / a;
        return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a };
    };
    const background = (el) => {
        const layers = [];
        for (let node = el; node; node = node.parentElement) {
            const c = parse(getComputedStyle(node).backgroundColor);
            if (c && c.a > 0) {
                layers.push(c);
                if (c.a >= 1) break;
            }
        }
        // The canvas behind everything is white.
        let color = { r: 255, g: 255, b: 255, a: 1 };
        for (const layer of layers.reverse()) color = over(layer, color);
        return color;
    };
    const luminance = ({ r, g, b }) => {
        const ch = (v) => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const ratio = (a, b) => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    };
    const results = [];
    for (const el of document.querySelectorAll(selector)) {
        const rect = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden') continue;
        if (!el.textContent.trim() && el.tagName !== 'INPUT') continue;
        const bg = background(el);
        const fg = over(parse(style.color), bg);
        results.push({
            element: `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).trim().split(/\s+/).join('.') : ''}`,
            text: (el.textContent || el.value || '').trim().slice(0, 40),
            color: style.color,
            background: `rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`,
            ratio: Math.round(ratio(fg, bg) * 100) / 100,
        });
    }
    return results;
}

/** Contrast (WCAG) between two CSS colors, in the page. */
export function colorContrast([first, second]) {
    const parse = (value) => {
        const m = /rgba?\(([^)]+)\)/.exec(value);
        const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return { r: p[0], g: p[1], b: p[2] };
    };
    const lum = ({ r, g, b }) => {
        const ch = (v) => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const [hi, lo] = [lum(parse(first)), lum(parse(second))].sort((x, y) => y - x);
    return Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100;
}
