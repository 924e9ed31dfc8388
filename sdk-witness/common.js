'use strict';
// What both witnesses share: TAP-like checks, the SDK's callbacks as promises, and the mails
// stormpath-server wrote into STORMPATH_SERVER_MAIL_DIR.
var fs = require('fs');
var path = require('path');

var mailDir = process.env.STORMPATH_SERVER_MAIL_DIR;
var failures = 0;
var checks = 0;

// One check: prints `ok N - what`, or `not ok N - what` and the detail.
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

// Prints the plan and exits: non-zero when any check failed.
function finish() {
  console.log('1..' + checks);
  if (failures) {
    console.error(failures + ' of ' + checks + ' checks failed');
    process.exit(1);
  }
  process.exit(0);
}

// A callback-style SDK call as a promise.
function call(obj, name) {
  var args = Array.prototype.slice.call(arguments, 2);
  return new Promise(function (resolve, reject) {
    args.push(function (err, value) { if (err) { reject(err); } else { resolve(value); } });
    obj[name].apply(obj, args);
  });
}

// The mails the server wrote that mention `needle`.
function mailsWith(needle) {
  return fs.readdirSync(mailDir).sort().map(function (name) {
    return fs.readFileSync(path.join(mailDir, name), 'utf8');
  }).filter(function (text) { return text.indexOf(needle) >= 0; });
}

// The `sptoken` of the first link in a mail (quoted-printable soft breaks undone).
function sptokenOf(mail) {
  var m = /sptoken=([A-Za-z0-9_-]+)/.exec(mail.replace(/=\r?\n/g, ''));
  return m && m[1];
}

// The claims of a JWT, unverified (only to read them).
function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

module.exports = { ok: ok, finish: finish, call: call, mailsWith: mailsWith, sptokenOf: sptokenOf, claims: claims };
