// A relying party built on the npm `openid-client` package (6.x), driven by
// tests/e2e/openid_client_interop.rs over line-delimited JSON on stdin/stdout.
//
// The test sends one command per line: {"step": NAME, "client": CLIENT, ...}. The script runs
// that step with the library's own APIs and answers
//   {"step": NAME, "ok": true, "result": {...}}          or
//   {"step": NAME, "ok": false, "error": CODE, "message": TEXT, "status": HTTP_STATUS}
// where CODE is the OAuth error (`invalid_grant`, ...) or the library's error code.
// A step that needs the user's browser first prints
//   {"step": NAME, "browse": URL, "expect": "redirect" | "form_post"}
// and reads one line back: {"redirect": URL} (where the browser was sent) or
// {"form_post": {"action": URL, "fields": {NAME: VALUE, ...}}} (the form the browser would POST).
//
// Clients are named by the test: the `discovery` step registers CLIENT under its name (with its
// id, secret, authentication method, ID token algorithm and redirect URIs); later steps use the
// name and the tokens the earlier steps obtained for it. Adding a step = one async function in
// `steps`; adding an authentication method = one entry in `authentications`.
// Diagnostics go to stderr, which the test shows when a step fails.

import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import * as jose from 'jose';
import * as client from 'openid-client';

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
const lines = rl[Symbol.asyncIterator]();

