//! Access tokens: HS256 JWTs, algorithm pinned, `exp`/`iss`/`aud`/`sub` required (RFC 8725).

use crate::config::Config;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

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

/// Clock skew tolerated when checking `exp`.
pub const LEEWAY_SECONDS: i64 = 30;

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub issuer: String,
    pub audience: String,
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
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).expect("HS256 signing cannot fail")
    }

    /// Verifies signature, algorithm, issuer, audience and expiry (at `now`, 30 s leeway).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, jsonwebtoken::errors::Error> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        if claims.exp + LEEWAY_SECONDS < now {
            return Err(jsonwebtoken::errors::ErrorKind::ExpiredSignature.into());
        }
        Ok(claims)
    }
}
