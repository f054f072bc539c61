//! Password and client-secret hashing: argon2id, 19 MiB, t=2, p=1 (OWASP), PHC strings.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

fn argon() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(secret: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon().hash_password(secret.as_bytes(), &salt).expect("argon2 hashing cannot fail with valid params").to_string()
}

pub fn verify(secret: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => argon().verify_password(secret.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Spends the same effort as a real verification, so unknown logins take as long as wrong
/// passwords (no account enumeration by timing).
pub fn verify_dummy(secret: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let h = DUMMY.get_or_init(|| hash("dummy-password-for-timing"));
    let _ = verify(secret, h);
}

/// A random secret of `bytes` bytes, URL-safe base64 without padding.
pub fn random_secret(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A random password people can type: four groups of lowercase letters and digits.
pub fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..4)
        .map(|_| (0..4).map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char).collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("river-lantern-42");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("river-lantern-42", &h));
        assert!(!verify("river-lantern-43", &h));
        assert!(!verify("x", "not a hash"));
        let p = random_password();
        assert_eq!(p.len(), 19);
        assert!(gongzhi_domain::account::check_password("password", &p, None).is_ok());
    }
}