function send(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function receive() {
  const { value, done } = await lines.next();
  if (done) throw new Error('stdin closed');
  return JSON.parse(value);
}

/** Hands a URL to the test's browser; returns its answer ({redirect} or {form_post}). */
async function browse(step, url, expect) {
  send({ step, browse: url.href, expect });
  return receive();
}

// name → { registration, config, tokens, claims, previousRefreshToken }
const clients = new Map();

// The back-channel logout receiver: per client name (the last segment of the URI it is
// registered with), the logout tokens POSTed to it in arrival order and the waiters for one.
const inboxes = new Map();

function inbox(name) {
  if (!inboxes.has(name)) inboxes.set(name, { received: [], waiting: [] });
  return inboxes.get(name);
}

function deliver(name, token) {
  const box = inbox(name);
  const waiter = box.waiting.shift();
  if (waiter) waiter(token);
  else box.received.push(token);
}

function nextLogoutToken(name, ms) {
  const box = inbox(name);
  if (box.received.length > 0) return Promise.resolve(box.received.shift());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no logout token for ${name} within ${ms} ms`)), ms);
    box.waiting.push((token) => {
      clearTimeout(timer);
      resolve(token);
    });
  });
}

function named(name) {
  const known = clients.get(name);
  if (!known) throw new Error(`client ${name} was not discovered first`);
  return known;
}

/**
 * How each `token_endpoint_auth_method` authenticates, from the registration the test sent
 * (extra registration fields, such as a private JWK, reach these functions as they are).
 */
const authentications = {
  client_secret_basic: (r) => client.ClientSecretBasic(r.secret),
  client_secret_post: (r) => client.ClientSecretPost(r.secret),
  client_secret_jwt: (r) => client.ClientSecretJwt(r.secret),
  // The key pair the `new_key` step made for this client (its public half is registered).
  private_key_jwt: (r) => {
    const pair = keys.get(r.key);
    if (!pair) throw new Error(`no key ${r.key}: run new_key first`);
    return client.PrivateKeyJwt({ key: pair.privateKey, kid: pair.kid });
  },
  none: () => client.None(),
};

// name → { privateKey, kid }: client keys made by `new_key`.
const keys = new Map();

/** The JOSE header of a compact JWS (to report which algorithm the provider used). */
function header(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));
}

/** The `aud` of a JWT access token (RFC 9068), as a resource server reads it. */
function audienceOf(jwt) {
  const { aud } = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
  return Array.isArray(aud) ? aud : [aud];
}

/** `parameters` plus one `resource` parameter per entry of `resources` (RFC 8707). */
function withResources(parameters, resources) {
  const all = new URLSearchParams(parameters);
  for (const resource of resources ?? []) all.append('resource', resource);
  return all;
}

const steps = {
  /**
   * Makes a key pair for private_key_jwt; returns the public JWK to register with Poort.
   * cmd: { client: KEY_NAME, alg: "ES256" | "RS256" | "PS256" | "EdDSA" }
   */
  async new_key(cmd) {
    const pair = await jose.generateKeyPair(cmd.alg, { extractable: true });
    const jwk = await jose.exportJWK(pair.publicKey);
    const kid = await jose.calculateJwkThumbprint(jwk);
    keys.set(cmd.client, { privateKey: pair.privateKey, kid });
    return { jwk: { ...jwk, kid, alg: cmd.alg, use: 'sig' } };
  },

  /**
   * OIDC discovery (default) or RFC 8414 (`algorithm: "oauth2"`); registers the client.
   * cmd: { client, issuer, algorithm?, registration: { id, secret?, auth, alg?, redirect_uri,
   * post_logout_redirect_uri? } }
   */
  async discovery(cmd) {
    const r = cmd.registration;
    const authenticate = authentications[r.auth];
    if (!authenticate) throw new Error(`unknown authentication method ${r.auth}`);
    const metadata = {
      token_endpoint_auth_method: r.auth,
      redirect_uris: r.redirect_uri ? [r.redirect_uri] : undefined,
      id_token_signed_response_alg: r.alg ?? 'RS256',
    };
    const config = await client.discovery(
      new URL(cmd.issuer),
      r.id,
      metadata,
      await authenticate(r),
      { algorithm: cmd.algorithm ?? 'oidc', execute: [client.allowInsecureRequests] },
    );
    clients.set(cmd.client, { registration: r, config });
    const m = config.serverMetadata();
    return {
      issuer: m.issuer,
      authorization_endpoint: m.authorization_endpoint,
      token_endpoint: m.token_endpoint,
      userinfo_endpoint: m.userinfo_endpoint ?? null,
      jwks_uri: m.jwks_uri,
      introspection_endpoint: m.introspection_endpoint ?? null,
      revocation_endpoint: m.revocation_endpoint ?? null,
      end_session_endpoint: m.end_session_endpoint ?? null,
      supports_pkce: m.supportsPKCE(),
      response_modes_supported: m.response_modes_supported ?? [],
      authorization_response_iss_parameter_supported:
        m.authorization_response_iss_parameter_supported ?? false,
    };
  },

  /**
   * Authorization code flow with PKCE (S256), state and nonce; the library checks state, iss,
   * the ID token (signature, alg, aud, nonce) and sends the verifier.
   * cmd: { client, response_mode?, scope?, wrong_verifier?, resource?: [URI] (authorization
   * request), token_resource?: [URI] (token request) }
   */
  async code(cmd) {
    const c = named(cmd.client);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const parameters = {
      redirect_uri: c.registration.redirect_uri,
      scope: cmd.scope ?? 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    if (cmd.response_mode) parameters.response_mode = cmd.response_mode;
    const url = client.buildAuthorizationUrl(c.config, withResources(parameters, cmd.resource));

    const formPost = cmd.response_mode === 'form_post';
    const reply = await browse('code', url, formPost ? 'form_post' : 'redirect');
    let current;
    if (formPost) {
      if (!reply.form_post) throw new Error(`expected a form_post reply, got ${JSON.stringify(reply)}`);
      // What the browser would POST to the redirect URI, as the library's form_post input.
      current = new Request(reply.form_post.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(reply.form_post.fields),
      });
    } else {
      if (!reply.redirect) throw new Error(`expected a redirect reply, got ${JSON.stringify(reply)}`);
      current = new URL(reply.redirect);
    }

    const tokens = await client.authorizationCodeGrant(c.config, current, {
      pkceCodeVerifier: cmd.wrong_verifier ? client.randomPKCECodeVerifier() : verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    }, withResources({}, cmd.token_resource));
    const claims = tokens.claims();
    c.tokens = tokens;
    c.claims = claims;
    return {
      sub: claims.sub,
      email: claims.email ?? null,
      aud: claims.aud,
      alg: header(tokens.id_token).alg,
      token_type: tokens.token_type,
      scope: tokens.scope ?? null,
      refresh_token: typeof tokens.refresh_token === 'string',
      access_token_aud: audienceOf(tokens.access_token),
    };
  },

  /** UserInfo with the access token; the library checks `sub` against the ID token's. */
  async userinfo(cmd) {
    const c = named(cmd.client);
    const info = await client.fetchUserInfo(c.config, c.tokens.access_token, c.claims.sub);
    return info;
  },

  /**
   * Refresh grant. cmd: { client, use?: "previous", resource?: [URI] } — "previous" presents
   * the refresh token the last successful refresh replaced (a reuse).
   */
  async refresh(cmd) {
    const c = named(cmd.client);
    const presented = cmd.use === 'previous' ? c.previousRefreshToken : c.tokens.refresh_token;
    if (!presented) throw new Error('no refresh token to present');
    const tokens = await client.refreshTokenGrant(c.config, presented, withResources({}, cmd.resource));
    c.previousRefreshToken = presented;
    const before = c.tokens;
    c.tokens = tokens;
    return {
      rotated: typeof tokens.refresh_token === 'string' && tokens.refresh_token !== presented,
      new_access_token: tokens.access_token !== before.access_token,
      id_token: typeof tokens.id_token === 'string',
      scope: tokens.scope ?? null,
      access_token_aud: audienceOf(tokens.access_token),
    };
  },

  /** Introspection of this client's access or refresh token. cmd: { client, token } */
  async introspect(cmd) {
    const c = named(cmd.client);
    const token = tokenOf(c, cmd.token);
    return client.tokenIntrospection(c.config, token, { token_type_hint: hintOf(cmd.token) });
  },

  /** Revocation of this client's access or refresh token. cmd: { client, token } */
  async revoke(cmd) {
    const c = named(cmd.client);
    await client.tokenRevocation(c.config, tokenOf(c, cmd.token), {
      token_type_hint: hintOf(cmd.token),
    });
    return { revoked: cmd.token };
  },

  /**
   * RP-initiated logout: the end-session URL with id_token_hint, post_logout_redirect_uri and
   * state, followed by the browser; checks that it came back to the registered URI with state.
   */
  async end_session(cmd) {
    const c = named(cmd.client);
    const state = client.randomState();
    const target = c.registration.post_logout_redirect_uri;
    const url = client.buildEndSessionUrl(c.config, {
      id_token_hint: c.tokens.id_token,
      post_logout_redirect_uri: target,
      state,
    });
    const reply = await browse('end_session', url, 'redirect');
    if (!reply.redirect) throw new Error(`expected a redirect reply, got ${JSON.stringify(reply)}`);
    const back = new URL(reply.redirect);
    return {
      returned_to: `${back.origin}${back.pathname}`,
      registered: target,
      state_matches: back.searchParams.get('state') === state,
    };
  },

  /**
   * Starts the back-channel logout receiver (OIDC Back-Channel Logout 1.0 §2.5) on 127.0.0.1;
   * returns its base URL: client NAME registers `${url}/NAME` as its backchannel_logout_uri.
   */
  async backchannel_listen() {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        const token = new URLSearchParams(body).get('logout_token');
        // §2.8: 200 when the logout succeeded, 400 when the request is not a logout request.
        if (req.method !== 'POST' || !token) {
          res.writeHead(400).end();
          return;
        }
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
        deliver(new URL(req.url, 'http://receiver').pathname.split('/').pop(), token);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${server.address().port}/backchannel-logout` };
  },

  /**
   * Waits for the next logout token and validates it as §2.6 says, with jose against the
   * issuer's JWKS: signature and alg, iss, aud = this client, iat/exp, `typ` logout+jwt, the
   * logout event, sub or sid, and no nonce. cmd: { client, timeout_ms? }
   */
  async backchannel_received(cmd) {
    const c = named(cmd.client);
    const token = await nextLogoutToken(cmd.client, cmd.timeout_ms ?? 10000);
    const metadata = c.config.serverMetadata();
    const jwks = jose.createRemoteJWKSet(new URL(metadata.jwks_uri));
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
      issuer: metadata.issuer,
      audience: c.registration.id,
      typ: 'logout+jwt',
      algorithms: [c.registration.alg ?? 'RS256'],
      requiredClaims: ['iat', 'exp', 'jti', 'events'],
      maxTokenAge: '5 minutes',
    });
    const event = payload.events?.['http://schemas.openid.net/event/backchannel-logout'];
    if (typeof event !== 'object' || event === null) throw new Error('no back-channel logout event');
    if ('nonce' in payload) throw new Error('a logout token must not carry a nonce');
    if (!payload.sub && !payload.sid) throw new Error('a logout token needs sub or sid');
    return {
      typ: protectedHeader.typ,
      alg: protectedHeader.alg,
      sub: payload.sub ?? null,
      sid: payload.sid ?? null,
      id_token_sid: c.claims?.sid ?? null,
    };
  },

  /**
   * Device Authorization Grant (RFC 8628): asks for a device and user code, then polls the
   * token endpoint with the library's own loop (interval, slow_down) while the test's browser
   * opens verification_uri_complete, signs in and answers; the library checks the token
   * response and the ID token's claims. The browser is asked with expect "device:approve" or
   * "device:deny" and answers {device: DECISION}. cmd: { client, scope?, decision? }
   */
  async device(cmd) {
    const c = named(cmd.client);
    const codes = await client.initiateDeviceAuthorization(c.config, {
      scope: cmd.scope ?? 'openid email profile',
    });
    const polling = client.pollDeviceAuthorizationGrant(c.config, codes);
    // Settled below; until then a refusal must not count as unhandled.
    polling.catch(() => {});
    const decision = cmd.decision ?? 'approve';
    const reply = await browse('device', new URL(codes.verification_uri_complete), `device:${decision}`);
    if (reply.device !== decision) throw new Error(`expected a device reply, got ${JSON.stringify(reply)}`);
    const tokens = await polling;
    const claims = tokens.claims();
    c.tokens = tokens;
    c.claims = claims;
    return {
      user_code: codes.user_code,
      verification_uri: codes.verification_uri,
      interval: codes.interval ?? null,
      expires_in: codes.expires_in,
      sub: claims.sub,
      email: claims.email ?? null,
      aud: claims.aud,
      amr: claims.amr ?? null,
      token_type: tokens.token_type,
      scope: tokens.scope ?? null,
      refresh_token: typeof tokens.refresh_token === 'string',
    };
  },

  /** client_credentials. cmd: { client, scope? } */
  async client_credentials(cmd) {
    const c = named(cmd.client);
    const parameters = cmd.scope ? { scope: cmd.scope } : {};
    const tokens = await client.clientCredentialsGrant(c.config, parameters);
    c.tokens = tokens;
    return {
      token_type: tokens.token_type,
      expires_in: tokens.expires_in ?? null,
      scope: tokens.scope ?? null,
      refresh_token: typeof tokens.refresh_token === 'string',
    };
  },
};

