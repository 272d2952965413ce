// panva's oidc-provider on 127.0.0.1, for tests/interop: a certified OpenID provider that
// speaks PAR, DPoP, private_key_jwt and the FAPI 2.0 profile.
//
// Input: one JSON object on stdin: {"clients": [...client metadata...], "fapi": false,
//   "requireDpopNonce": false, "accessTokenTtl": 3600, "rotateRefreshTokens": true}
// Output: one JSON line on stdout once listening: {"issuer": "http://127.0.0.1:PORT"}.
// Every login is approved at once for the account "user-1" (no login page), with the
// scopes the client asked for; the tests play the browser by following redirects.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text || '{}'));
}));

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: input.clients ?? [],
  clientAuthMethods: [
    'none', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt',
  ],
  scopes: ['openid', 'offline_access', 'profile'],
  claims: { openid: ['sub'] },
  findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => input.rotateRefreshTokens ?? true,
  ttl: { AccessToken: input.accessTokenTtl ?? 3600 },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    pushedAuthorizationRequests: { enabled: true },
    dPoP: {
      enabled: true,
      nonceSecret: randomBytes(32),
      requireNonce: () => Boolean(input.requireDpopNonce),
    },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
    fapi: input.fapi ? { enabled: true, profile: '2.0' } : { enabled: false },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: (ctx, out) => { ctx.type = 'json'; ctx.body = out; },
});
provider.proxy = false;

// The "browser" half: approve every interaction for user-1 with what the client asked.
async function approve(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { params, prompt } = details;
  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
  } else {
    grant = new provider.Grant({ accountId: 'user-1', clientId: params.client_id });
  }
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (params.scope) grant.addOIDCScope(params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req, res, { login: { accountId: 'user-1' }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    approve(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  callback(req, res);
});
provider.on('server_error', (ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));
void errors;

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
