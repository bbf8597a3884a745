//! Regression tests named after attacks that hit other identity providers (public advisories
//! 2023–2026). Each test names its advisory; where Poort already holds, the test proves it stays
//! so, and checks after every refusal that nothing changed.
//!
//! - `lockout`: parallel lockout bypass (Zitadel GHSA-7h8m-vrxx-vr4m): 24 simultaneous wrong
//!   passwords from two addresses verify 5, for an account and for a login no account has
//!   (`login_protection` holds 50 from one address). Alternating login names (Authelia
//!   CVE-2025-24806): e-mail in any case, with spaces, or the username share one counter.
//! - `refresh_race`: refresh-rotation race (Keycloak CVE-2026-1035): ten simultaneous refreshes
//!   of one token over two nodes on one database: one winner and no second chain (the losers
//!   look like reuse and revoke the family); with a grace window, each late racer replaces the
//!   successor the one before got: one live token, the family kept, and all of it dies on reuse.
//! - `client_binding`: codes and refresh tokens bound to their client (Zitadel CVE-2026-55672);
//!   the module doc says what Poort does with another client's code, refresh token,
//!   introspection and revocation.
//! - `truncation`: truncated, extended and altered secrets (Zitadel CVE-2026-27840): codes,
//!   access and refresh tokens, API tokens (also a well-formed sibling with a valid checksum),
//!   session cookies, CSRF tokens, reset and invitation links; the genuine one still works.
//! - `pkce`: PKCE downgrade (authentik CVE-2023-48228, CVE-2024-23647): the challenge as a
//!   plain verifier, missing, empty, malformed or other verifiers (and the code is then used
//!   up); methods other than `S256`, a challenge without a method, a public client without
//!   PKCE even when signed in or silent.
//! - `redirects`: redirect and post-logout URI bypasses (Keycloak CVE-2024-1132, authentik
//!   CVE-2024-52289): 32 near misses at `/authorize`, `/token` and `/end_session`, and unsafe
//!   URIs refused at registration.
//! - `reset_host`: reset-link host poisoning (Zitadel GHSA-2wmj-46rj-qm2w): hostile `Host`,
//!   `X-Forwarded-Host`, `Forwarded: host=` and cousins; reset, sign-up, address-change and
//!   invitation links and discovery stay on the issuer.
//! - `forwarded`: spoofed X-Forwarded-For (authentik CVE-2024-47070): from an untrusted peer
//!   no forwarding header passes an org IP allowlist (login, API tokens), dodges the address
//!   throttle or reaches the audit log; behind a trusted proxy only its own entry counts.
//! - `enumeration`: account enumeration (Zitadel CVE-2026-23511): login, forgot-password,
//!   sign-up, address change and invitations answer alike (status, headers, page) for unknown,
//!   active, deleted, username and two-factor accounts.
//! - `email_links`: verification link after an address change (Pocket ID CVE-2026-115770):
//!   change links and reset links mailed before a change are dead after it, even when the
//!   address comes back to the one a link was bound to.
//! - `org_enrolment`: cross-organisation enrolment (Zitadel CVE-2026-105209): an invitation
//!   joins its organisation only, with its roles; an admin of A reaches nothing of B through
//!   the admin pages. Forced enrolment: an owner cannot add an existing account, or open self
//!   sign-up for its mail domain, to put it under the organisation's IP allowlist; the refusal
//!   does not tell whether the account exists.
//! - `org_domain`: membership by unverified email domain (Keycloak CVE-2025-1391): a sign-up
//!   joins an organisation open to its domain only after its link proves the address; moving
//!   an existing account's address into the domain joins nothing.
//! - `org_path_ids`: id in the path vs id in the body (Zitadel CVE-2025-27507): bodies naming
//!   other ids are refused or ignored on every admin API route with an id in its path, and in
//!   the page forms; a member of both organisations keeps B's membership and tokens.
//! - `org_escalation`: delegated admin escalation (Keycloak CVE-2026-3121): admins and custom
//!   roles cannot reach owner or permissions they lack (API, invitations, pages); an API token
//!   mints nothing with more scopes or more organisations than itself.

mod client_binding;
mod email_links;
mod enumeration;
mod forwarded;
mod lockout;
mod org_domain;
mod org_enrolment;
mod org_escalation;
mod org_path_ids;
mod pkce;
mod redirects;
mod refresh_race;
mod reset_host;
mod support;
mod truncation;