function tokenOf(c, which) {
  const token = which === 'refresh' ? c.tokens?.refresh_token : c.tokens?.access_token;
  if (!token) throw new Error(`client has no ${which} token`);
  return token;
}

function hintOf(which) {
  return which === 'refresh' ? 'refresh_token' : 'access_token';
}

/**
 * The failure as the test sees it: the OAuth error code when the provider answered one (in the
 * JSON body; for a 401 the library throws on the WWW-Authenticate challenge, so the error
 * comes from the challenge or the response body it kept), else the library's error code.
 */
async function failure(step, err) {
  let error = err?.error;
  let description = err?.error_description;
  if (error === undefined && Array.isArray(err?.cause)) {
    error = err.cause[0]?.parameters?.error;
    if (error === undefined && err.response && !err.response.bodyUsed) {
      const body = await err.response.json().catch(() => ({}));
      error = body.error;
      description = body.error_description;
    }
  }
  return {
    step,
    ok: false,
    error: error ?? err?.code ?? err?.name ?? 'Error',
    message: String(description ?? err?.message ?? err),
    status: err?.status ?? null,
  };
}

for (;;) {
  let command;
  try {
    command = await receive();
  } catch (err) {
    if (err.message === 'stdin closed') break;
    send(await failure('?', err));
    continue;
  }
  const run = steps[command.step];
  if (!run) {
    send(await failure(command.step, new Error(`unknown step ${command.step}`)));
    continue;
  }
  try {
    send({ step: command.step, ok: true, result: await run(command) });
  } catch (err) {
    console.error(`step ${command.step} failed:`, err);
    send(await failure(command.step, err));
  }
}
rl.close();
// Anything still listening (a receiver a step started) must not keep the process alive.
process.exit(0);
