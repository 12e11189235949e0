//! Log-in (and sign-up) throttling per client IP and per account, and the
//! public help centre's per client IP and per help centre (governor's GCRA
//! limiter).
//! A refused attempt learns how long to wait, which becomes `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

#[derive(Clone)]
pub struct LoginLimiter {
    per_ip: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    per_account: Arc<DefaultKeyedRateLimiter<String>>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

impl LoginLimiter {
    pub fn new(per_ip_per_minute: u32, per_account_per_minute: u32) -> Self {
        Self {
            per_ip: Arc::new(RateLimiter::keyed(per_minute(per_ip_per_minute))),
            per_account: Arc::new(RateLimiter::keyed(per_minute(per_account_per_minute))),
        }
    }

    /// Counts one attempt; `Err(wait)` when either limit is exhausted.
    pub fn check(&self, ip: IpAddr, account: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        let ip_check = self.per_ip.check_key(&ip);
        let account_check = self.per_account.check_key(&account.to_owned());
        match (ip_check, account_check) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Ok(())) | (Ok(()), Err(a)) => Err(a.wait_time_from(now)),
            (Err(a), Err(b)) => Err(a.wait_time_from(now).max(b.wait_time_from(now))),
        }
    }

    /// Counts one attempt against the client IP only (sign-up has no account yet).
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.per_ip
            .check_key(&ip)
            .map_err(|n| n.wait_time_from(now))
    }

    /// Forgets idle keys so memory stays bounded; called periodically.
    pub fn prune(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
    }
}

/// Unauthenticated help-centre reads: per client IP, and per help centre so
/// that many addresses together cannot spend a tenant's embedding budget.
#[derive(Clone)]
pub struct PublicLimiter {
    per_ip: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    per_centre: Arc<DefaultKeyedRateLimiter<String>>,
}

impl PublicLimiter {
    pub fn new(per_ip_per_minute: u32, per_centre_per_minute: u32) -> Self {
        Self {
            per_ip: Arc::new(RateLimiter::keyed(per_minute(per_ip_per_minute))),
            per_centre: Arc::new(RateLimiter::keyed(per_minute(per_centre_per_minute))),
        }
    }

    /// Counts one request; `Err(wait)` when either limit is exhausted.
    pub fn check(&self, ip: IpAddr, centre: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.per_ip
            .check_key(&ip)
            .map_err(|n| n.wait_time_from(now))?;
        self.per_centre
            .check_key(&centre.to_owned())
            .map_err(|n| n.wait_time_from(now))
    }

    pub fn prune(&self) {
        self.per_ip.retain_recent();
        self.per_centre.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_account_and_per_ip() {
        let l = LoginLimiter::new(100, 3);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.check(ip, "a@example.com").is_ok());
        }
        let wait = l.check(ip, "a@example.com").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(60));
        assert!(
            l.check(ip, "b@example.com").is_ok(),
            "other accounts unaffected"
        );

        let l = LoginLimiter::new(2, 100);
        assert!(l.check(ip, "x").is_ok() && l.check(ip, "y").is_ok());
        assert!(l.check(ip, "z").is_err());
        assert!(l.check("10.0.0.2".parse().unwrap(), "z").is_ok());
    }
}
