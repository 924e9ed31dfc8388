// The CSRF token: present in every built-in form, and enforced on a real form submission.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorsAnnounced, assertSameOrigin } from '../lib/checks.js';
import { GOOD_PASSWORD, launchBrowser, login, openPage, register, startApp } from '../lib/harness.js';

/** In page: each POST form and its hidden `_csrf` inputs. */
function formsAndTokens() {
    return [...document.forms].map((form) => ({
        method: form.getAttribute('method'),
        action: form.getAttribute('action'),
        tokens: [...form.querySelectorAll('input[name="_csrf"]')].map((i) => ({ type: i.type, value: i.value })),
        firstInputIsToken: form.querySelector('input')?.name === '_csrf',
    }));
}

describe('CSRF protection', { timeout: 120_000 }, () => {
    let app;
    let browser;
    let session;
    const email = 'grace@example.com';

    before(async () => {
        [app, browser] = await Promise.all([startApp(), launchBrowser()]);
        session = await openPage(browser, app);
        await register(session.page, { email, given: 'Grace', surname: 'Hopper' });
    });

    after(async () => {
        await browser?.close();
        await app?.stop();
    });

    // /settings needs a login; /verify is off in the quickstart (no email verification).
    for (const path of ['/login', '/register', '/forgot', '/settings']) {
        it(`puts a hidden _csrf token in the form of ${path}`, async () => {
            const { page, context } = session;
            if (path === '/settings') {
                await page.goto('/login?next=%2Fsettings');
                await login(page, { email });
                assert.equal(new URL(page.url()).pathname, '/settings');
            } else {
                await page.goto(path);
            }
            const forms = await page.evaluate(formsAndTokens);
            assert.ok(forms.length >= 1, `no form on ${path}`);
            const post = forms.filter((f) => f.method === 'post');
            assert.equal(post.length, forms.length, 'every form posts');
            for (const form of post) {
                assert.equal(form.tokens.length, 1, `one _csrf in ${form.action}`);
                assert.equal(form.tokens[0].type, 'hidden');
                assert.match(form.tokens[0].value, /^[A-Za-z0-9_-]{20,}$/);
                assert.ok(form.firstInputIsToken, 'the token comes first in the form');
            }
            await context.clearCookies();
        });
    }

    it('refuses a login whose _csrf was tampered with, and shows why', async () => {
        const { page, context } = session;
        await page.goto('/login');
        const original = await page.inputValue('input[name="_csrf"]');
        const tampered = (original[0] === 'A' ? 'B' : 'A') + original.slice(1);
        await page.evaluate((value) => {
            document.querySelector('input[name="_csrf"]').value = value;
        }, tampered);
        await page.fill('input[name="login"]', email);
        await page.fill('input[name="password"]', GOOD_PASSWORD);
        await Promise.all([page.waitForEvent('load'), page.click('form.sp-form button[type="submit"]')]);

        assert.equal(new URL(page.url()).pathname, '/login', 'stays on the login page');
        const error = page.locator('div.bad-login[role="alert"]');
        assert.ok((await error.innerText()).trim().length > 0, 'an error is shown');
        await assertErrorsAnnounced(page);
        const cookies = await context.cookies();
        assert.ok(!cookies.some((c) => c.name === 'access_token'), 'no session cookie was set');
        const probe = await page.request.get('/dashboard', { maxRedirects: 0, headers: { accept: 'text/html' } });
        assert.equal(probe.status(), 302, 'still logged out');

        // The re-rendered form carries a working token: the same person can now log in.
        await login(page, { email });
        assert.equal(new URL(page.url()).pathname, '/');
        await context.clearCookies();
    });

    it('refuses a login whose _csrf field was removed', async () => {
        const { page } = session;
        await page.goto('/login');
        await page.evaluate(() => document.querySelector('input[name="_csrf"]').remove());
        await page.fill('input[name="login"]', email);
        await page.fill('input[name="password"]', GOOD_PASSWORD);
        await Promise.all([page.waitForEvent('load'), page.click('form.sp-form button[type="submit"]')]);
        assert.equal(new URL(page.url()).pathname, '/login');
        assert.ok((await page.locator('div.bad-login[role="alert"]').innerText()).trim().length > 0);
    });

    it('refuses a token from another browser (cookie and field must match)', async () => {
        const other = await openPage(browser, app);
        await other.page.goto('/login');
        const foreignToken = await other.page.inputValue('input[name="_csrf"]');
        await other.context.close();

        const { page } = session;
        await page.goto('/login');
        await page.evaluate((value) => {
            document.querySelector('input[name="_csrf"]').value = value;
        }, foreignToken);
        await page.fill('input[name="login"]', email);
        await page.fill('input[name="password"]', GOOD_PASSWORD);
        await Promise.all([page.waitForEvent('load'), page.click('form.sp-form button[type="submit"]')]);
        assert.equal(new URL(page.url()).pathname, '/login');
        assert.ok((await page.locator('div.bad-login[role="alert"]').innerText()).trim().length > 0);
    });

    it('refuses a registration whose _csrf was tampered with', async () => {
        const { page } = session;
        await page.goto('/register');
        await page.evaluate(() => {
            const input = document.querySelector('input[name="_csrf"]');
            input.value = input.value.split('').reverse().join('');
        });
        await page.fill('input[name="givenName"]', 'Mallory');
        await page.fill('input[name="surname"]', 'Mallet');
        await page.fill('input[name="email"]', 'mallory@example.com');
        await page.fill('input[name="password"]', GOOD_PASSWORD);
        await Promise.all([page.waitForEvent('load'), page.click('button[type="submit"]')]);
        assert.equal(new URL(page.url()).pathname, '/register', 'not sent on to /login');
        assert.ok((await page.locator('div.alert-danger[role="alert"]').innerText()).trim().length > 0);
        // No account was made: logging in with it fails.
        await page.goto('/login');
        await page.fill('input[name="login"]', 'mallory@example.com');
        await page.fill('input[name="password"]', GOOD_PASSWORD);
        await Promise.all([page.waitForEvent('load'), page.click('form.sp-form button[type="submit"]')]);
        assert.equal(new URL(page.url()).pathname, '/login');
    });

    it('fetched nothing outside the app origin', () => {
        assertSameOrigin(session.requests, app.origin);
    });
});
