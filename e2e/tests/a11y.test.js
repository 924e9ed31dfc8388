// Visual and accessibility quality of the built-in pages at phone and desktop widths, in light
// and dark color schemes; the screenshots shown in the README.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
    assertContrast,
    assertErrorsAnnounced,
    assertInputBorders,
    assertLabels,
    assertNoHorizontalScroll,
    assertSameOrigin,
    structureProblems,
} from '../lib/checks.js';
import { DESKTOP, MOBILE, launchBrowser, openPage, screenshot, startApp } from '../lib/harness.js';

/** The pages checked, and the screenshot each gives (desktop, and `-mobile` at 375 px). */
const PAGES = [
    { path: '/login', shot: 'login' },
    { path: '/register', shot: 'register' },
    { path: '/forgot', shot: null }, // shot by the reset suite, in its flow
    { path: '/login?status=created', shot: 'login-created', desktopOnly: true },
    { path: '/forgot?status=invalid_sptoken', shot: null },
];

/** Submits a form into its error state: a weak password on /register, a bad login. */
const ERROR_STATES = [
    {
        name: 'register-error',
        path: '/register',
        fill: { givenName: 'Ada', surname: 'Lovelace', email: 'ada@example.com', password: 'weak' },
    },
    { name: 'login-error', path: '/login', fill: { login: 'nobody@example.com', password: 'Wr0ngPassword' } },
];

describe('visual and accessibility quality', { timeout: 180_000 }, () => {
    let app;
    let browser;
    const requests = [];

    before(async () => {
        [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    });

    after(async () => {
        await browser?.close();
        await app?.stop();
    });

    it('keeps the spec §11 structure rules in the served HTML', async () => {
        for (const { path } of PAGES) {
            const response = await fetch(new URL(path, app.baseURL), { headers: { accept: 'text/html' } });
            assert.equal(response.status, 200, path);
            assert.match(response.headers.get('content-type'), /^text\/html; charset=utf-8/);
            const html = await response.text();
            assert.deepEqual(structureProblems(html), [], path);
            // Nothing fetched from elsewhere: no external stylesheet, script, font or image.
            assert.doesNotMatch(html, /<(script|link|img|iframe)\b[^>]*\b(src|href)="(https?:)?\/\//i, path);
            assert.doesNotMatch(html, /@import|url\(\s*["']?(https?:)?\/\//i, path);
        }
    });

    for (const [label, viewport] of [
        ['desktop 1280x800', DESKTOP],
        ['phone 375x667', MOBILE],
    ]) {
        for (const colorScheme of ['light', 'dark']) {
            it(`pages at ${label}, ${colorScheme}: no horizontal scroll, labels, contrast`, async () => {
                const session = await openPage(browser, app, { viewport, colorScheme });
                const { page } = session;
                for (const { path, shot, desktopOnly } of PAGES) {
                    await page.goto(path);
                    await assertNoHorizontalScroll(page);
                    await assertLabels(page);
                    await assertContrast(page);
                    await assertInputBorders(page);
                    await assertErrorsAnnounced(page);
                    // Inputs and buttons are big enough to tap (44 px).
                    const small = await page.evaluate(() =>
                        [...document.querySelectorAll('input:not([type=hidden]), button')]
                            .map((el) => ({ name: el.name || el.textContent.trim(), h: el.getBoundingClientRect().height }))
                            .filter((t) => t.h < 43.5),
                    );
                    assert.deepEqual(small, [], `${path}: controls under 44px tall`);
                    if (shot && colorScheme === 'light' && !(desktopOnly && viewport === MOBILE)) {
                        await screenshot(page, viewport === MOBILE ? `${shot}-mobile` : shot);
                    }
                    if (shot === 'login' && colorScheme === 'dark' && viewport === DESKTOP) {
                        await screenshot(page, 'login-dark');
                    }
                }
                requests.push(...session.requests);
                await session.context.close();
            });

            it(`error states at ${label}, ${colorScheme}: announced, tied to fields, contrast`, async () => {
                const session = await openPage(browser, app, { viewport, colorScheme });
                const { page } = session;
                for (const state of ERROR_STATES) {
                    await page.goto(state.path);
                    for (const [name, value] of Object.entries(state.fill)) {
                        await page.fill(`input[name="${name}"]`, value);
                    }
                    await Promise.all([page.waitForEvent('load'), page.click('form.sp-form button[type="submit"]')]);
                    assert.equal(new URL(page.url()).pathname, state.path);
                    const errors = await assertErrorsAnnounced(page);
                    assert.ok(errors.length >= 1, `${state.name}: an error is shown`);
                    await assertNoHorizontalScroll(page);
                    await assertLabels(page);
                    await assertContrast(page);
                    await assertInputBorders(page);
                    if (viewport === MOBILE && colorScheme === 'light' && state.name === 'login-error') {
                        await screenshot(page, 'login-error-mobile');
                    }
                }
                requests.push(...session.requests);
                await session.context.close();
            });
        }
    }

    it('fetched nothing outside the app origin', () => {
        assertSameOrigin(requests, app.origin);
    });
});
