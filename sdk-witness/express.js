'use strict';
// express-stormpath 3.2.0 as a witness: two real express apps (access tokens validated `local`ly
// and by `stormpath`, i.e. the server, on every request) start against stormpath-server (the
// 13-step start-up of sdk-compat.md §4 must end in `stormpath.ready`) and are driven over HTTP
// with Node's own fetch, as a browser or a mobile client would (sdk-compat.md §5).
// Configured like witness.js (STORMPATH_CLIENT_BASEURL, STORMPATH_CLIENT_APIKEY_ID,
// STORMPATH_CLIENT_APIKEY_SECRET, STORMPATH_APPLICATION_HREF) plus STORMPATH_SERVER_MAIL_DIR,
// where the server writes its mails. Prints one line per check and exits non-zero when any fails.
var express = require('express');
var stormpath = require('express-stormpath');
var fs = require('fs');
var path = require('path');

var baseUrl = process.env.STORMPATH_CLIENT_BASEURL;
var appHref = process.env.STORMPATH_APPLICATION_HREF;
var mailDir = process.env.STORMPATH_SERVER_MAIL_DIR;
var failures = 0;
var checks = 0;

function ok(cond, what, detail) {
  checks++;
  if (cond) {
    console.log('ok ' + checks + ' - ' + what);
  } else {
    failures++;
    console.log('not ok ' + checks + ' - ' + what);
    if (detail !== undefined) { console.log('# ' + JSON.stringify(detail)); }
  }
}

// Starts an express app with express-stormpath; resolves once `stormpath.ready` fired and the app
// listens on a free port of 127.0.0.1.
function start(strategy) {
  var app = express();
  app.use(stormpath.init(app, {
    client: {
      baseUrl: baseUrl,
      apiKey: { id: process.env.STORMPATH_CLIENT_APIKEY_ID, secret: process.env.STORMPATH_CLIENT_APIKEY_SECRET }
    },
    application: { href: appHref },
    web: {
      produces: ['application/json'],
      register: { enabled: true },
      login: { enabled: true },
      logout: { enabled: true },
      me: { enabled: true },
      // forgotPassword and changePassword stay `null`: express turns them on only when the
      // default directory's password policy says resetEmailStatus ENABLED (start-up step 8).
      oauth2: { enabled: true, password: { enabled: true, validationStrategy: strategy } }
    }
  }));
  app.get('/protected', stormpath.loginRequired, function (req, res) {
    res.json({ email: req.user.email });
  });
  return new Promise(function (resolve, reject) {
    app.on('stormpath.error', reject);
    app.on('stormpath.ready', function () {
      var server = app.listen(0, '127.0.0.1', function () {
        resolve({ server: server, url: 'http://127.0.0.1:' + server.address().port });
      });
    });
  });
}

