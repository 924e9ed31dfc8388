// Registration, login, logout and the `next` round trip, as a person does them in Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertErrorsAnnounced, assertSameOrigin } from '../lib/checks.js';
import {
    GOOD_PASSWORD,
    MOBILE,
    launchBrowser,
    login,
    openPage,
    register,
    screenshot,
    startApp,
} from '../lib/harness.js';

describe('register, log in, log out', { timeout: 120_000 }, () => {
    let app;
    let browser;
    let session;
    const email = 'ada@example.com';
    const requests = [];

    before(async () => {
        [app, browser] = await Promise.all([startApp(), launchBrowser()]);
        session = await openPage(browser, app);
    });

    after(async () => {
        await browser?.close();
        await app?.stop();
    });

    it('rejects a weak password with the message next to the password field', async () => {
        const { page } = session;
        await page.goto('/register');
        await page.fill('input[name="givenName"]', 'Ada');
        await page.fill('input[name="surname"]', 'Lovelace');
        await page.fill('input[name="email"]', email);
        await page.fill('input[name="password"]', 'weak');
        await Promise.all([page.waitForEvent('load'), page.click('button[type="submit"]')]);

        assert.equal(new URL(page.url()).pathname, '/register');
        const password = page.locator('input[name="password"]');
        assert.equal(await password.getAttribute('aria-invalid'), 'true');
        assert.equal(await password.getAttribute('aria-describedby'), 'sp-password-error');
        assert.equal(await password.inputValue(), '', 'the password is not echoed back');
        const fieldError = page.locator('#sp-password-error');
        assert.equal(await fieldError.getAttribute('class'), 'sp-field-error');
        assert.match(await fieldError.innerText(), /Password requires at least 8 characters/);
        // "Next to" the field: the message is the input's next element sibling, inside the
        // same .sp-field, and drawn just under it.
        const adjacency = await page.evaluate(() => {
            const input = document.querySelector('input[name="password"]');
            const message = document.getElementById('sp-password-error');
            const a = input.getBoundingClientRect();
            const b = message.getBoundingClientRect();
            return {
                sibling: input.nextElementSibling === message,
                sameField: input.closest('.sp-field') === message.closest('.sp-field'),
                gap: b.top - a.bottom,
                aligned: Math.abs(a.left - b.left),
            };
        });
        assert.ok(adjacency.sibling && adjacency.sameField, JSON.stringify(adjacency));
        assert.ok(adjacency.gap >= 0 && adjacency.gap < 24, `message ${adjacency.gap}px below the field`);
        assert.ok(adjacency.aligned < 2, 'message aligned with the field');
        // The summary at the top is announced; the other fields keep what was typed.
        const alert = page.locator('div.alert-danger[role="alert"]');
        assert.match(await alert.innerText(), /Password requires at least 8 characters/);
        assert.equal(await page.inputValue('input[name="email"]'), email);
        await assertErrorsAnnounced(page);
        await screenshot(page, 'register-error');

        // The same state on a phone.
        const phone = await openPage(browser, app, { viewport: MOBILE });
        await phone.page.goto('/register');
        await phone.page.fill('input[name="givenName"]', 'Ada');
        await phone.page.fill('input[name="surname"]', 'Lovelace');
        await phone.page.fill('input[name="email"]', email);
        await phone.page.fill('input[name="password"]', 'weak');
        await Promise.all([phone.page.waitForEvent('load'), phone.page.click('button[type="submit"]')]);
        await phone.page.locator('#sp-password-error').scrollIntoViewIfNeeded();
        await screenshot(phone.page, 'register-error-mobile');
        requests.push(...phone.requests);
        await phone.context.close();
    });

    it('registers and lands on /login?status=created (autoLogin off)', async () => {
        const { page } = session;
        await page.fill('input[name="password"]', GOOD_PASSWORD);
        await Promise.all([page.waitForURL(/\/login\?status=created$/), page.click('button[type="submit"]')]);
        const banner = page.locator('div.sp-header').first();
        assert.match(await banner.innerText(), /Your Account Has Been Created\.\s+You may now login\./);
        // Not logged in: the protected page still bounces to the login form.
        const probe = await page.request.get('/dashboard', { maxRedirects: 0, headers: { accept: 'text/html' } });
        assert.equal(probe.status(), 302);
        assert.equal(probe.headers().location, '/login?next=%2Fdashboard');
    });

    it('shows an announced error for a wrong password and keeps the login', async () => {
        const { page } = session;
        await page.goto('/login');
        await page.fill('input[name="login"]', email);
        await page.fill('input[name="password"]', 'Wrong-Passw0rd');
        await Promise.all([page.waitForEvent('load'), page.click('form.sp-form button[type="submit"]')]);
        assert.equal(new URL(page.url()).pathname, '/login');
        const error = page.locator('div.bad-login');
        assert.equal(await error.getAttribute('role'), 'alert');
        assert.ok((await error.innerText()).trim().length > 0);
        assert.equal(await page.inputValue('input[name="login"]'), email);
        assert.equal(await page.inputValue('input[name="password"]'), '');
        await assertErrorsAnnounced(page);
        await screenshot(page, 'login-error');
    });

    it('logs in, reaches /dashboard, logs out and logs in again', async () => {
        const { page } = session;
        await page.goto('/login');
        await login(page, { email });
        assert.equal(new URL(page.url()).pathname, '/', 'login.nextUri is /');
        assert.match(await page.locator('h1').innerText(), /Welcome back, Ada Lovelace!/);

        await page.goto('/dashboard');
        assert.equal(new URL(page.url()).pathname, '/dashboard');
        assert.match(await page.locator('body').innerText(), new RegExp(`logged in as ${email.replace(/[.]/g, '\\.')}`));

        await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('button:has-text("Log out")')]);
        assert.match(await page.locator('h1').innerText(), /^Welcome!$/);
        await page.goto('/dashboard');
        assert.equal(new URL(page.url()).pathname, '/login', 'logged out: bounced to /login');

        await login(page, { email });
        assert.equal(new URL(page.url()).pathname, '/dashboard', 'logged in again, back on the dashboard');
        assert.match(await page.locator('h1').innerText(), /Dashboard/);
    });

    it('brings a logged-out visitor of /dashboard back there after login (next round trip)', async () => {
        const fresh = await openPage(browser, app);
        const { page } = fresh;
        await page.goto('/dashboard');
        const url = new URL(page.url());
        assert.equal(url.pathname, '/login');
        assert.equal(url.searchParams.get('next'), '/dashboard');
        assert.equal(await page.getAttribute('form.sp-form', 'action'), '/login?next=%2Fdashboard');
        await login(page, { email });
        assert.equal(new URL(page.url()).pathname, '/dashboard');
        assert.match(await page.locator('body').innerText(), /Hello Ada!/);
        requests.push(...fresh.requests);
        await fresh.context.close();
    });

    it('fetched nothing outside the app origin', () => {
        assertSameOrigin([...session.requests, ...requests], app.origin);
    });
});
