//! The one network loop. Every HTTP source fetches through [`Fetcher::get`]: per-host rate
//! limits, timeouts, retries with exponential backoff and jitter (5xx, 429 with or without
//! `Retry-After`, timeouts and connection errors), conditional GET, a size cap and a
//! descriptive User-Agent. Sources get bytes back and never touch the network themselves.

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const USER_AGENT: &str =
    concat!("statehouse/", env!("CARGO_PKG_VERSION"), " (legislative data pipeline for advocacy coalitions)");

#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Attempts in all (the first try included).
    pub max_attempts: usize,
    /// First backoff delay; doubled each retry, with jitter, up to `max_delay`.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Largest body accepted.
    pub max_bytes: u64,
    /// The wait after a 429 that names no `Retry-After` (Open States sends none): API limits
    /// are counted per minute, so an exponential backoff from seconds would only spend retries.
    pub rate_limited_wait: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_secs(60),
            max_attempts: 5,
            min_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(120),
            max_bytes: 64 * 1024 * 1024,
            rate_limited_wait: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: HTTP {status}{}", body_hint(.body))]
    Status { url: String, status: u16, body: String, retry_after: Option<Duration> },
    #[error("{url}: the response is larger than the {limit}-byte cap")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    #[error("{url}: not a valid URL")]
    BadUrl { url: String },
    #[error("{url}: cannot write {path}: {message}")]
    Disk { url: String, path: String, message: String },
}

fn body_hint(body: &str) -> String {
    let b = body.trim();
    if b.is_empty() { String::new() } else { format!(": {}", b.chars().take(200).collect::<String>()) }
}

impl FetchError {
    /// Worth another try: server errors, rate limiting, timeouts, dropped connections.
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Timeout { .. } | FetchError::Network { .. } => true,
            FetchError::TooLarge { .. } | FetchError::BadUrl { .. } | FetchError::Disk { .. } => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A successful response (or a 304 for a conditional request).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: String,
    pub status: u16,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The server answered 304: the payload is the one we have.
    pub not_modified: bool,
}

/// Request counts, for run reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// HTTP requests sent (retries included).
    pub requests: u64,
    pub bytes: u64,
    pub retries: u64,
    pub not_modified: u64,
}

pub struct Fetcher {
    client: reqwest::Client,
    opts: FetchOptions,
    limiters: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
    stats: Mutex<FetchStats>,
}

