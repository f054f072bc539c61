//! Accounts: login names, residents' phone numbers, password policy.

use crate::DomainError;

/// A mainland China mobile number (11 digits starting with 1[3-9]); `+86`/`86` prefixes and
/// spaces or dashes are accepted on input and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, s: &str) -> Result<Phone, DomainError> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11)).unwrap_or(&digits);
        let b = digits.as_bytes();
        let ok = b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Phone(digits.to_string()))
        } else {
            Err(DomainError::field(field, "invalid_phone", "a mobile number has 11 digits and starts with 13–19"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `138****5678`: for roles that do not need the full number.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks the middle four digits of an 11-digit number; other strings keep first and last char.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() == 11 {
        format!("{}****{}", chars[..3].iter().collect::<String>(), chars[7..].iter().collect::<String>())
    } else if chars.len() > 2 {
        format!("{}***{}", chars[0], chars[chars.len() - 1])
    } else {
        "***".to_string()
    }
}

/// A staff login name: 3–64 characters of ASCII letters, digits, `.`, `_`, `-`; or a phone number.
pub fn parse_login(field: &str, s: &str) -> Result<String, DomainError> {
    let s = s.trim();
    if Phone::parse(field, s).is_ok() {
        return Ok(Phone::parse(field, s)?.0);
    }
    let ok = (3..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(DomainError::field(field, "invalid_login", "a login is 3–64 letters, digits, '.', '_' or '-', or a mobile number"))
    }
}

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 128;

/// Password policy (NIST SP 800-63B style): length matters, composition rules do not; a few
/// obviously guessable values are refused.
pub fn check_password(field: &str, pw: &str, login: Option<&str>) -> Result<(), DomainError> {
    let n = pw.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(DomainError::field(field, "too_short", format!("a password needs at least {MIN_PASSWORD_LEN} characters")));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(DomainError::field(field, "too_long", format!("a password has at most {MAX_PASSWORD_LEN} characters")));
    }
    let lower = pw.to_lowercase();
    let distinct = {
        let mut c: Vec<char> = lower.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    let weak = distinct < 4 || ["password", "1234567890", "qwertyuiop", "gongzhi"].iter().any(|w| lower.contains(w));
    let has_login = login.is_some_and(|l| !l.is_empty() && lower.contains(&l.to_lowercase()));
    if weak || has_login {
        return Err(DomainError::field(field, "too_weak", "this password is too easy to guess"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(Phone::parse("p", "138 0013 8000").unwrap().as_str(), "13800138000");
        assert_eq!(Phone::parse("p", "+8613800138000").unwrap().as_str(), "13800138000");
        assert_eq!(Phone::parse("p", "8613800138000").unwrap().as_str(), "13800138000");
        assert!(Phone::parse("p", "12800138000").is_err());
        assert!(Phone::parse("p", "1380013800").is_err());
        assert!(Phone::parse("p", "1380013800a").is_err());
        assert_eq!(Phone::parse("p", "13800138000").unwrap().masked(), "138****8000");
    }

    #[test]
    fn logins_and_passwords() {
        assert_eq!(parse_login("login", "Admin.Li").unwrap(), "admin.li");
        assert!(parse_login("login", "a b").is_err());
        assert!(parse_login("login", "ab").is_err());
        assert!(check_password("password", "short", None).is_err());
        assert!(check_password("password", "aaaaaaaaaaaa", None).is_err());
        assert!(check_password("password", "my password 1", None).is_err());
        assert!(check_password("password", "zhang.wei-2026!", Some("zhang.wei")).is_err());
        assert!(check_password("password", "river-lantern-42", Some("zhang.wei")).is_ok());
    }
}
