//! Login rate limits, per account and per client address (in memory, per process).

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

pub struct LoginLimiter {
    per_account: Keyed,
    per_address: Keyed,
}

fn quota(n: u32, period: Duration) -> Quota {
    let n = NonZeroU32::new(n.max(1)).expect("non-zero");
    Quota::with_period(period / n.get()).expect("positive period").allow_burst(n)
}

impl LoginLimiter {
    pub fn new(per_account_15min: u32, per_address_min: u32) -> Self {
        LoginLimiter {
            per_account: RateLimiter::keyed(quota(per_account_15min, Duration::from_secs(15 * 60))),
            per_address: RateLimiter::keyed(quota(per_address_min, Duration::from_secs(60))),
        }
    }

    fn check(l: &Keyed, key: &str) -> Result<(), u64> {
        l.check_key(&key.to_string()).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()).as_secs() + 1)
    }

    /// `Err(seconds to wait)` when the address or the account has no attempts left.
    pub fn check_login(&self, address: &str, account: Option<&str>) -> Result<(), u64> {
        Self::check(&self.per_address, address)?;
        if let Some(a) = account {
            Self::check(&self.per_account, a)?;
        }
        Ok(())
    }
}
