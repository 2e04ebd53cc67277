// A real OAuth 2.0 authorization server for the tests (oauth2-mock-server), behaving like
// Atlassian's where it matters:
//   - the client secret is checked on every token request (3LO has no PKCE);
//   - refresh tokens rotate: each refresh issues a new one and disables the one used, so a
//     reused refresh token gets 403 invalid_grant, as Atlassian answers;
//   - the token response carries the scopes requested on the consent URL.
//   - `test_user=NAME` on the consent URL makes NAME the token's `sub` (kept across refreshes):
//     the multi-user tests sign in different people.
// Behaviour switches (env): OAUTH_MODE = ok | deny | no_code | invalid_scope | bad_redirect.
// It prints `ready <port>` once listening and keeps counters in $OAUTH_STATE_DIR/stats.json:
// { refreshes, last_refresh_token, issued, rejected_reuse }.
import { OAuth2Server } from 'oauth2-mock-server';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

const port = Number(process.env.OAUTH_PORT || 0);
const secret = process.env.OAUTH_CLIENT_SECRET || 'test-secret';
const mode = process.env.OAUTH_MODE || 'ok';
const stateDir = process.env.OAUTH_STATE_DIR || '.';
const ttl = Number(process.env.OAUTH_TOKEN_TTL || 3600);

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');

const scopeByCode = new Map();
const scopeByRefresh = new Map();
const live = new Set();
const stats = { refreshes: 0, last_refresh_token: null, issued: 0, rejected_reuse: 0, codes: 0 };
const save = () => writeFileSync(join(stateDir, 'stats.json'), JSON.stringify(stats));
save();

const userByCode = new Map();
const userByRefresh = new Map();
const userOf = (req) => {
  const b = req.body || {};
  if (b.grant_type === 'authorization_code') return userByCode.get(b.code);
  if (b.grant_type === 'refresh_token') return userByRefresh.get(b.refresh_token);
  return undefined;
};

// Every token is unique, as Atlassian's are (two tokens issued in the same second differ).
server.service.on('beforeTokenSigning', (token, req) => {
  token.payload.jti = randomUUID();
  const user = userOf(req);
  if (user) token.payload.sub = user;
});

server.service.on('beforeAuthorizeRedirect', (redirect, req) => {
  const url = redirect.url;
  const code = url.searchParams.get('code');
  if (code) scopeByCode.set(code, req.query.scope || '');
  if (code && req.query.test_user) userByCode.set(code, req.query.test_user);
  if (mode === 'deny') {
    url.searchParams.delete('code');
    url.searchParams.set('error', 'access_denied');
    url.searchParams.set('error_description', 'User did not authorize the request');
  } else if (mode === 'no_code') {
    url.searchParams.delete('code');
  } else if (mode === 'invalid_scope') {
    url.searchParams.delete('code');
    url.searchParams.set('error', 'invalid_scope');
    url.searchParams.set('error_description', 'Unrecognized scope: write:nonsense');
  } else if (mode === 'bad_redirect') {
    url.searchParams.delete('code');
    url.searchParams.set('error', 'unauthorized_client');
    url.searchParams.set('error_description', 'redirect_uri is not registered for client');
  }
});

server.service.on('beforeResponse', (resp, req) => {
  const b = req.body || {};
  if (b.client_secret !== secret) {
    resp.statusCode = 401;
    resp.body = { error: 'access_denied', error_description: 'Unauthorized' };
    return;
  }
  let scope = '';
  if (b.grant_type === 'authorization_code') {
    stats.codes += 1;
    scope = scopeByCode.get(b.code) ?? '';
    scopeByCode.delete(b.code);
  } else if (b.grant_type === 'refresh_token') {
    if (!live.has(b.refresh_token)) {
      stats.rejected_reuse += 1;
      save();
      resp.statusCode = 403;
      resp.body = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };
      return;
    }
    live.delete(b.refresh_token);
    scope = scopeByRefresh.get(b.refresh_token) ?? '';
    stats.refreshes += 1;
  }
  const body = resp.body;
  const user = userOf(req);
  delete body.id_token;
  body.scope = scope;
  body.expires_in = ttl;
  if (body.refresh_token) {
    if (user) userByRefresh.set(body.refresh_token, user);
    live.add(body.refresh_token);
    scopeByRefresh.set(body.refresh_token, scope);
    stats.last_refresh_token = body.refresh_token;
  }
  stats.issued += 1;
  save();
});

await server.start(port, '127.0.0.1');
console.log(`ready ${server.address().port}`);
