'use strict';
// express-stormpath 3.2.0 as a witness: real express apps start against stormpath-server (the
// 13-step start-up of sdk-compat.md §4 must end in `stormpath.ready`) and are driven over HTTP
// with Node's own fetch, as a browser or a mobile client would (sdk-compat.md §5). The apps:
// access tokens validated `local`ly; validated by `stormpath` (the server) on every request, with
// register.autoLogin; found by application name; with a second tenant API key; and one started
// after the directory turned email verification on (/verify, and the HTML pages).
// Configured like witness.js (STORMPATH_CLIENT_BASEURL, STORMPATH_CLIENT_APIKEY_ID,
// STORMPATH_CLIENT_APIKEY_SECRET, STORMPATH_APPLICATION_HREF) plus STORMPATH_SERVER_MAIL_DIR,
// where the server writes its mails. Prints one line per check and exits non-zero when any fails.
// loginRequired (what old apps use) and JwtAuthenticator warn that they are deprecated: on purpose.
process.noDeprecation = true;
var common = require('./common');
var ok = common.ok, finish = common.finish, call = common.call;
var mailsWith = common.mailsWith, sptokenOf = common.sptokenOf, claims = common.claims;
var express = require('express');
var stormpath = require('express-stormpath');

var baseUrl = process.env.STORMPATH_CLIENT_BASEURL;
var appHref = process.env.STORMPATH_APPLICATION_HREF;
var tenantKey = { id: process.env.STORMPATH_CLIENT_APIKEY_ID, secret: process.env.STORMPATH_CLIENT_APIKEY_SECRET };
// express-stormpath's config loader reads these variables too: each app gets only what start()
// passes (an app started by application name must not find the href in the environment).
Object.keys(process.env).forEach(function (name) {
  if (/^STORMPATH_(CLIENT|APPLICATION)_/.test(name)) { delete process.env[name]; }
});
var quietLogger = ['error', 'warn', 'info', 'debug', 'verbose', 'log'].reduce(function (logger, level) {
  logger[level] = function () {};
  return logger;
}, {});

// Starts an express app with express-stormpath; resolves once `stormpath.ready` fired and the app
// listens on a free port of 127.0.0.1. `options.application` replaces `{href}` (e.g. `{name}`);
// `options.autoLogin` logs a new registration in; `options.html` serves HTML pages too;
// `options.expand` expands req.user (customData is expanded by default); `options.apiKey`
// replaces the tenant API key of the environment; `options.quiet` drops express's log (for a
// start-up expected to fail).
function start(strategy, options) {
  options = options || {};
  var app = express();
  var unique = process.env.WITNESS_UNIQUE;
  app.use(stormpath.init(app, {
    client: {
      baseUrl: baseUrl,
      apiKey: options.apiKey || tenantKey
    },
    application: options.application || { href: appHref },
    expand: options.expand || {},
    logger: options.quiet ? quietLogger : undefined,
    web: {
      produces: options.html ? ['application/json', 'text/html'] : ['application/json'],
      // A custom field: express stores it in the account's customData.
      register: {
        enabled: true,
        autoLogin: !!options.autoLogin,
        form: { fields: { favoriteColor: { enabled: true, label: 'Colour', placeholder: 'Colour', required: false, type: 'text' } } }
      },
      login: { enabled: true },
      logout: { enabled: true },
      // Every expansion /me knows: each is a request express makes to the server.
      me: {
        enabled: true,
        expand: { apiKeys: true, customData: true, directory: true, groups: true, groupMemberships: true, providerData: true, tenant: true }
      },
      // forgotPassword and changePassword stay `null`: express turns them on only when the
      // default directory's password policy says resetEmailStatus ENABLED (start-up step 8).
      oauth2: { enabled: true, password: { enabled: true, validationStrategy: strategy } }
    }
  }));
  app.get('/protected', stormpath.loginRequired, function (req, res) {
    res.json({ email: req.user.email });
  });
  app.get('/staff', stormpath.loginRequired, stormpath.groupsRequired(['staff-' + unique]), function (req, res) {
    res.json({ email: req.user.email });
  });
  app.get('/nobody', stormpath.loginRequired, stormpath.groupsRequired(['nobody-' + unique]), function (req, res) {
    res.json({ email: req.user.email });
  });
  app.get('/api', stormpath.apiAuthenticationRequired, function (req, res) {
    res.json({ email: req.user.email });
  });
  // The usual profile and preferences pages: the SDK posts req.user (with its expansions) and
  // its customData back.
  app.post('/profile', stormpath.loginRequired, express.json(), function (req, res) {
    req.user.givenName = req.body.givenName;
    req.user.customData.theme = req.body.theme;
    req.user.save(function (err) {
      if (err) { return res.status(500).json({ status: err.status, code: err.code, message: err.message }); }
      req.user.customData.save(function (err2) {
        if (err2) { return res.status(500).json({ status: err2.status, code: err2.code, message: err2.message }); }
        res.json({ givenName: req.user.givenName });
      });
    });
  });
  return new Promise(function (resolve, reject) {
    app.on('stormpath.error', reject);
    app.on('stormpath.ready', function () {
      var server = app.listen(0, '127.0.0.1', function () {
        resolve({ server: server, url: 'http://127.0.0.1:' + server.address().port, app: app });
      });
    });
  });
}