/// Validators from the last response, for a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Fetcher {
    pub fn new(opts: FetchOptions) -> Result<Fetcher, reqwest::Error> {
        install_crypto();
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(opts.timeout)
            .connect_timeout(Duration::from_secs(20))
            .build()?;
        Ok(Fetcher { client, opts, limiters: Mutex::new(HashMap::new()), stats: Mutex::new(FetchStats::default()) })
    }

    pub fn stats(&self) -> FetchStats {
        *self.stats.lock().expect("stats lock")
    }

    /// Limits requests to `host` to `per_minute` (a burst of one, evenly spaced).
    pub fn set_rate(&self, host: &str, per_minute: u32) {
        let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
        let quota = Quota::per_minute(per_minute).allow_burst(NonZeroU32::new(1).expect("1"));
        self.limiters.lock().expect("limiter lock").insert(host.to_string(), Arc::new(RateLimiter::direct(quota)));
    }

    fn limiter(&self, host: &str) -> Option<Arc<DefaultDirectRateLimiter>> {
        self.limiters.lock().expect("limiter lock").get(host).cloned()
    }

    /// GETs `url` with retries. `headers` are sent as given and never logged (API keys go
    /// there, not in URLs).
    pub async fn get(
        &self,
        url: &str,
        headers: &[(String, String)],
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        self.get_into(url, headers, validators, None).await
    }

    /// GETs `url` with retries, streaming the body into the file `to` (for exports larger
    /// than memory) instead of `Fetched::body`, with no size cap beyond the disk's. A failed
    /// attempt starts the file over.
    pub async fn download(
        &self,
        url: &str,
        validators: &Validators,
        to: &std::path::Path,
    ) -> Result<Fetched, FetchError> {
        self.get_into(url, &[], validators, Some(to)).await
    }

    async fn get_into(
        &self,
        url: &str,
        headers: &[(String, String)],
        validators: &Validators,
        to: Option<&std::path::Path>,
    ) -> Result<Fetched, FetchError> {
        let shown = redact_url(url);
        let shown = shown.as_str();
        let host = url::Url::parse(url)
            .map_err(|_| FetchError::BadUrl { url: shown.into() })?
            .host_str()
            .unwrap_or("")
            .to_string();
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.opts.min_delay)
            .with_max_delay(self.opts.max_delay)
            .with_max_times(self.opts.max_attempts.saturating_sub(1))
            .with_jitter();
        let attempt = || async {
            if let Some(l) = self.limiter(&host) {
                l.until_ready().await;
            }
            self.stats.lock().expect("stats lock").requests += 1;
            self.attempt(url, shown, headers, validators, to).await
        };
        attempt
            .retry(backoff)
            .when(FetchError::is_retryable)
            // The server's Retry-After wins over our own schedule when it asks for longer.
            .adjust(retry_delay)
            .notify(|e, d| {
                self.stats.lock().expect("stats lock").retries += 1;
                tracing::warn!(error = %e, retry_in = ?d, "request failed; retrying");
            })
            .await
    }

    /// One try. `url` is requested; `shown` (the URL with secrets redacted) is what errors and
    /// the response name.
    async fn attempt(
        &self,
        url: &str,
        shown: &str,
        headers: &[(String, String)],
        validators: &Validators,
        to: Option<&std::path::Path>,
    ) -> Result<Fetched, FetchError> {
        let mut req = self.client.get(url);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        if let Some(e) = &validators.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, e);
        }
        if let Some(m) = &validators.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, m);
        }
        let net = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError::Timeout { url: shown.into() }
            } else {
                FetchError::Network { url: shown.into(), message: error_chain(&e.without_url()) }
            }
        };
        let mut resp = req.send().await.map_err(net)?;
        let status = resp.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let retry_after = header(reqwest::header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
        if status == 304 {
            self.stats.lock().expect("stats lock").not_modified += 1;
            return Ok(Fetched {
                url: shown.into(),
                status,
                body: Vec::new(),
                etag: etag.or(validators.etag.clone()),
                last_modified: last_modified.or(validators.last_modified.clone()),
                not_modified: true,
            });
        }
        let ok = (200..300).contains(&status);
        let mut body = Vec::new();
        if let (Some(path), true) = (to, ok) {
            use tokio::io::AsyncWriteExt;
            let disk = |e: std::io::Error| FetchError::Disk {
                url: shown.into(),
                path: path.display().to_string(),
                message: e.to_string(),
            };
            let mut file = tokio::fs::File::create(path).await.map_err(disk)?;
            let mut written = 0u64;
            while let Some(chunk) = resp.chunk().await.map_err(net)? {
                file.write_all(&chunk).await.map_err(disk)?;
                written += chunk.len() as u64;
            }
            file.flush().await.map_err(disk)?;
            file.sync_all().await.map_err(disk)?;
            self.stats.lock().expect("stats lock").bytes += written;
            return Ok(Fetched { url: shown.into(), status, body, etag, last_modified, not_modified: false });
        }
        if let Some(len) = resp.content_length()
            && len > self.opts.max_bytes
        {
            return Err(FetchError::TooLarge { url: shown.into(), limit: self.opts.max_bytes });
        }
        while let Some(chunk) = resp.chunk().await.map_err(net)? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 > self.opts.max_bytes {
                return Err(FetchError::TooLarge { url: shown.into(), limit: self.opts.max_bytes });
            }
        }
        self.stats.lock().expect("stats lock").bytes += body.len() as u64;
        if !ok {
            let retry_after = server_wait(status, retry_after, self.opts.rate_limited_wait);
            return Err(FetchError::Status {
                url: shown.into(),
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
                retry_after,
            });
        }
        Ok(Fetched { url: shown.into(), status, body, etag, last_modified, not_modified: false })
    }
}

