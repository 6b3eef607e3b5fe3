// A real OpenID provider for the router's sign-in tests (oidc-provider), on loopback (or, for the cluster test, the
// docker0 bridge address the test cluster's pods reach; never 0.0.0.0).
// Environment: OIDC_USERS = JSON [{sub, username, password, name, email, email_verified, groups}],
// OIDC_CLIENT_ID, OIDC_CLIENT_SECRET; OIDC_HOST (default 127.0.0.1); OIDC_TLS_CERT + OIDC_TLS_KEY (PEM files):
// https instead of http. Prints "oidc-provider-listening: <issuer>" once it serves.
// The login form checks each user's password; consent is granted for the one static client (a first-party app).
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const users = JSON.parse(process.env.OIDC_USERS ?? '[]');
const clientId = process.env.OIDC_CLIENT_ID ?? 'htagkube';
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? 'secret';

const host = process.env.OIDC_HOST ?? '127.0.0.1';
const tls = process.env.OIDC_TLS_CERT
  ? { cert: readFileSync(process.env.OIDC_TLS_CERT), key: readFileSync(process.env.OIDC_TLS_KEY) }
  : undefined;

let provider;
const handler = (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((e) => { res.statusCode = 500; res.end(String(e)); });
  } else {
    provider.callback()(req, res);
  }
};
const server = tls ? https.createServer(tls, handler) : http.createServer(handler);

server.listen(0, host, () => {
  const issuer = `${tls ? 'https' : 'http'}://${host}:${server.address().port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      // A native client: RFC 8252 loopback redirects, whatever port the router under test got. With
      // OIDC_REDIRECT_URIS (an https one behind a TLS-terminating ingress), a web client with exactly those.
      ...(process.env.OIDC_REDIRECT_URIS
        ? { application_type: 'web', redirect_uris: JSON.parse(process.env.OIDC_REDIRECT_URIS) }
        : { application_type: 'native', redirect_uris: ['http://127.0.0.1/_htagkube/signin-oidc'] }),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, i) => `/interaction/${i.uid}` },
    findAccount: (ctx, id) => {
      const u = users.find((x) => x.sub === id);
      if (!u) return undefined;
      return {
        accountId: id,
        claims: () => {
          const c = { sub: u.sub };
          if (u.name !== undefined) c.name = u.name;
          if (u.email !== undefined) { c.email = u.email; c.email_verified = u.email_verified ?? true; }
          if (u.groups !== undefined) c.groups = u.groups;
          return c;
        },
      };
    },
    async loadExistingGrant(ctx) {
      const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (id) return ctx.oidc.provider.Grant.find(id);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
  });
  console.log(`oidc-provider-listening: ${issuer}`);
});

function page(res, body, status = 200) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`<!doctype html><html><head><title>Test provider</title></head><body>${body}</body></html>`);
}

function loginForm(uid, error) {
  return `<h1>Sign in</h1>${error ? `<p id="error">${error}</p>` : ''}
    <form method="post" action="/interaction/${uid}/login">
      <label>User <input id="username" name="username" autocomplete="username"></label>
      <label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
      <button id="signin" type="submit">Sign in</button>
    </form>`;
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    let body = '';
    for await (const chunk of req) { body += chunk; if (body.length > 10000) throw new Error('body too large'); }
    const form = new URLSearchParams(body);
    const user = users.find((u) => u.username === form.get('username') && u.password === form.get('password'));
    if (!user) return page(res, loginForm(details.uid, 'Wrong user or password.'), 401);
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name === 'login') return page(res, loginForm(details.uid));
  // Consent for the static first-party client: granted by loadExistingGrant; finishing is enough.
  return provider.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
}
