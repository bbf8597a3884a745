#!/usr/bin/env python3
"""Interop check with Python's authlib (an unmodified, widely used OIDC client library).

Drives a running Poort through login, code exchange with PKCE, ID-token validation against the
JWKS, userinfo, refresh (rotated token then refused), revocation, introspection and RP-initiated
logout. Usage (Poort running; a user and a confidential client created with the CLI):

    pip install authlib requests
    scripts/interop/authlib_check.py ISSUER CLIENT_ID CLIENT_SECRET EMAIL PASSWORD [REDIRECT_URI]
"""
import re
import sys
from urllib.parse import parse_qs, urlparse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

issuer, client_id, secret, email, password = sys.argv[1:6]
redirect_uri = sys.argv[6] if len(sys.argv) > 6 else "http://127.0.0.1:3000/callback"

meta = requests.get(f"{issuer}/.well-known/openid-configuration").json()
jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"]).json())
rp = OAuth2Session(client_id, secret, scope="openid profile email", redirect_uri=redirect_uri,
                   code_challenge_method="S256")
verifier = "v" * 20 + "erifier-for-pkce-" + "x" * 20
url, state = rp.create_authorization_url(meta["authorization_endpoint"], nonce="n-0S6_WzA2Mj",
                                         code_verifier=verifier)

browser = requests.Session()
page = browser.get(url)  # follows to the login page
fields = dict(re.findall(r'name="(csrf|tx)" value="([^"]*)"', page.text))
answer = browser.post(f"{issuer}/login", data={**fields, "login": email, "password": password},
                      allow_redirects=False)
def follow(answer):
    while answer.is_redirect and answer.headers["location"].startswith(("/", issuer)):
        answer = browser.get(requests.compat.urljoin(issuer, answer.headers["location"]),
                             allow_redirects=False)
    return answer
answer = follow(answer)
if 'action="/consent"' in answer.text:  # a third-party client: allow on the consent page
    fields = dict(re.findall(r'name="(csrf|tx)" value="([^"]*)"', answer.text))
    answer = follow(browser.post(f"{issuer}/consent", data={**fields, "decision": "allow"},
                                 allow_redirects=False))
callback = answer.headers["location"]
assert parse_qs(urlparse(callback).query)["iss"] == [issuer]

token = rp.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                    claims_options={"iss": {"value": issuer}, "aud": {"value": client_id}},
                    claims_params={"nonce": "n-0S6_WzA2Mj", "access_token": token["access_token"]})
claims.validate()
print("id token ok:", claims["sub"], claims.get("email"), "amr", claims.get("amr"))

info = rp.get(meta["userinfo_endpoint"]).json()
assert info["sub"] == claims["sub"], info
print("userinfo ok:", info)

old_refresh = token["refresh_token"]
new = rp.refresh_token(meta["token_endpoint"], refresh_token=old_refresh)
assert new["refresh_token"] != old_refresh
reuse = requests.post(meta["token_endpoint"], auth=(client_id, secret),
                      data={"grant_type": "refresh_token", "refresh_token": old_refresh})
assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant", reuse.text
print("refresh rotation ok; reuse refused")

live = rp.introspect_token(meta["introspection_endpoint"], token=new["access_token"]).json()
# The reuse above revoked the whole family, including this access token.
assert live["active"] is False, live
rp.revoke_token(meta["revocation_endpoint"], token=new["refresh_token"])
print("introspection and revocation ok")

logout = browser.get(meta["end_session_endpoint"], params={
    "id_token_hint": token["id_token"], "post_logout_redirect_uri": redirect_uri.rsplit("/", 1)[0] + "/",
    "state": "bye"}, allow_redirects=False)
assert logout.status_code in (302, 303) and "state=bye" in logout.headers["location"], logout.text
print("logout ok:", logout.headers["location"])
print("authlib interop: all checks passed")
