'use strict';
// The npm Stormpath SDK 0.20.1 as a witness: every call below is the SDK's own code talking to
// stormpath-server. Configured by environment (the SDK's own variables):
//   STORMPATH_CLIENT_BASEURL, STORMPATH_CLIENT_APIKEY_ID, STORMPATH_CLIENT_APIKEY_SECRET,
//   STORMPATH_APPLICATION_HREF (an application whose default store is a cloud directory),
// and STORMPATH_SERVER_MAIL_DIR, where the server writes its mails.
// Prints one line per check and exits non-zero when any fails.
var common = require('./common');
var ok = common.ok, finish = common.finish, call = common.call;
var mailsWith = common.mailsWith, sptokenOf = common.sptokenOf, claims = common.claims;
var stormpath = require('stormpath');
var nJwt = require('njwt');

var baseUrl = process.env.STORMPATH_CLIENT_BASEURL;
var appHref = process.env.STORMPATH_APPLICATION_HREF;

function fails(promise) {
  return promise.then(function () { return null; }, function (err) { return err; });
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

var unique = Date.now().toString(36);
var password = 'Witness1' + unique;

async function main() {
  // A request that never ends must fail, not hang CI.
  setTimeout(function () {
    console.log('not ok - the witness did not finish within 60 s');
    process.exit(1);
  }, 60000).unref();
  var client = new stormpath.Client({
    client: { baseUrl: baseUrl },
    skipRemoteConfig: true
  });

  // Tenant and application.
  var tenant = await call(client, 'getCurrentTenant');
  ok(tenant && tenant.href.indexOf(baseUrl + '/tenants/') === 0, 'current tenant through /tenants/current');
  var app = await call(client, 'getApplication', appHref);
  ok(app.href === appHref && app.name, 'application by href');
  var byName = await call(client, 'getApplications', { name: app.name });
  ok(byName.size === 1 && byName.items[0].href === appHref, 'application by name');
  var mapping = await call(app, 'getDefaultAccountStore');
  ok(mapping && mapping.isDefaultAccountStore === true && mapping.accountStore.href.indexOf(baseUrl + '/directories/') === 0,
    'default account store mapping names a directory');

  // Accounts.
  var email = 'ada.' + unique + '@example.com';
  var account = await call(app, 'createAccount', {
    givenName: 'Ada', surname: 'Lovelace', email: email, password: password,
    customData: { favourite: { language: 'Analytical' } }
  });
  ok(account.href && account.email === email && account.status === 'ENABLED', 'create an account');
  var dup = await fails(call(app, 'createAccount', { givenName: 'A', surname: 'B', email: email, password: password }));
  ok(dup && dup.status === 409 && dup.code === 2001, 'duplicate email is 409/2001');
  var auth = await call(app, 'authenticateAccount', { username: email, password: password });
  var authed = await call(auth, 'getAccount');
  ok(authed.href === account.href, 'authenticate with the right password');
  var wrong = await fails(call(app, 'authenticateAccount', { username: email, password: 'Wrong' + password }));
  ok(wrong && wrong.status === 400 && wrong.code === 7100 && wrong.userMessage === 'Invalid username or password.',
    'wrong password is 400/7100 "Invalid username or password."');

  // Custom data: nested save, read, field delete.
  var data = await call(account, 'getCustomData');
  ok(data.favourite && data.favourite.language === 'Analytical', 'custom data given at creation');
  data.nested = { a: { b: [1, 2, 3] }, flag: true };
  data.doomed = 'bye';
  await call(data, 'save');
  var again = await call(client, 'getResource', account.href + '/customData', { nocache: true });
  ok(again.nested && again.nested.a.b[2] === 3 && again.doomed === 'bye', 'nested custom data saved and read back');
  data.remove('doomed');
  await call(data, 'save');
  var after = await call(client, 'getResource', account.href + '/customData', { nocache: true });
  ok(after.doomed === undefined && after.nested.flag === true, 'custom data field deleted');

  // Groups and memberships.
  var group = await call(app, 'createGroup', { name: 'witnesses-' + unique });
  ok(group.href && group.name === 'witnesses-' + unique, 'create a group');
  var membership = await call(account, 'addToGroup', group);
  ok(membership && membership.href.indexOf('/groupMemberships/') > 0, 'add the account to the group');
  var groups = await call(account, 'getGroups');
  ok(groups.size === 1 && groups.items[0].href === group.href, "the account's groups");

  // Search and paging.
  for (var i = 0; i < 4; i++) {
    await call(app, 'createAccount', {
      givenName: 'Page' + i, surname: 'Witness', email: 'page' + i + '.' + unique + '@example.com', password: password
    });
  }
  var found = await call(app, 'getAccounts', { email: email });
  ok(found.size === 1 && found.items[0].href === account.href, 'search accounts by email');
  var page = await call(app, 'getAccounts', { surname: 'Witness', limit: 2 });
  ok(page.size === 4 && page.items.length === 2, 'a page of 2 of 4');
  var seen = [];
  await new Promise(function (resolve, reject) {
    page.each(function (acct, next) { seen.push(acct.href); next(); }, function (err) { if (err) { reject(err); } else { resolve(); } });
  });
  ok(seen.length === 4 && new Set(seen).size === 4, 'iterating pages sees each account once');
  var wild = await call(app, 'getAccounts', { email: '*.' + unique + '@example*' });
  ok(wild.size === 5, 'search accounts by a wildcard email (*x*)');
  var byQ = await call(app, 'getAccounts', { q: 'lovelace' });
  ok(byQ.size === 1 && byQ.items[0].href === account.href, 'search accounts with q= (any field, any case)');
  var ordered = await call(app, 'getAccounts', { surname: 'Witness', orderBy: 'givenName desc' });
  ok(ordered.items.map(function (a) { return a.givenName; }).join() === 'Page3,Page2,Page1,Page0',
    'orderBy=givenName desc sorts the accounts');

  // Password reset, end to end: the token comes from the mail the server wrote.
  var token = await call(app, 'sendPasswordResetEmail', { email: email });
  ok(token.href.indexOf('/passwordResetTokens/') > 0, 'a password reset token');
  var mails = await awaitMails(email, 1);
  var sptoken = mails.length === 1 ? sptokenOf(mails[0]) : null;
  ok(sptoken && sptoken.length > 10 && token.href.split('/').pop() === sptoken, 'the server mailed the reset link');
  var verified = await call(app, 'verifyPasswordResetToken', sptoken);
  ok(verified && verified.email === email, 'verify the reset token');
  var newPassword = 'Renewed2' + unique;
  await call(app, 'resetPassword', sptoken, newPassword);
  var renewed = await call(app, 'authenticateAccount', { username: email, password: newPassword });
  ok(renewed && renewed.account, 'log in with the new password');
  var old = await fails(call(app, 'authenticateAccount', { username: email, password: password }));
  ok(old && old.status === 400 && old.code === 7100, 'the old password fails');
  var reused = await fails(call(app, 'verifyPasswordResetToken', sptoken));
  ok(reused && reused.status === 404, 'a used reset token is 404');

  // An account API key, looked up through the application (encrypted secret).
  var apiKey = await call(account, 'createApiKey');
  ok(apiKey.id && apiKey.secret, 'create an account API key');
  var lookedUp = await call(app, 'getApiKey', apiKey.id);
  ok(lookedUp && lookedUp.secret === apiKey.secret, 'look the key up through the application (decrypted secret)');

  // OAuth: password and refresh grants, and local validation of the access token.
  var grant = new stormpath.OAuthPasswordGrantRequestAuthenticator(app);
  var tokens = await call(grant, 'authenticate', { username: email, password: newPassword });
  var response = tokens.accessTokenResponse;
  ok(response.access_token && response.refresh_token && response.token_type === 'Bearer' && response.expires_in === 3600,
    'password grant');
  var refresh = new stormpath.OAuthRefreshTokenGrantRequestAuthenticator(app);
  var refreshed = await call(refresh, 'authenticate', { refresh_token: response.refresh_token });
  var newAccess = refreshed.accessTokenResponse.access_token;
  ok(newAccess && newAccess !== response.access_token && claims(newAccess).jti !== claims(response.access_token).jti &&
    refreshed.accessTokenResponse.refresh_token === response.refresh_token,
    'refresh grant returns a new access token and the same refresh token');
  var validator = new stormpath.StormpathAccessTokenAuthenticator(client).forApplication(app).withLocalValidation();
  var validated = await call(validator, 'authenticate', response.access_token);
  ok(validated && validated.account && validated.account.href === account.href, 'local validation of the access token');
  var validatedNew = await call(validator, 'authenticate', newAccess);
  ok(validatedNew && validatedNew.account && validatedNew.account.href === account.href, 'the refreshed access token validates');
  var remoteValidator = new stormpath.StormpathAccessTokenAuthenticator(client).forApplication(app);
  var remoteValidated = await call(remoteValidator, 'authenticate', newAccess);
  ok(remoteValidated && remoteValidated.account && remoteValidated.account.href === account.href,
    'validation by the server (nocache) of the access token');

  // Refusals, each by the step that must refuse: the local signature check, the local key check
  // (a key outside "Stormpath Administrators"), and the server (a well-signed token it never issued).
  var forgedSig = response.access_token.slice(0, -4) + (response.access_token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA');
  var bad = await fails(call(validator, 'authenticate', forgedSig));
  ok(bad && bad.name === 'JwtParseError' && bad.message === 'Signature verification failed',
    'a forged access token is refused by the local signature check', bad && bad.message);
  var c = claims(response.access_token);
  function mint(keyId, secret, jti) {
    var jwt = nJwt.create({ sub: c.sub, iss: c.iss, jti: jti }, secret, 'HS256');
    jwt.setHeader('kid', keyId);
    jwt.setHeader('stt', 'access');
    return jwt.compact();
  }
  var notAdmin = await fails(call(validator, 'authenticate', mint(apiKey.id, apiKey.secret, c.jti)));
  ok(notAdmin && notAdmin.name === 'JwtParseError' && notAdmin.innerError && notAdmin.innerError.message === 'Invalid kid',
    "a token signed by an account's key is refused locally (Invalid kid)", notAdmin && notAdmin.message);
  var unknown = await fails(call(validator, 'authenticate',
    mint(process.env.STORMPATH_CLIENT_APIKEY_ID, process.env.STORMPATH_CLIENT_APIKEY_SECRET, 'NeverIssued' + unique)));
  ok(unknown && unknown.status >= 400 && unknown.status < 500 && unknown.code === 10013,
    'a well-signed token the server never issued is refused by the server (10013)', unknown && [unknown.status, unknown.code]);

  finish();
}

main().catch(function (err) {
  console.log('not ok - ' + (err && err.stack || err));
  if (err && err.developerMessage) { console.log('# ' + err.developerMessage); }
  process.exit(1);
});
