//! Access tokens: HS256 JWTs, algorithm pinned, `exp`/`iss`/`aud`/`sub` required (RFC 8725).

use crate::config::Config;
use gongzhi_domain::authz::Scope;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_domain::role::Role;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Claims of an access token. The scope travels in the token, so authorizing a request needs
/// no database read; it is re-read from the database at every refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub role: String,
    /// Scope node id (absent: platform-wide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jur: Option<String>,
    /// Scope node path.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Service account (client credentials).
    #[serde(default)]
    pub svc: bool,
    /// The password must be changed before anything else.
    #[serde(default)]
    pub mcp: bool,
}

/// A verified access token: what requests presenting it need — its expiry, whether a password
/// change is pending, and the scope it grants (`None`: a role this server does not know) — derived
/// once per token and shared while the token is remembered.
#[derive(Debug)]
pub struct Verified {
    pub exp: i64,
    pub mcp: bool,
    pub scope: Option<Arc<Scope>>,
}

impl Verified {
    fn new(claims: Claims) -> Verified {
        let scope = Role::parse(&claims.role).ok().map(|role| {
            Arc::new(Scope {
                account_id: claims.sub,
                role,
                jurisdiction_id: claims.jur,
                path: JurisdictionPath::from_stored(claims.path),
                department_id: claims.dept,
                organisation_id: claims.org,
                service: claims.svc,
            })
        });
        Verified { exp: claims.exp, mcp: claims.mcp, scope }
    }
}

/// Clock skew tolerated when checking `exp`.
pub const LEEWAY_SECONDS: i64 = 30;

/// How many verified tokens [`JwtKeys::verify`] remembers (each with its scope: under a kilobyte).
const RECENT_TOKENS: usize = 1024;

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub issuer: String,
    pub audience: String,
    /// Tokens whose signature, algorithm, issuer and audience were verified, with what their claims
    /// grant ([`Verified`]).
    /// A client sends the same token with every request until it expires, and decoding one (two
    /// base64 parts, two JSON documents, HMAC-SHA256) was 7% of a single read's CPU; an exact
    /// match of the whole token proves the same things again. Expiry is still checked on every
    /// use; only verified tokens enter, and the set is emptied when full. The scope is built
    /// once per entry, so a request shares it rather than copying the claims' strings.
    recent: Mutex<HashMap<Box<str>, Arc<Verified>>>,
}

impl JwtKeys {
    pub fn new(cfg: &Config) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[cfg.jwt_issuer.as_str()]);
        validation.set_audience(&[cfg.jwt_audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the application clock in `verify`, so tests and every
        // other rule share one notion of "now"; the library still requires the claim.
        validation.validate_exp = false;
        JwtKeys {
            encoding: EncodingKey::from_secret(cfg.jwt_secret.as_bytes()),
            decoding: DecodingKey::from_secret(cfg.jwt_secret.as_bytes()),
            validation,
            issuer: cfg.jwt_issuer.clone(),
            audience: cfg.jwt_audience.clone(),
            recent: Mutex::new(HashMap::new()),
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).expect("HS256 signing cannot fail")
    }

    /// The remembered tokens (a panic elsewhere cannot leave the map half-written: it holds only
    /// whole inserts, so a poisoned lock is taken over).
    fn recent(&self) -> MutexGuard<'_, HashMap<Box<str>, Arc<Verified>>> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Verifies signature, algorithm, issuer, audience and expiry (at `now`, 30 s leeway).
    pub fn verify(&self, token: &str, now: i64) -> Result<Arc<Verified>, jsonwebtoken::errors::Error> {
        let known = self.recent().get(token).cloned();
        let verified = match known {
            Some(verified) => verified,
            None => {
                let verified = Arc::new(Verified::new(decode::<Claims>(token, &self.decoding, &self.validation)?.claims));
                let mut recent = self.recent();
                if recent.len() >= RECENT_TOKENS {
                    recent.clear();
                }
                recent.insert(token.into(), verified.clone());
                verified
            }
        };
        if verified.exp + LEEWAY_SECONDS < now {
            return Err(jsonwebtoken::errors::ErrorKind::ExpiredSignature.into());
        }
        Ok(verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> JwtKeys {
        let mut cfg = Config::for_database(":memory:", std::env::temp_dir());
        cfg.jwt_secret = secret.into();
        JwtKeys::new(&cfg)
    }

    fn claims(keys: &JwtKeys, sub: &str, exp: i64) -> Claims {
        Claims {
            sub: sub.into(),
            iss: keys.issuer.clone(),
            aud: keys.audience.clone(),
            exp,
            iat: exp - 900,
            jti: format!("jti-{sub}"),
            role: "street_admin".into(),
            jur: None,
            path: "/".into(),
            dept: None,
            org: None,
            svc: false,
            mcp: false,
        }
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let k = keys("a-secret-of-at-least-thirty-two-bytes");
        let token = k.sign(&claims(&k, "a", 1_000));
        assert_eq!(k.verify(&token, 1_000).expect("valid").scope.as_ref().expect("a known role").account_id, "a");
        let err = k.verify(&token, 1_000 + LEEWAY_SECONDS + 1).expect_err("expired");
        assert!(matches!(err.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature));
    }

    #[test]
    fn only_the_exact_verified_token_is_remembered() {
        let k = keys("a-secret-of-at-least-thirty-two-bytes");
        let token = k.sign(&claims(&k, "a", 1_000));
        k.verify(&token, 1_000).expect("valid");
        // The same claims with another signature, and a token of another key, are checked in full.
        let mut forged = token.clone().into_bytes();
        let i = forged.len() - 10; // inside the signature, away from its padding bits
        forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).expect("ASCII");
        assert!(k.verify(&forged, 1_000).is_err());
        let other = keys("another-secret-of-at-least-thirty-two");
        assert!(k.verify(&other.sign(&claims(&other, "a", 1_000)), 1_000).is_err());
        assert!(other.verify(&token, 1_000).is_err(), "a key never sees another key's remembered tokens");
    }

    #[test]
    fn a_remembered_token_shares_the_scope_built_from_its_claims() {
        let k = keys("a-secret-of-at-least-thirty-two-bytes");
        let mut c = claims(&k, "a", 1_000);
        c.jur = Some("j".into());
        c.path = "/d/j/".into();
        let token = k.sign(&c);
        let first = k.verify(&token, 1_000).expect("valid").scope.clone().expect("a known role");
        assert_eq!((first.account_id.as_str(), first.role, first.jurisdiction_id.as_deref()), ("a", Role::StreetAdmin, Some("j")));
        assert_eq!(first.path.as_str(), "/d/j/");
        let again = k.verify(&token, 1_000).expect("valid").scope.clone().expect("a known role");
        assert!(Arc::ptr_eq(&first, &again), "built once per token");
        c.role = "mayor".into();
        assert!(k.verify(&k.sign(&c), 1_000).expect("a valid signature").scope.is_none(), "no scope for an unknown role");
    }

    #[test]
    fn the_remembered_set_is_bounded() {
        let k = keys("a-secret-of-at-least-thirty-two-bytes");
        for i in 0..RECENT_TOKENS + 10 {
            let token = k.sign(&claims(&k, &format!("s{i}"), 1_000));
            assert_eq!(k.verify(&token, 1_000).expect("valid").scope.as_ref().expect("a known role").account_id, format!("s{i}"));
        }
        assert!(k.recent().len() <= RECENT_TOKENS);
    }
}