/// `url` with the values of secret query parameters (`key`, `token`, `apikey`, `api_key`,
/// `access_token`) replaced by `REDACTED`, the rest untouched: the form of a URL that may be
/// logged, stored or shown.
pub fn redact_url(url: &str) -> String {
    static SECRET: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)([?&](?:key|token|apikey|api_key|access_token)=)[^&#]*").expect("valid regex")
    });
    SECRET.replace_all(url, "${1}REDACTED").into_owned()
}

/// How long the server asks us to wait: its `Retry-After`, or for a 429 without one, the
/// rate-limit pause (limits are per minute; Open States sends no `Retry-After`).
pub fn server_wait(status: u16, retry_after: Option<Duration>, rate_limited_wait: Duration) -> Option<Duration> {
    match (status, retry_after) {
        (429, None) => Some(rate_limited_wait),
        (_, r) => r,
    }
}

/// The wait before the next attempt: our backoff's, or the server's `Retry-After` when it
/// asks for longer. `None` (no more attempts) stays `None`.
pub fn retry_delay(e: &FetchError, proposed: Option<Duration>) -> Option<Duration> {
    proposed.map(|d| e.retry_after().map_or(d, |r| r.max(d)))
}

/// An error and its causes, `: `-separated (what `{:#}` prints at the edge), for messages
/// that are stored rather than printed.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    // PostgreSQL's errors as sqlx shows them end with the line of PostgreSQL's own source
    // ("… at line 1188"): shown without it (and with their detail and hint), wherever an
    // error of the chain carries them.
    let mut pg: Vec<(String, String)> = Vec::new();
    let mut cur = Some(e);
    while let Some(c) = cur {
        // sqlx's database error is the source as a `Box<dyn DatabaseError>`.
        let database = c.downcast_ref::<Box<dyn sqlx::error::DatabaseError>>().map(|b| &**b).or_else(|| {
            match c.downcast_ref::<sqlx::Error>() {
                Some(sqlx::Error::Database(b)) => Some(&**b),
                _ => None,
            }
        });
        if let Some(p) = database.and_then(|d| d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()) {
            let mut clean = p.message().to_string();
            for extra in [p.detail(), p.hint()].into_iter().flatten() {
                clean.push_str(&format!(" ({extra})"));
            }
            pg.push((p.to_string(), clean));
        }
        cur = c.source();
    }
    let message =
        |c: &dyn std::error::Error| pg.iter().fold(c.to_string(), |m, (shown, clean)| m.replace(shown, clean));
    let mut s = message(e);
    let mut cur = e.source();
    while let Some(c) = cur {
        // Many errors repeat their cause's text in their own (sqlx's "error returned from
        // database: …", io errors): a cause already said is not said again.
        let m = message(c);
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v.trim()).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64;
    Some(Duration::from_secs(secs))
}

/// TLS uses ring; the provider must be installed once before the first client.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_wins_when_longer() {
        let limited = |ra| FetchError::Status { url: "u".into(), status: 429, body: String::new(), retry_after: ra };
        let ms = Duration::from_millis;
        assert_eq!(retry_delay(&limited(Some(Duration::from_secs(30))), Some(ms(2000))), Some(Duration::from_secs(30)));
        assert_eq!(retry_delay(&limited(Some(ms(10))), Some(ms(2000))), Some(ms(2000)));
        assert_eq!(retry_delay(&limited(None), Some(ms(2000))), Some(ms(2000)));
        assert_eq!(retry_delay(&limited(Some(ms(10))), None), None, "attempts exhausted");
        assert!(limited(None).is_retryable());
        assert!(
            !FetchError::Status { url: "u".into(), status: 404, body: String::new(), retry_after: None }.is_retryable()
        );
    }

    #[test]
    fn a_429_without_retry_after_waits_the_rate_limit_pause() {
        let minute = Duration::from_secs(60);
        assert_eq!(server_wait(429, None, minute), Some(minute));
        assert_eq!(server_wait(429, Some(Duration::from_secs(5)), minute), Some(Duration::from_secs(5)));
        assert_eq!(server_wait(503, None, minute), None);
        // And that wait wins over a shorter backoff step.
        let e = FetchError::Status {
            url: "u".into(),
            status: 429,
            body: String::new(),
            retry_after: server_wait(429, None, minute),
        };
        assert_eq!(retry_delay(&e, Some(Duration::from_secs(2))), Some(minute));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::from_secs(0)));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