// A tiny cookie jar: name → value, from Set-Cookie; an expired or emptied cookie is dropped.
// `set` holds what the last response set, expired or not.
function Jar() { this.cookies = {}; this.set = {}; }
Jar.prototype.take = function (res) {
  var self = this;
  self.set = {};
  res.headers.getSetCookie().forEach(function (line) {
    var pair = line.split(';')[0];
    var at = pair.indexOf('=');
    var name = pair.slice(0, at).trim();
    var value = pair.slice(at + 1).trim();
    var expired = /expires=([^;]+)/i.exec(line);
    self.set[name] = value;
    if (!value || (expired && new Date(expired[1]).getTime() <= Date.now())) {
      delete self.cookies[name];
    } else {
      self.cookies[name] = value;
    }
  });
};
Jar.prototype.header = function () {
  var cookies = this.cookies;
  return Object.keys(cookies).map(function (k) { return k + '=' + cookies[k]; }).join('; ');
};

// One HTTP request to an express app; JSON by default. Returns {status, body, headers, res}.
async function request(base, method, uri, opts) {
  opts = opts || {};
  var headers = { Accept: 'application/json' };
  var body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  if (opts.jar && opts.jar.header()) { headers.Cookie = opts.jar.header(); }
  if (opts.bearer) { headers.Authorization = 'Bearer ' + opts.bearer; }
  if (opts.basic) { headers.Authorization = 'Basic ' + Buffer.from(opts.basic).toString('base64'); }
  if (opts.accept) { headers.Accept = opts.accept; }
  var res = await fetch(base + uri, { method: method, headers: headers, body: body, redirect: 'manual' });
  if (opts.jar) { opts.jar.take(res); }
  var text = await res.text();
  var parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = text; }
  return { status: res.status, body: parsed, text: text, headers: res.headers, res: res };
}

// The sptoken of a `/{page}?sptoken=` link in a mail to `needle` that is not in `seen`, once
// there is one (mails go out after the answer, in no promised order; bounded wait, else null).
async function awaitLink(needle, page, seen) {
  for (var i = 0; i < 200; i++) {
    var fresh = mailsWith(needle).map(function (m) {
      var at = m.replace(/=\r?\n/g, '').indexOf('/' + page + '?sptoken=');
      return at < 0 ? null : sptokenOf(m.replace(/=\r?\n/g, '').slice(at));
    }).filter(function (t) { return t && seen.indexOf(t) < 0; });
    if (fresh.length) { return fresh[0]; }
    await new Promise(function (r) { setTimeout(r, 50); });
  }
  return null;
}

// Waits until `probe` (synchronous) is true; no bound needed: the caller's probe is the clock.
async function waitUntil(probe) {
  while (!probe()) { await new Promise(function (r) { setTimeout(r, 100); }); }
}

// Waits (bounded) until `probe` resolves true: express revokes tokens on logout without waiting.
async function eventually(probe) {
  for (var i = 0; i < 100; i++) {
    if (await probe()) { return true; }
    await new Promise(function (r) { setTimeout(r, 50); });
  }
  return false;
}

var unique = Date.now().toString(36);
process.env.WITNESS_UNIQUE = unique;

