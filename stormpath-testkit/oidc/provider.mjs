// A real OpenID Connect provider (the npm `oidc-provider`) for the social-login tests.
//
// Usage: node provider.mjs '<json options>'
//   {"port": 0, "clients": [{"client_id", "client_secret", "redirect_uris": [...]}], "alg": "RS256"|"ES256"}
// Prints `listening <port>` on stdout once it accepts connections.
//
// Interactions complete by themselves (no login form) unless `"interactive": true` (the browser
// suite): then the provider's own login and consent pages (oidc-provider's devInteractions) ask,
// any login signs in as that subject, and a login that is an email address is also its email.
// Otherwise the account that signs in is the one the test named last with `POST /_test/user` ({"sub", "email", "email_verified", "name"}; an
// `email` of null leaves the claim out). `POST /_test/tamper` ({"mode"}) makes the token
// endpoint hand out an ID token changed in one way, to prove the relying party refuses it:
//   badsig   a byte of the signature flipped
//   aud      re-signed with the provider's key, `aud` another client
//   expired  re-signed, `exp` an hour ago
//   nonce    re-signed, another `nonce`
//   none     `alg: none`, no signature
//   kid      signed with a key the JWKS does not hold (`kid` unknown)
//   slow     the token endpoint answers after 30 s
//   ""       no tampering
// `POST /_test/client` ({"client_id", "client_secret", "redirect_uris"}) registers a client.
// `POST /_test/rotate` replaces the signing key (a new `kid` the relying party has not cached).
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const options = JSON.parse(process.argv[2] || '{}');
const alg = options.alg || 'RS256';
const interactive = Boolean(options.interactive);

async function signingKey() {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  jwk.kid = `k-${Math.random().toString(36).slice(2, 10)}`;
  jwk.alg = alg;
  jwk.use = 'sig';
  return jwk;
}

let keys = [await signingKey()];
let user = { sub: 'user-1', email: 'user1@example.com', email_verified: true, name: 'User One' };
let tamper = '';
const clients = [...(options.clients || [])];
let provider;
let issuer;

function build() {
  const p = new Provider(issuer, {
    clients,
    jwks: { keys },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    features: { devInteractions: { enabled: interactive }, userinfo: { enabled: true } },
    conformIdTokenClaims: false,
    enabledJWA: { idTokenSigningAlgValues: [alg] },
    clientDefaults: { id_token_signed_response_alg: alg, grant_types: ['authorization_code'], response_types: ['code'] },
    ...(interactive ? {} : { interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` } }),
    async findAccount(ctx, sub) {
      const current = interactive && sub.includes('@')
        ? { ...user, email: sub, email_verified: true }
        : { ...user };
      return {
        accountId: sub,
        async claims() {
          const claims = { sub, name: current.name };
          if (current.email !== null && current.email !== undefined) {
            claims.email = current.email;
            claims.email_verified = current.email_verified;
          }
          return claims;
        },
      };
    },
  });
  p.proxy = false;
  p.use(async (ctx, next) => {
    if (ctx.path === '/token' && tamper === 'slow') {
      await new Promise((r) => setTimeout(r, 30000));
    }
    await next();
    if (ctx.path === '/token' && ctx.body && ctx.body.id_token && tamper && tamper !== 'slow') {
      ctx.body = { ...ctx.body, id_token: await tampered(ctx.body.id_token) };
    }
  });
  return p;
}

async function tampered(token) {
  const [h, payload, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const key = await jose.importJWK(keys[0], alg);
  const sign = (c, k = key, kid = keys[0].kid) =>
    new jose.SignJWT(c).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(k);
  switch (tamper) {
    case 'badsig': {
      const bytes = Buffer.from(sig, 'base64url');
      bytes[bytes.length - 1] ^= 1;
      return `${h}.${payload}.${bytes.toString('base64url')}`;
    }
    case 'aud':
      return sign({ ...claims, aud: 'another-client' });
    case 'expired': {
      const now = Math.floor(Date.now() / 1000);
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 });
    }
    case 'nonce':
      return sign({ ...claims, nonce: 'not-the-nonce-we-sent' });
    case 'none': {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      return `${header}.${payload}.`;
    }
    case 'kid': {
      const other = await signingKey();
      return sign(claims, await jose.importJWK(other, alg), other.kid);
    }
    default:
      return token;
  }
}

async function body(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : {};
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  if (prompt.name === 'login') {
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope || 'openid'));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/_test/user') {
      user = await body(req);
      res.end('ok');
    } else if (req.method === 'POST' && req.url === '/_test/tamper') {
      tamper = (await body(req)).mode || '';
      res.end('ok');
    } else if (req.method === 'POST' && req.url === '/_test/client') {
      clients.push(await body(req));
      provider = build();
      res.end('ok');
    } else if (req.method === 'POST' && req.url === '/_test/rotate') {
      keys = [await signingKey()];
      provider = build();
      res.end(keys[0].kid);
    } else if (!interactive && req.method === 'GET' && req.url.startsWith('/interaction/')) {
      await interaction(req, res);
    } else {
      provider.callback()(req, res);
    }
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err && err.stack));
  }
});

server.listen(options.port || 0, '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}`;
  provider = build();
  process.stdout.write(`listening ${port}\n`);
});
