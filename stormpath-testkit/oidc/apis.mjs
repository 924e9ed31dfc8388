// GitHub's and Facebook's OAuth APIs in their documented shapes, for the social-login tests
// (no OpenID Connect there): prints `listening <port>`.
//
// GitHub:   GET  /login/oauth/authorize      → 302 redirect_uri?code&state
//           POST /login/oauth/access_token   (form: client_id, client_secret, code, redirect_uri)
//                                            → {access_token, token_type, scope}; a wrong code
//                                              or secret → 200 {error: "bad_verification_code"}
//           GET  /user                       → {id, login, name, email}
//           GET  /user/emails                → [{email, primary, verified, visibility}]
// Facebook: GET  /dialog/oauth               → 302 redirect_uri?code&state
//           GET  /oauth/access_token         (query: client_id, redirect_uri, client_secret, code)
//                                            → {access_token, token_type, expires_in}
//           GET  /me?fields=id,email,name…   → the asked fields the user has
// Token checks (the JSON flow, where the client brings its own token):
// GitHub:   POST /applications/{client_id}/token (Basic client_id:client_secret, {access_token})
//                                            → 200 {id, app: {client_id}, user} or 404
// Facebook: GET  /debug_token?input_token=…  (Bearer app_id|app_secret)
//                                            → {data: {app_id, is_valid, user_id}}
// `POST /_test/user` sets the next user: {"user": {...}, "emails": [...]}.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

const options = JSON.parse(process.argv[2] || '{}');
const secret = options.client_secret || 'secret';
let next = { user: { id: 1, login: 'octocat', name: 'Mona Lisa', email: null }, emails: [] };
const codes = new Map();
const tokens = new Map();

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function text(req) {
  let t = '';
  for await (const c of req) t += c;
  return t;
}

function bearer(req) {
  const h = req.headers.authorization || '';
  const m = /^(?:Bearer|token|OAuth) (.+)$/i.exec(h);
  return m && tokens.get(m[1]);
}

function redirectWithCode(url, res) {
  const code = randomBytes(16).toString('hex');
  codes.set(code, { ...next, client_id: url.searchParams.get('client_id'), redirect_uri: url.searchParams.get('redirect_uri') });
  const back = new URL(url.searchParams.get('redirect_uri'));
  back.searchParams.set('code', code);
  back.searchParams.set('state', url.searchParams.get('state') || '');
  res.writeHead(302, { location: back.toString() });
  res.end();
}

function exchange(params) {
  const grant = codes.get(params.get('code') || '');
  codes.delete(params.get('code') || '');
  if (!grant || params.get('client_secret') !== secret || params.get('client_id') !== grant.client_id
      || params.get('redirect_uri') !== grant.redirect_uri) {
    return null;
  }
  const token = randomBytes(16).toString('hex');
  tokens.set(token, grant);
  return token;
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    if (req.method === 'POST' && url.pathname === '/_test/user') {
      next = JSON.parse(await text(req));
      return send(res, 200, 'ok');
    }
    if (req.method === 'GET' && (url.pathname === '/login/oauth/authorize' || url.pathname === '/dialog/oauth')) {
      return redirectWithCode(url, res);
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const token = exchange(new URLSearchParams(await text(req)));
      if (!token) return send(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      return send(res, 200, { access_token: token, token_type: 'bearer', scope: 'user:email' });
    }
    if (req.method === 'GET' && url.pathname === '/oauth/access_token') {
      const token = exchange(url.searchParams);
      if (!token) return send(res, 400, { error: { message: 'Invalid verification code format.', type: 'OAuthException', code: 100 } });
      return send(res, 200, { access_token: token, token_type: 'bearer', expires_in: 5183944 });
    }
    const check = /^\/applications\/([^/]+)\/token$/.exec(url.pathname);
    if (req.method === 'POST' && check) {
      const basic = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
      if (basic !== `${check[1]}:${secret}`) return send(res, 401, { message: 'Bad credentials' });
      const grant = tokens.get(JSON.parse(await text(req)).access_token || '');
      if (!grant || grant.client_id !== check[1]) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, { id: 1, app: { client_id: grant.client_id }, user: grant.user });
    }
    if (req.method === 'GET' && url.pathname === '/debug_token') {
      const app = (req.headers.authorization || '').replace(/^Bearer /, '').split('|');
      if (app.length !== 2 || app[1] !== secret) return send(res, 400, { error: { message: 'Invalid OAuth access token.', code: 190 } });
      const grant = tokens.get(url.searchParams.get('input_token') || '');
      if (!grant) return send(res, 200, { data: { is_valid: false } });
      return send(res, 200, { data: { app_id: grant.client_id, is_valid: true, user_id: String(grant.user.id) } });
    }
    const grant = bearer(req);
    if (!grant) return send(res, 401, { message: 'Bad credentials' });
    if (url.pathname === '/user') return send(res, 200, grant.user);
    if (url.pathname === '/user/emails') return send(res, 200, grant.emails);
    if (url.pathname === '/me') {
      const fields = (url.searchParams.get('fields') || 'id,name').split(',');
      const out = {};
      for (const f of fields) if (grant.user[f] !== undefined && grant.user[f] !== null) out[f] = grant.user[f];
      return send(res, 200, out);
    }
    return send(res, 404, { message: 'Not Found' });
  } catch (err) {
    return send(res, 500, { message: String(err) });
  }
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