async function main() {
  // A start-up that never ends (no `stormpath.ready`, no error) must fail, not hang CI.
  setTimeout(function () {
    console.log('not ok - express-stormpath did not finish within 120 s');
    process.exit(1);
  }, 120000).unref();
  var local = await start('local');
  ok(true, 'express-stormpath started against the server (validationStrategy local)');
  var remote = await start('stormpath', {
    autoLogin: true,
    expand: { apiKeys: true, customData: true, directory: true, groups: true, groupMemberships: true, providerData: true, tenant: true }
  });
  ok(true, 'express-stormpath started against the server (validationStrategy stormpath, register.autoLogin)');
  var remoteHref = remote.app.get('stormpathApplication').href;
  var appName = remote.app.get('stormpathApplication').name;
  var byName = await start('local', { application: { name: appName } });
  ok(byName.app.get('stormpathApplication').href === remoteHref,
    'express-stormpath started with application.name finds the application (/tenants/current, ?name=)');
  byName.server.close();
  var noSuchApp = await start('local', { application: { name: 'No such app ' + unique }, quiet: true }).then(function () { return null; }, function (err) { return err; });
  ok(noSuchApp instanceof Error, 'an unknown application name stops the start-up with an error', String(noSuchApp));
  var base = local.url;

  // View models (start-up step 12/13: the account stores with their providers).
  var regView = await request(base, 'GET', '/register');
  ok(regView.status === 200 && regView.body && regView.body.form && Array.isArray(regView.body.accountStores),
    'GET /register is the JSON view model', regView.body);
  var loginView = await request(base, 'GET', '/login');
  ok(loginView.status === 200 && loginView.body && loginView.body.form && Array.isArray(loginView.body.accountStores),
    'GET /login is the JSON view model', loginView.body);

  // Register.
  var email = 'grace.' + unique + '@example.com';
  var password = 'Express1' + unique;
  var reg = await request(base, 'POST', '/register', {
    json: { givenName: 'Grace', surname: 'Hopper', email: email, password: password, favoriteColor: 'green' }
  });
  ok(reg.status === 200 && reg.body && reg.body.account && reg.body.account.email === email &&
    reg.body.account.status === 'ENABLED', 'POST /register creates the account', reg.body);
  var weak = await request(base, 'POST', '/register', {
    json: { givenName: 'W', surname: 'Eak', email: 'weak.' + unique + '@example.com', password: 'Ab1' }
  });
  ok(weak.status === 400 && weak.body && weak.body.message === 'Account password minimum length not satisfied.',
    "POST /register with a short password is 400 with the server's message", weak.body);
  var unknownField = await request(base, 'POST', '/register', {
    json: { givenName: 'X', surname: 'Y', email: 'x.' + unique + '@example.com', password: password, shoeSize: 9 }
  });
  ok(unknownField.status === 400, 'POST /register with an unknown field is 400', unknownField.body);

  // Through the SDK client express built: a group for groupsRequired, an account API key.
  var sdk = local.app.get('stormpathClient');
  var sdkApp = local.app.get('stormpathApplication');
  var account = await call(sdk, 'getAccount', reg.body.account.href);
  var staff = await call(sdkApp, 'createGroup', { name: 'staff-' + unique });
  await call(account, 'addToGroup', staff);
  var apiKey = await call(account, 'createApiKey');
  ok(account.href && staff.href && apiKey.id && apiKey.secret, 'a group and an account API key through the SDK client');
  var dup = await request(base, 'POST', '/register', {
    json: { givenName: 'Grace', surname: 'Hopper', email: email, password: password }
  });
  ok(dup.status === 409 && dup.body && /already exists/.test(dup.body.message), 'registering the email again is 409', dup.body);

  // register.autoLogin: the registration logs in (a password grant) and sets the cookies.
  var autoJar = new Jar();
  var autoEmail = 'auto.' + unique + '@example.com';
  var auto = await request(remote.url, 'POST', '/register', {
    json: { givenName: 'Auto', surname: 'Login', email: autoEmail, password: password }, jar: autoJar
  });
  ok(auto.status === 200 && auto.body.account && auto.body.account.email === autoEmail && autoJar.cookies.access_token &&
    autoJar.cookies.refresh_token, 'POST /register with autoLogin sets the cookies', auto.body);
  var autoMe = await request(remote.url, 'GET', '/me', { jar: autoJar });
  ok(autoMe.status === 200 && autoMe.body.account.email === autoEmail, 'GET /me after an autoLogin registration', autoMe.body);

  // Login with cookies.
  var jar = new Jar();
  var login = await request(base, 'POST', '/login', { json: { login: email, password: password }, jar: jar });
  ok(login.status === 200 && login.body && login.body.account && login.body.account.email === email,
    'POST /login answers the account', login.body);
  ok(jar.cookies.access_token && jar.cookies.refresh_token, 'POST /login sets the access and refresh cookies', jar.cookies);
  var upper = await request(base, 'POST', '/login', { json: { login: email.toUpperCase(), password: password } });
  ok(upper.status === 200 && upper.body.account && upper.body.account.email === email, 'POST /login with the email in upper case', upper.body);
  var wrong = await request(base, 'POST', '/login', { json: { login: email, password: 'Wrong' + password } });
  ok(wrong.status === 400 && wrong.body && wrong.body.message === 'Invalid username or password.',
    'a wrong password is 400 "Invalid username or password."', wrong.body);
  var me = await request(base, 'GET', '/me', { jar: jar });
  ok(me.status === 200 && me.body && me.body.account && me.body.account.email === email &&
    me.body.account.givenName === 'Grace', 'GET /me with the cookies is the account', me.body);
  ok(/no-store/.test(me.headers.get('cache-control') || ''), 'GET /me is not cached');
  var acct = (me.body && me.body.account) || {};
  ok(acct.customData && acct.customData.favoriteColor === 'green', '/me expands customData (the custom field)', acct.customData);
  ok(acct.groups && acct.groups.items && acct.groups.items.length === 1 && acct.groups.items[0].name === 'staff-' + unique,
    '/me expands groups', acct.groups);
  ok(acct.groupMemberships && acct.groupMemberships.items && acct.groupMemberships.items.length === 1,
    '/me expands groupMemberships', acct.groupMemberships);
  ok(acct.directory && typeof acct.directory.name === 'string' && acct.directory.name.length > 0, '/me expands the directory', acct.directory);
  ok(acct.tenant && acct.tenant.href && acct.tenant.href.indexOf(baseUrl + '/tenants/') === 0, '/me expands the tenant', acct.tenant);
  ok(acct.providerData && acct.providerData.providerId === 'stormpath', '/me expands providerData', acct.providerData);
  ok(acct.apiKeys && acct.apiKeys.items && acct.apiKeys.items.length === 1 && acct.apiKeys.items[0].id === apiKey.id &&
    acct.apiKeys.items[0].secret === apiKey.secret, '/me expands apiKeys (encrypted secret, decrypted by the SDK)', acct.apiKeys);
  var profile = await request(base, 'POST', '/profile', { json: { givenName: 'Amazing', theme: 'dark' }, jar: jar });
  ok(profile.status === 200 && profile.body.givenName === 'Amazing', 'req.user.save() and req.user.customData.save()', profile.body);
  var profileRemote = await request(remote.url, 'POST', '/profile', { json: { givenName: 'Grace', theme: 'light' }, jar: jar });
  ok(profileRemote.status === 200 && profileRemote.body.givenName === 'Grace',
    'req.user.save() with every expansion of req.user', profileRemote.body);
  var reread = await call(sdk, 'getAccount', account.href, { expand: 'customData' });
  ok(reread.givenName === 'Grace' && reread.customData.theme === 'light' && reread.customData.favoriteColor === 'green',
    'the saved profile and preferences are on the server', [reread.givenName, reread.customData]);
  var inGroup = await request(base, 'GET', '/staff', { jar: jar });
  ok(inGroup.status === 200, 'groupsRequired: a member is let in', inGroup.body);
  var notInGroup = await request(base, 'GET', '/nobody', { jar: jar });
  ok(notInGroup.status === 403, 'groupsRequired: a non-member is 403', notInGroup.body);
  var anon = await request(base, 'GET', '/me');
  ok(anon.status === 401, 'GET /me without cookies is 401', anon.status);
  var prot = await request(base, 'GET', '/protected', { jar: jar });
  ok(prot.status === 200 && prot.body && prot.body.email === email, 'loginRequired with the cookies is 200', prot.body);
  var protAnon = await request(base, 'GET', '/protected');
  ok(protAnon.status === 401, 'loginRequired without cookies is 401 (JSON)', protAnon.status);
  var protHtml = await request(base, 'GET', '/protected', { accept: 'text/html' });
  ok(protHtml.status === 302 && /^\/login\?next=/.test(protHtml.headers.get('location') || ''),
    'loginRequired without cookies redirects a browser to /login', protHtml.headers.get('location'));
  // The same cookies work on the app that asks the server about every token.
  var remoteMe = await request(remote.url, 'GET', '/me', { jar: jar });
  ok(remoteMe.status === 200 && remoteMe.body.account.email === email, 'GET /me with the cookies (validationStrategy stormpath)', remoteMe.body);

  // A second app with another tenant API key (another admin key) accepts the same cookies: it
  // looks the signing key up by `kid` (GET /apiKeys/{kid}, plain secret, Stormpath Administrators).
  var adminKey = await call(sdk, 'getApiKeyById', tenantKey.id);
  var admin = await call(adminKey, 'getAccount');
  var otherKey = await call(admin, 'createApiKey');
  var other = await start('local', { apiKey: { id: otherKey.id, secret: otherKey.secret } });
  var otherMe = await request(other.url, 'GET', '/me', { jar: jar });
  ok(otherMe.status === 200 && otherMe.body.account.email === email, 'an app with another tenant API key accepts the cookies', otherMe.body);
  var otherLogin = await request(other.url, 'POST', '/oauth/token', { form: { grant_type: 'password', username: email, password: password } });
  var otherBearer = await request(base, 'GET', '/protected', { bearer: otherLogin.body && otherLogin.body.access_token });
  ok(otherLogin.status === 200 && otherBearer.status === 200, "and the first app accepts the other app's tokens", [otherLogin.body, otherBearer.body]);
  other.server.close();

  // Only a refresh cookie: express refreshes through the server and sets a new access cookie.
  var refreshOnly = new Jar();
  refreshOnly.cookies.refresh_token = jar.cookies.refresh_token;
  var viaRefresh = await request(base, 'GET', '/me', { jar: refreshOnly });
  ok(viaRefresh.status === 200 && viaRefresh.body.account.email === email && refreshOnly.cookies.access_token,
    'a refresh cookie alone logs in and gets a new access cookie', viaRefresh.body);

  // OAuth: the password grant, a bearer request, the refresh grant.
  var grant = await request(base, 'POST', '/oauth/token', { form: { grant_type: 'password', username: email, password: password } });
  var tokens = grant.body || {};
  ok(grant.status === 200 && tokens.access_token && tokens.refresh_token && tokens.token_type === 'Bearer' &&
    tokens.expires_in === 3600 && /\/accessTokens\//.test(tokens.stormpath_access_token_href || ''),
    'POST /oauth/token password grant', grant.body);
  var badGrant = await request(base, 'POST', '/oauth/token', { form: { grant_type: 'password', username: email, password: 'nope' } });
  ok(badGrant.status === 400 && badGrant.body && badGrant.body.error === 'invalid_grant' &&
    badGrant.body.message === 'Invalid username or password.', 'a wrong password on the password grant is 400 invalid_grant', badGrant.body);
  var bearer = await request(base, 'GET', '/protected', { bearer: tokens.access_token });
  ok(bearer.status === 200 && bearer.body.email === email, 'a bearer request with the access token (local)', bearer.body);
  var bearerRemote = await request(remote.url, 'GET', '/protected', { bearer: tokens.access_token });
  ok(bearerRemote.status === 200 && bearerRemote.body.email === email, 'a bearer request with the access token (stormpath)', bearerRemote.body);
  var forged = tokens.access_token.slice(0, -4) + (tokens.access_token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA');
  var forgedLocal = await request(base, 'GET', '/protected', { bearer: forged });
  var forgedRemote = await request(remote.url, 'GET', '/protected', { bearer: forged });
  ok(forgedLocal.status === 401 && forgedRemote.status === 401, 'a forged bearer token is 401 (both strategies)',
    [forgedLocal.status, forgedRemote.status]);
  var refreshed = await request(base, 'POST', '/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token } });
  var fresh = refreshed.body || {};
  ok(refreshed.status === 200 && fresh.access_token && fresh.access_token !== tokens.access_token &&
    claims(fresh.access_token).jti !== claims(tokens.access_token).jti && fresh.refresh_token === tokens.refresh_token,
    'POST /oauth/token refresh grant: a new access token, the same refresh token', refreshed.body);
  var freshBearer = await request(remote.url, 'GET', '/protected', { bearer: fresh.access_token });
  ok(freshBearer.status === 200 && freshBearer.body.email === email, 'the refreshed access token is accepted', freshBearer.body);
  // client_credentials with the account API key (the SDK mints the token), then API requests.
  var cc = await request(base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials' }, basic: apiKey.id + ':' + apiKey.secret });
  ok(cc.status === 200 && cc.body && cc.body.access_token && cc.body.token_type === 'bearer',
    'POST /oauth/token client_credentials with an account API key', cc.body);
  var ccBad = await request(base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials' }, basic: apiKey.id + ':wrong' });
  ok(ccBad.status === 401 && ccBad.body && ccBad.body.error === 'invalid_client', 'client_credentials with a wrong secret is 401 invalid_client', ccBad.body);
  var apiBearer = await request(base, 'GET', '/api', { bearer: cc.body && cc.body.access_token });
  ok(apiBearer.status === 200 && apiBearer.body.email === email, 'apiAuthenticationRequired with the client_credentials token', apiBearer.body);
  var apiBasic = await request(base, 'GET', '/api', { basic: apiKey.id + ':' + apiKey.secret });
  ok(apiBasic.status === 200 && apiBasic.body.email === email, 'apiAuthenticationRequired with HTTP Basic and the account API key', apiBasic.body);
  var apiBasicBad = await request(base, 'GET', '/api', { basic: apiKey.id + ':wrong' });
  ok(apiBasicBad.status === 401, 'apiAuthenticationRequired with a wrong secret is 401', apiBasicBad.body);
  var noGrant = await request(base, 'POST', '/oauth/token', { form: {} });
  ok(noGrant.status === 400 && noGrant.body && noGrant.body.error === 'invalid_request', 'no grant_type is 400 invalid_request', noGrant.body);

  // Logout: the cookies are cleared, the tokens revoked on the server.
  var cookieAccess = jar.cookies.access_token;
  var logout = await request(base, 'POST', '/logout', { jar: jar });
  ok(logout.status === 200 && !jar.cookies.access_token && !jar.cookies.refresh_token,
    'POST /logout clears the cookies', { status: logout.status, cookies: jar.cookies });
  var afterLogout = await request(base, 'GET', '/me', { jar: jar });
  ok(afterLogout.status === 401, 'GET /me after logout is 401', afterLogout.status);
  var revoked = await eventually(async function () {
    var r = await request(remote.url, 'GET', '/me', { bearer: cookieAccess });
    return r.status === 401;
  });
  ok(revoked, 'the logged-out access token is refused by the server (validationStrategy stormpath)');

  // A disabled account: no login, and its live token is refused by the server.
  var disEmail = 'disabled.' + unique + '@example.com';
  var disReg = await request(base, 'POST', '/register', { json: { givenName: 'Dis', surname: 'Abled', email: disEmail, password: password } });
  var disGrant = await request(base, 'POST', '/oauth/token', { form: { grant_type: 'password', username: disEmail, password: password } });
  var disToken = disGrant.body && disGrant.body.access_token;
  var disBefore = await request(remote.url, 'GET', '/protected', { bearer: disToken });
  ok(disReg.status === 200 && disBefore.status === 200, 'a second account logs in (bearer)', [disReg.status, disBefore.status]);
  var disAccount = await call(sdk, 'getAccount', disReg.body.account.href);
  disAccount.status = 'DISABLED';
  await call(disAccount, 'save');
  var disLogin = await request(base, 'POST', '/login', { json: { login: disEmail, password: password } });
  ok(disLogin.status === 400 && disLogin.body && disLogin.body.message === 'Login attempt failed because the Account is disabled.',
    'a disabled account cannot log in', disLogin.body);
  var disAfter = await request(remote.url, 'GET', '/protected', { bearer: disToken });
  ok(disAfter.status === 401, "a disabled account's token is refused (validationStrategy stormpath)", disAfter.status);

  // Forgot password: a known and an unknown email get the same answer.
  var forgotKnown = await request(base, 'POST', '/forgot', { json: { email: email } });
  var forgotUnknown = await request(base, 'POST', '/forgot', { json: { email: 'nobody.' + unique + '@example.com' } });
  ok(forgotKnown.status === 200 && forgotUnknown.status === 200 && forgotKnown.text === forgotUnknown.text,
    'POST /forgot answers a known and an unknown email alike', [forgotKnown.status, forgotKnown.text, forgotUnknown.status, forgotUnknown.text]);
  var sptoken = await awaitLink(email, 'change', []);
  var mails = mailsWith(email);
  ok(mails.length === 1 && sptoken && sptoken.length > 10, 'the server mailed one reset link', mails.length);
  ok(mailsWith('nobody.' + unique).length === 0, 'no mail for the unknown email');

  // Change password with the mailed token.
  var changeGet = await request(base, 'GET', '/change?sptoken=' + encodeURIComponent(sptoken));
  ok(changeGet.status === 200, 'GET /change?sptoken= with the mailed token is 200', changeGet.body);
  var changeBad = await request(base, 'GET', '/change?sptoken=' + encodeURIComponent(sptoken + 'x'));
  ok(changeBad.status === 404, 'GET /change with an unknown token is 404', changeBad.body);
  var newPassword = 'Changed2' + unique;
  var change = await request(base, 'POST', '/change', { json: { sptoken: sptoken, password: newPassword } });
  ok(change.status === 200, 'POST /change sets the new password', change.body);
  var reuse = await request(base, 'POST', '/change', { json: { sptoken: sptoken, password: 'Again3' + unique } });
  ok(reuse.status === 404, 'the used token is refused', reuse.body);
  var jar2 = new Jar();
  var relogin = await request(base, 'POST', '/login', { json: { login: email, password: newPassword }, jar: jar2 });
  ok(relogin.status === 200 && relogin.body.account.email === email && jar2.cookies.access_token, 'login with the new password', relogin.body);
  var oldLogin = await request(base, 'POST', '/login', { json: { login: email, password: password } });
  ok(oldLogin.status === 400 && oldLogin.body.message === 'Invalid username or password.', 'the old password fails', oldLogin.body);


  // An expired access cookie: express refreshes it with the refresh cookie (the usual path an
  // hour after login). The application's access tokens live one second for this.
  var oauthPolicy = await call(sdkApp, 'getOAuthPolicy');
  oauthPolicy.accessTokenTtl = 'PT1S';
  await call(oauthPolicy, 'save');
  var shortJar = new Jar();
  var short = await request(base, 'POST', '/login', { json: { login: email, password: newPassword }, jar: shortJar });
  var shortAccess = shortJar.set.access_token;
  var shortRefresh = shortJar.set.refresh_token;
  var shortExp = shortAccess ? claims(shortAccess).exp : 0;
  ok(short.status === 200 && shortExp - claims(shortAccess).iat === 1, 'a login with a one-second access token', short.body);
  await waitUntil(function () { return Date.now() > shortExp * 1000 + 1000; });
  var expired = await request(base, 'GET', '/protected', { bearer: shortAccess });
  ok(expired.status === 401, 'the expired access token is refused', expired.status);
  var expiredJar = new Jar();
  expiredJar.cookies = { access_token: shortAccess, refresh_token: shortRefresh };
  var renewedMe = await request(base, 'GET', '/me', { jar: expiredJar });
  ok(renewedMe.status === 200 && renewedMe.body.account.email === email && expiredJar.set.access_token &&
    expiredJar.set.access_token !== shortAccess, 'an expired access cookie is refreshed with the refresh cookie', renewedMe.body);
  expiredJar.cookies = { access_token: shortAccess, refresh_token: shortRefresh };
  var renewedRemote = await request(remote.url, 'GET', '/me', { jar: expiredJar });
  ok(renewedRemote.status === 200 && renewedRemote.body.account.email === email && expiredJar.set.access_token &&
    expiredJar.set.access_token !== shortAccess,
    'an expired access cookie is refreshed (validationStrategy stormpath)', renewedRemote.body);
  oauthPolicy.accessTokenTtl = 'PT1H';
  await call(oauthPolicy, 'save');

  // Email verification: turned on in the directory, picked up by a new app at start-up (step 8).
  var dir = await call(sdk, 'getDirectory', account.directory.href, { expand: 'accountCreationPolicy' });
  var policy = dir.accountCreationPolicy;
  policy.verificationEmailStatus = 'ENABLED';
  await call(policy, 'save');
  var verifying = await start('local', { html: true });
  ok(true, 'express-stormpath started against a directory that verifies emails');
  var vbase = verifying.url;
  var vemail = 'lin.' + unique + '@example.com';
  var vreg = await request(vbase, 'POST', '/register', { json: { givenName: 'Lin', surname: 'Verified', email: vemail, password: password } });
  ok(vreg.status === 200 && vreg.body && vreg.body.account && vreg.body.account.status === 'UNVERIFIED',
    'POST /register makes an UNVERIFIED account', vreg.body);
  var firstToken = await awaitLink(vemail, 'verify', []);
  ok(firstToken, 'the server mailed the verification link', firstToken);
  var unverifiedLogin = await request(vbase, 'POST', '/login', { json: { login: vemail, password: password } });
  ok(unverifiedLogin.status === 400 && unverifiedLogin.body &&
    unverifiedLogin.body.message === 'Login attempt failed because the Account is not verified.',
    'an unverified account cannot log in', unverifiedLogin.body);
  var resendKnown = await request(vbase, 'POST', '/verify', { json: { email: vemail } });
  var resendUnknown = await request(vbase, 'POST', '/verify', { json: { email: 'ghost.' + unique + '@example.com' } });
  ok(resendKnown.status === 200 && resendUnknown.status === 200 && resendKnown.text === resendUnknown.text,
    'POST /verify answers a known and an unknown email alike', [resendKnown.status, resendKnown.body, resendUnknown.status, resendUnknown.body]);
  var vtoken = await awaitLink(vemail, 'verify', [firstToken]);
  ok(vtoken, 'the server mailed a new verification link on request', vtoken);
  ok(mailsWith('ghost.' + unique).length === 0, 'no mail for the unknown email');
  var badVerify = await request(vbase, 'GET', '/verify?sptoken=' + encodeURIComponent(vtoken + 'x'));
  ok(badVerify.status === 404, 'GET /verify with an unknown token is 404', badVerify.body);
  var verify = await request(vbase, 'GET', '/verify?sptoken=' + encodeURIComponent(vtoken));
  ok(verify.status === 200, 'GET /verify?sptoken= with the mailed token is 200', verify.body);
  var vjar = new Jar();
  var verifiedLogin = await request(vbase, 'POST', '/login', { json: { login: vemail, password: password }, jar: vjar });
  ok(verifiedLogin.status === 200 && verifiedLogin.body.account.status === 'ENABLED' && vjar.cookies.access_token,
    'the verified account logs in', verifiedLogin.body);

  // The HTML pages of the same flows (a browser: forms, redirects).
  var html = 'text/html';
  var hemail = 'html.' + unique + '@example.com';
  var hreg = await request(vbase, 'POST', '/register', {
    form: { givenName: 'Hyper', surname: 'Text', email: hemail, password: password }, accept: html
  });
  ok(hreg.status === 302 && hreg.headers.get('location') === '/login?status=unverified',
    'HTML POST /register redirects to /login?status=unverified', [hreg.status, hreg.headers.get('location')]);
  var htoken = await awaitLink(hemail, 'verify', []);
  var hverify = await request(vbase, 'GET', '/verify?sptoken=' + encodeURIComponent(htoken), { accept: html });
  ok(hverify.status === 302 && hverify.headers.get('location') === '/login?status=verified',
    'HTML GET /verify?sptoken= redirects to /login?status=verified', [hverify.status, hverify.headers.get('location')]);
  var hloginPage = await request(vbase, 'GET', '/login', { accept: html });
  ok(hloginPage.status === 200 && /<form/.test(hloginPage.text) && /name="login"/.test(hloginPage.text), 'HTML GET /login is the login page', hloginPage.status);
  var hjar = new Jar();
  var hlogin = await request(vbase, 'POST', '/login', { form: { login: hemail, password: password }, accept: html, jar: hjar });
  ok(hlogin.status === 302 && hlogin.headers.get('location') === '/' && hjar.cookies.access_token,
    'HTML POST /login redirects to / with the cookies', [hlogin.status, hlogin.headers.get('location')]);
  var hbad = await request(vbase, 'POST', '/login', { form: { login: hemail, password: 'nope' }, accept: html });
  ok(hbad.status === 200 && /Invalid username or password\./.test(hbad.text), 'HTML POST /login with a wrong password shows the message', hbad.status);
  var hforgot = await request(vbase, 'POST', '/forgot', { form: { email: hemail }, accept: html });
  ok(hforgot.status === 302 && hforgot.headers.get('location') === '/login?status=forgot',
    'HTML POST /forgot redirects to /login?status=forgot', [hforgot.status, hforgot.headers.get('location')]);
  var hreset = await awaitLink(hemail, 'change', []);
  var hchangePage = await request(vbase, 'GET', '/change?sptoken=' + encodeURIComponent(hreset), { accept: html });
  ok(hchangePage.status === 200 && /name="passwordAgain"/.test(hchangePage.text), 'HTML GET /change?sptoken= is the change page', hchangePage.status);
  var hchangeBad = await request(vbase, 'GET', '/change?sptoken=' + encodeURIComponent(hreset + 'x'), { accept: html });
  ok(hchangeBad.status === 302 && hchangeBad.headers.get('location') === '/forgot?status=invalid_sptoken',
    'HTML GET /change with an unknown token redirects to /forgot?status=invalid_sptoken', [hchangeBad.status, hchangeBad.headers.get('location')]);
  var hnew = 'Hyper4' + unique;
  var hchange = await request(vbase, 'POST', '/change?sptoken=' + encodeURIComponent(hreset), {
    form: { password: hnew, passwordAgain: hnew }, accept: html
  });
  ok(hchange.status === 302 && hchange.headers.get('location') === '/login?status=reset',
    'HTML POST /change redirects to /login?status=reset', [hchange.status, hchange.headers.get('location'), hchange.text.slice(0, 300)]);
  var hrelogin = await request(vbase, 'POST', '/login', { form: { login: hemail, password: hnew }, accept: html });
  ok(hrelogin.status === 302 && hrelogin.headers.get('location') === '/', 'HTML login with the new password', hrelogin.status);
  var hlogout = await request(vbase, 'POST', '/logout', { accept: html, jar: hjar });
  ok(hlogout.status === 302 && !hjar.cookies.access_token, 'HTML POST /logout redirects and clears the cookies', hlogout.status);

  local.server.close();
  remote.server.close();
  verifying.server.close();
  finish();
}

main().catch(function (err) {
  console.log('not ok - ' + (err && err.stack || err));
  if (err && err.developerMessage) { console.log('# ' + err.developerMessage); }
  process.exit(1);
});
