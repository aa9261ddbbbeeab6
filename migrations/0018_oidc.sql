-- Sign-in with OpenID Connect: the sign-ins under way (one row per trip to the provider, used
-- once), and which provider account is which user.

CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,             -- keyed hash of the `state` sent to the provider
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,                -- PKCE code_verifier
    next       TEXT NOT NULL,                -- where the user goes once signed in
    expires_at TEXT NOT NULL
);

CREATE TABLE user_identities (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,                -- the ID token's `sub`
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
