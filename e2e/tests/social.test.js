// Social login as a person does it: "Continue with Corp" on the login page, the provider's own
// sign-in and consent pages (a real OpenID Connect provider process, the npm oidc-provider of
// stormpath-testkit/oidc), and back to the app, logged in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, openPage, screenshot, startApp, startOidcProvider } from '../lib/harness.js';

const CLIENT_ID = 'e2e-app';
const CLIENT_SECRET = 'e2e-app-secret-0123456789abcdef';

describe('social login', { timeout: 120_000 }, () => {
    let op;
    let app;
    let browser;

    before(async () => {
        op = await startOidcProvider();
        [app, browser] = await Promise.all([
            startApp({
                config: {
                    web: {
                        social: {
                            corp: {
                                enabled: true,
                                name: 'Corp',
                                issuer: op.issuer,
                                clientId: CLIENT_ID,
                                clientSecret: CLIENT_SECRET,
                                timeoutSeconds: 5,
                            },
                        },
                    },
                },
            }),
            launchBrowser(),
        ]);
        await op.registerClient({
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_uris: [`${app.baseURL}/callbacks/corp`],
        });
    });

    after(async () => {
        await browser?.close();
        await app?.stop();
        await op?.stop();
    });

    it('clicks "Continue with Corp" through the provider and arrives logged in', async () => {
        const { page } = await openPage(browser, app, { allowOrigins: [op.issuer] });
        await page.goto('/login?next=%2Fdashboard');
        const button = page.getByRole('link', { name: 'Continue with Corp' });
        assert.equal(await button.count(), 1);
        await screenshot(page, 'social-login-button');

        // The provider's sign-in page (any login; an email address is also the account's email).
        await Promise.all([page.waitForURL((url) => url.origin === op.issuer), button.click()]);
        await page.fill('input[name="login"]', 'ada@example.com');
        await page.fill('input[name="password"]', 'anything');
        await Promise.all([page.waitForLoadState('load'), page.click('button[type="submit"]')]);
        // Its consent page.
        const consent = page.getByRole('button', { name: 'Continue' });
        await Promise.all([page.waitForURL((url) => url.origin === app.origin), consent.click()]);

        // Back on the app, at the `next` the button carried, with the token cookies.
        await page.waitForLoadState('load');
        assert.equal(new URL(page.url()).pathname, '/dashboard', page.url());
        const cookies = await page.context().cookies(app.baseURL);
        const access = cookies.find((c) => c.name === 'access_token');
        assert.ok(access, 'the access token cookie is set');
        assert.equal(access.httpOnly, true);
        assert.ok(!cookies.some((c) => c.name === 'sp_social'), 'the flow cookie is gone');
        const me = await page.evaluate(async () => {
            const res = await fetch('/me', { headers: { Accept: 'application/json' } });
            return { status: res.status, body: await res.json() };
        });
        assert.equal(me.status, 200);
        assert.equal(me.body.account.email, 'ada@example.com');
    });
});