// A tiny cookie jar: name → value, from Set-Cookie; an expired or emptied cookie is dropped.
function Jar() { this.cookies = {}; }
Jar.prototype.take = function (res) {
  var self = this;
  res.headers.getSetCookie().forEach(function (line) {
    var pair = line.split(';')[0];
    var at = pair.indexOf('=');
    var name = pair.slice(0, at).trim();
    var value = pair.slice(at + 1).trim();
    var expired = /expires=([^;]+)/i.exec(line);
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
  if (opts.accept) { headers.Accept = opts.accept; }
  var res = await fetch(base + uri, { method: method, headers: headers, body: body, redirect: 'manual' });
  if (opts.jar) { opts.jar.take(res); }
  var text = await res.text();
  var parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = text; }
  return { status: res.status, body: parsed, text: text, headers: res.headers, res: res };
}

// The claims of a JWT (unverified: only to read `jti`).
function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

// The mails the server wrote that mention `needle`.
function mailsWith(needle) {
  return fs.readdirSync(mailDir).sort().map(function (name) {
    return fs.readFileSync(path.join(mailDir, name), 'utf8');
  }).filter(function (text) { return text.indexOf(needle) >= 0; });
}

// The mails that mention `needle`, once there are `count` of them: the server sends its mails
// after it answers (bounded wait; fewer after 10 s is a failure the caller reports).
async function awaitMails(needle, count) {
  for (var i = 0; i < 200; i++) {
    var found = mailsWith(needle);
    if (found.length >= count) { return found; }
    await new Promise(function (r) { setTimeout(r, 50); });
  }
  return mailsWith(needle);
}

// The `sptoken` of the first link in a mail (quoted-printable soft breaks undone).
function sptokenOf(mail) {
  var m = /sptoken=([A-Za-z0-9_-]+)/.exec(mail.replace(/=\r?\n/g, ''));
  return m && m[1];
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

async function main() {
  // A start-up that never ends (no `stormpath.ready`, no error) must fail, not hang CI.
  setTimeout(function () {
    console.log('not ok - express-stormpath did not finish within 120 s');
    process.exit(1);
  }, 120000).unref();
  var local = await start('local');
  ok(true, 'express-stormpath started against the server (validationStrategy local)');
  var remote = await start('stormpath');
  ok(true, 'express-stormpath started against the server (validationStrategy stormpath)');
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
    json: { givenName: 'Grace', surname: 'Hopper', email: email, password: password }
  });
  ok(reg.status === 200 && reg.body && reg.body.account && reg.body.account.email === email &&
    reg.body.account.status === 'ENABLED', 'POST /register creates the account', reg.body);
  var dup = await request(base, 'POST', '/register', {
    json: { givenName: 'Grace', surname: 'Hopper', email: email, password: password }
  });
  ok(dup.status === 409 && dup.body && /already exists/.test(dup.body.message), 'registering the email again is 409', dup.body);

  // Login with cookies.
  var jar = new Jar();
  var login = await request(base, 'POST', '/login', { json: { login: email, password: password }, jar: jar });
  ok(login.status === 200 && login.body && login.body.account && login.body.account.email === email,
    'POST /login answers the account', login.body);
  ok(jar.cookies.access_token && jar.cookies.refresh_token, 'POST /login sets the access and refresh cookies', jar.cookies);
  var wrong = await request(base, 'POST', '/login', { json: { login: email, password: 'Wrong' + password } });
  ok(wrong.status === 400 && wrong.body && wrong.body.message === 'Invalid username or password.',
    'a wrong password is 400 "Invalid username or password."', wrong.body);
  var me = await request(base, 'GET', '/me', { jar: jar });
  ok(me.status === 200 && me.body && me.body.account && me.body.account.email === email &&
    me.body.account.givenName === 'Grace', 'GET /me with the cookies is the account', me.body);
  ok(/no-store/.test(me.headers.get('cache-control') || ''), 'GET /me is not cached');
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

  // Forgot password: a known and an unknown email get the same answer.
  var forgotKnown = await request(base, 'POST', '/forgot', { json: { email: email } });
  var forgotUnknown = await request(base, 'POST', '/forgot', { json: { email: 'nobody.' + unique + '@example.com' } });
  ok(forgotKnown.status === 200 && forgotUnknown.status === 200 && forgotKnown.text === forgotUnknown.text,
    'POST /forgot answers a known and an unknown email alike', [forgotKnown.status, forgotKnown.text, forgotUnknown.status, forgotUnknown.text]);
  var mails = await awaitMails(email, 1);
  var sptoken = mails.length && sptokenOf(mails[mails.length - 1]);
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

  local.server.close();
  remote.server.close();
  console.log('1..' + checks);
  if (failures) {
    console.error(failures + ' of ' + checks + ' checks failed');
    process.exit(1);
  }
  process.exit(0);
}

main().catch(function (err) {
  console.log('not ok - ' + (err && err.stack || err));
  if (err && err.developerMessage) { console.log('# ' + err.developerMessage); }
  process.exit(1);
});
