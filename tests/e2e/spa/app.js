// A single-page app that signs in through Poort from its own origin: authorization code with
// PKCE S256 by redirect, then `fetch` for the token, userinfo, refresh and revocation. What
// happened goes into #result as JSON, and <body data-done="1"> when finished.
"use strict";

const config = document.documentElement.dataset;
const redirectUri = config.redirectUri;

function report(result) {
  document.getElementById("result").textContent = JSON.stringify(result, null, 2);
  document.getElementById("status").textContent = result.error ? "failed" : "done";
  document.body.dataset.done = "1";
}

function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function post(path, fields) {
  const response = await fetch(config.issuer + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, body: await response.json() };
}

async function signIn() {
  const verifier = random();
  const state = random();
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem("pending", JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri,
    scope: "openid email offline_access",
    state,
    nonce: random(),
    code_challenge: base64url(digest),
    code_challenge_method: "S256",
  });
  location.assign(config.issuer + "/authorize?" + query);
}

async function callback() {
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem("pending") || "{}");
  sessionStorage.removeItem("pending");
  if (!pending.state || params.get("state") !== pending.state) {
    return report({ error: "state mismatch", query: location.search });
  }
  if (!params.get("code")) {
    return report({ error: params.get("error") || "no code" });
  }
  const result = {};
  const tokens = await post("/token", {
    grant_type: "authorization_code",
    code: params.get("code"),
    redirect_uri: redirectUri,
    code_verifier: pending.verifier,
    client_id: config.clientId,
  });
  result.token_status = tokens.status;
  result.token_type = tokens.body.token_type;
  result.id_token = typeof tokens.body.id_token === "string";

  const userinfo = await fetch(config.issuer + "/userinfo", {
    headers: { authorization: "Bearer " + tokens.body.access_token },
  });
  result.userinfo_status = userinfo.status;
  result.email = (await userinfo.json()).email;

  const refreshed = await post("/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.body.refresh_token,
    client_id: config.clientId,
  });
  result.refresh_status = refreshed.status;
  result.rotated = typeof refreshed.body.refresh_token === "string"
    && refreshed.body.refresh_token !== tokens.body.refresh_token;

  const revoked = await post("/revoke", {
    token: refreshed.body.refresh_token,
    client_id: config.clientId,
  });
  result.revoke_status = revoked.status;
  const afterRevoke = await post("/token", {
    grant_type: "refresh_token",
    refresh_token: refreshed.body.refresh_token,
    client_id: config.clientId,
  });
  result.refresh_after_revoke = afterRevoke.body.error;
  report(result);
}

// A page on an origin no client lists, holding a real code: the browser lets it read discovery
// (public) but not the token endpoint's answer.
async function foreign() {
  const result = {};
  const discovery = await fetch(config.issuer + "/.well-known/openid-configuration");
  result.discovery_status = discovery.status;
  try {
    const tokens = await post("/token", {
      grant_type: "authorization_code",
      code: config.code,
      redirect_uri: redirectUri,
      code_verifier: config.verifier,
      client_id: config.clientId,
    });
    result.access_token = tokens.body.access_token || null;
  } catch (e) {
    result.token_error = e.name + ": " + e.message;
  }
  try {
    await fetch(config.issuer + "/userinfo", { headers: { authorization: "Bearer x" } });
    result.userinfo_error = null;
  } catch (e) {
    result.userinfo_error = e.name + ": " + e.message;
  }
  report(result);
}

document.getElementById("origin").textContent = location.origin;
const run = config.mode === "foreign" ? foreign
  : location.pathname === "/callback" ? callback : signIn;
run().catch((e) => report({ error: e.name + ": " + e.message }));
