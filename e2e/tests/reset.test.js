// The password-reset flow through the file-drop mailer: /forgot, the emailed link, /change,
// and logging in with the new password.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertContrast, assertErrorsAnnounced, assertLabels, assertSameOrigin } from '../lib/checks.js';
import {
    GOOD_PASSWORD,
    MOBILE,
    firstSptokenHref,
    launchBrowser,
    login,
    mailCount,
    openPage,
    register,
    screenshot,
    startApp,
    waitForMail,
} from '../lib/harness.js';

const NEW_PASSWORD = 'N3wP4ssw0rd###';

describe('password reset through the mail drop', { timeout: 120_000 }, () => {
    let app;
    let browser;
    let session;
    let resetLink;
    const email = 'katherine@example.com';
    const requests = [];

    before(async () => {
        [app, browser] = await Promise.all([startApp(), launchBrowser()]);
        session = await openPage(browser, app);
        await register(session.page, { email, given: 'Katherine', surname: 'Johnson' });
    });

    after(async () => {
        await browser?.close();
        await app?.stop();
    });

    it('requests a reset at /forgot and lands on /login?status=forgot', async () => {
        const { page } = session;
        await page.goto('/login');
        await Promise.all([page.waitForURL(/\/forgot$/), page.click('a:has-text("Forgot your password?")')]);
        await screenshot(page, 'forgot');
        const before = await mailCount(app.mailDir);
        await page.fill('input[name="email"]', email);
        await Promise.all([page.waitForURL(/\/login\?status=forgot$/), page.click('button[type="submit"]')]);
        assert.match(await page.locator('div.sp-header').first().innerText(), /Password Reset Requested\./i);

        const mail = await waitForMail(app.mailDir, { count: before });
        assert.match(mail.raw, new RegExp(`^To: .*${email.replace('.', '\\.')}`, 'm'));
        resetLink = firstSptokenHref(mail.text);
        assert.ok(resetLink, 'the mail has a link with an sptoken');
        const url = new URL(resetLink);
        assert.equal(url.origin, app.origin, 'the link points at STORMPATH_BASE_URL');
        assert.equal(url.pathname, '/change');
        assert.ok(url.searchParams.get('sptoken'));
    });

    it('opens the emailed link and sets a new password', async () => {
        const { page } = session;
        await page.goto(resetLink);
        assert.equal(new URL(page.url()).pathname, '/change');
        const visible = page.locator('form.sp-form input:not([type="hidden"])');
        assert.equal(await visible.count(), 2);
        assert.equal(await visible.nth(0).getAttribute('name'), 'password');
        assert.equal(await visible.nth(1).getAttribute('type'), 'password');
        assert.equal(await page.getAttribute('form.sp-form', 'action'), `/change?sptoken=${new URL(resetLink).searchParams.get('sptoken')}`);
        await assertLabels(page);
        await assertContrast(page);
        await screenshot(page, 'change');

        // A mismatch is refused and announced; the page keeps the token.
        await page.fill('input[name="password"]', NEW_PASSWORD);
        await page.fill('input[name="confirmPassword"]', `${NEW_PASSWORD}x`);
        await Promise.all([page.waitForEvent('load'), page.click('button[type="submit"]')]);
        assert.equal(new URL(page.url()).pathname, '/change');
        assert.match(await page.locator('div.alert-danger[role="alert"]').innerText(), /do not match/i);
        await assertErrorsAnnounced(page);

        await page.fill('input[name="password"]', NEW_PASSWORD);
        await page.fill('input[name="confirmPassword"]', NEW_PASSWORD);
        await Promise.all([page.waitForURL(/\/login\?status=reset$/), page.click('button[type="submit"]')]);
        assert.match(await page.locator('div.sp-header').first().innerText(), /Password Reset Successfully\./i);
    });

    it('logs in with the new password, not the old one', async () => {
        const { page } = session;
        await page.fill('input[name="login"]', email);
        await page.fill('input[name="password"]', GOOD_PASSWORD);
        await Promise.all([page.waitForEvent('load'), page.click('form.sp-form button[type="submit"]')]);
        assert.equal(new URL(page.url()).pathname, '/login', 'the old password no longer works');
        assert.ok(await page.locator('div.bad-login').isVisible());

        await login(page, { email, password: NEW_PASSWORD });
        assert.equal(new URL(page.url()).pathname, '/');
        await page.goto('/dashboard');
        assert.equal(new URL(page.url()).pathname, '/dashboard');
    });

    it('sends a used link back to /forgot with the "no longer valid" warning', async () => {
        const fresh = await openPage(browser, app);
        const { page } = fresh;
        await page.goto(resetLink);
        assert.equal(new URL(page.url()).pathname, '/forgot');
        assert.equal(new URL(page.url()).searchParams.get('status'), 'invalid_sptoken');
        const warning = page.locator('div.alert').first();
        assert.match(await warning.getAttribute('class'), /alert-warning/);
        assert.match(await warning.innerText(), /no longer valid/);
        await assertErrorsAnnounced(page);
        await assertContrast(page);
        await screenshot(page, 'forgot-invalid-link');

        await page.setViewportSize(MOBILE);
        await page.goto('/forgot');
        await screenshot(page, 'forgot-mobile');
        requests.push(...fresh.requests);
        await fresh.context.close();
    });

    it('fetched nothing outside the app origin', () => {
        assertSameOrigin([...session.requests, ...requests], app.origin);
    });
});
