// Keyboard-only use of the login form: Tab to the fields, type, Enter submits; focus is
// always visible.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertSameOrigin, assertVisibleFocus, focusIndicator } from '../lib/checks.js';
import { GOOD_PASSWORD, launchBrowser, openPage, register, startApp } from '../lib/harness.js';

/** Presses Tab until the focused element matches `selector` (at most `max` presses). */
async function tabTo(page, selector, max = 6) {
    const path = [];
    for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(focusIndicator);
        path.push(`${focused.tag}${focused.name ? `[name=${focused.name}]` : ''}${focused.text ? ` "${focused.text}"` : ''}`);
        if (await page.evaluate((s) => document.activeElement.matches(s), selector)) return path;
    }
    throw new Error(`Tab never reached ${selector}; went ${path.join(' → ')}`);
}

describe('keyboard-only login', { timeout: 120_000 }, () => {
    let app;
    let browser;
    let session;
    const email = 'alan@example.com';

    before(async () => {
        [app, browser] = await Promise.all([startApp(), launchBrowser()]);
        session = await openPage(browser, app);
        await register(session.page, { email, given: 'Alan', surname: 'Turing' });
        await session.context.clearCookies();
    });

    after(async () => {
        await browser?.close();
        await app?.stop();
    });

    it('offers a skip link first, visible when focused', async () => {
        const { page } = session;
        await page.goto('/login');
        await page.keyboard.press('Tab');
        const skip = await page.evaluate(() => {
            const el = document.activeElement;
            const r = el.getBoundingClientRect();
            return { text: el.textContent.trim(), href: el.getAttribute('href'), left: r.left, top: r.top, width: r.width };
        });
        assert.equal(skip.text, 'Skip to content');
        assert.equal(skip.href, '#sp-content');
        assert.ok(skip.left >= 0 && skip.top >= 0 && skip.width > 0, `skip link on screen when focused: ${JSON.stringify(skip)}`);
        await assertVisibleFocus(page);
    });

    it('reaches the fields with Tab, shows focus, and submits with Enter', async () => {
        const { page } = session;
        await page.goto('/login');
        const path = await tabTo(page, 'input[name="login"]');
        assert.ok(path.length <= 2, `login is the first field after the skip link: ${path.join(' → ')}`);
        const loginFocus = await assertVisibleFocus(page);
        assert.equal(loginFocus.name, 'login');
        await page.keyboard.type(email);

        await page.keyboard.press('Tab');
        const passwordFocus = await assertVisibleFocus(page);
        assert.equal(passwordFocus.name, 'password', 'one Tab from login to password');
        await page.keyboard.type(GOOD_PASSWORD);

        // The submit button is next, with its own visible focus ring; then back to the field.
        await page.keyboard.press('Tab');
        const buttonFocus = await assertVisibleFocus(page);
        assert.equal(buttonFocus.tag, 'button');
        assert.equal(buttonFocus.type, 'submit');
        assert.ok(buttonFocus.focusVisible, 'button matches :focus-visible');
        await page.keyboard.press('Shift+Tab');
        assert.equal((await page.evaluate(focusIndicator)).name, 'password');

        await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
        assert.match(await page.locator('h1').innerText(), /Welcome back, Alan Turing!/);
    });

    it('keeps visible focus on the links under the form', async () => {
        const { page, context } = session;
        await context.clearCookies();
        await page.goto('/login');
        await tabTo(page, '.sp-links a');
        const link = await assertVisibleFocus(page);
        assert.equal(link.tag, 'a');
    });

    it('shows a visible focus ring on every control in the dark color scheme too', async () => {
        const dark = await openPage(browser, app, { colorScheme: 'dark' });
        const { page } = dark;
        await page.goto('/login');
        const seen = [];
        for (let i = 0; i < 8; i++) {
            await page.keyboard.press('Tab');
            const f = await assertVisibleFocus(page);
            seen.push(f.name || f.text);
            if (f.tag === 'a' && f.text === 'Forgot your password?') break;
        }
        assert.deepEqual(seen, ['Skip to content', 'login', 'password', 'Log In', 'Create an account', 'Forgot your password?']);
        session.requests.push(...dark.requests);
        await dark.context.close();
    });

    it('fetched nothing outside the app origin', () => {
        assertSameOrigin(session.requests, app.origin);
    });
});
