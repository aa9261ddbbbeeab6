//! Schedules: a report sent on a cron, in a time zone, to recipients.

use super::cron::{parse_timezone, CronSchedule};
use super::export::ExportFormat;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

super::status! {
    /// Where a run of a schedule is.
    RunStatus {
        /// Rendering its export.
        Running = "running",
        /// Rendered; its deliveries are under way.
        Delivering = "delivering",
        /// Every recipient got it.
        Succeeded = "succeeded",
        /// The render failed, or a delivery was given up.
        Failed = "failed",
    }
}

super::status! {
    /// Where one recipient's delivery is.
    DeliveryStatus {
        /// Not sent yet, or waiting for a retry.
        Pending = "pending",
        Delivered = "delivered",
        /// Given up.
        Failed = "failed",
    }
}

/// A schedule (`[[schedules]]`, the API and the form): when a report is sent, to whom, how.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleDefinition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// Report id or name; empty (left out) when the schedule sends a dashboard.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub report_id: String,
    /// Dashboard id or name, instead of a report: the whole dashboard as one PDF or XLSX, its
    /// filter values in `parameters` by filter id (date expressions allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard_id: Option<String>,
    /// Cron expression (5 or 6 fields, or @daily etc.).
    pub schedule: String,
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    #[serde(default)]
    pub export_format: ExportFormat,
    /// Rows of each table in the delivered report (default: the report's rowLimit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_limit: Option<u32>,
}

impl ScheduleDefinition {
    /// Checks what serde cannot: cron, time zone, recipients. The error is `(key, message)`
    /// with the key relative to the schedule (`schedule`, `recipients[1].address`, ...).
    /// `allow_private` is `[delivery] allow_private_targets` (see [`Recipient::validate_with`]).
    pub fn validate(&self, allow_private: bool) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if self.name.trim().is_empty() {
            return err("name", "must not be empty".into());
        }
        if self.name.chars().count() > 200 {
            return err("name", "is longer than 200 characters".into());
        }
        if let Err(m) = super::text::no_control("name", &self.name, false) {
            return err("name", m["name: ".len()..].to_string());
        }
        match (self.report_id.trim().is_empty(), &self.dashboard_id) {
            (true, None) => return err("reportId", "give a reportId or a dashboardId".into()),
            (false, Some(_)) => {
                return err(
                    "dashboardId",
                    "give a reportId or a dashboardId, not both".into(),
                )
            }
            _ => {}
        }
        if let Err(e) = CronSchedule::parse(&self.schedule) {
            return err("schedule", e.to_string());
        }
        if let Err(m) = parse_timezone(&self.timezone) {
            return err("timezone", m);
        }
        if self.recipients.len() > 100 {
            return err("recipients", "at most 100 recipients".into());
        }
        for (j, r) in self.recipients.iter().enumerate() {
            if let Err(m) = r.validate_with(allow_private) {
                return err(&format!("recipients[{j}].address"), m);
            }
        }
        if self.row_limit == Some(0) {
            return err("rowLimit", "must be at least 1".into());
        }
        Ok(())
    }
}

/// Longest recipient address (a webhook URL with its token fits many times over).
pub const MAX_ADDRESS_CHARS: usize = 2_000;

impl Recipient {
    /// The address's shape: an email recipient needs a mailbox, the others an http(s) URL
    /// without credentials in it. Where a URL points is judged by [`Recipient::validate_with`],
    /// which every save goes through.
    pub fn validate(&self) -> Result<(), String> {
        let a = self.address.trim();
        if a.chars().count() > MAX_ADDRESS_CHARS {
            return Err(format!("is longer than {MAX_ADDRESS_CHARS} characters"));
        }
        match self.kind {
            RecipientKind::Email => a
                .parse::<lettre::message::Mailbox>()
                .map(|_| ())
                .map_err(|_| format!("`{a}` is not an email address")),
            RecipientKind::S3 => s3_address(a).map(|_| ()),
            _ => match reqwest::Url::parse(a) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    if !u.username().is_empty() || u.password().is_some() {
                        return Err(format!(
                            "`{}` has a user name or password in it: put the secret in the \
                             URL's path or query, as Slack and Teams do",
                            redact_url(a)
                        ));
                    }
                    Ok(())
                }
                _ => Err(format!(
                    "`{}` is not an http(s) URL (a {} recipient is a webhook URL)",
                    super::text::truncate(a, 80),
                    self.kind.as_str()
                )),
            },
        }
    }

    /// [`Recipient::validate`], and for a URL also where it points, without asking DNS: a
    /// literal loopback, private, link-local, shared, multicast or reserved address (in any
    /// spelling the URL parser reads as one: `http://2130706433/`, `http://[::ffff:7f00:1]/`)
    /// and `localhost` are refused unless `allow_private` (`[delivery]
    /// allow_private_targets`); a cloud metadata address always. Slack and Teams need https
    /// unless `allow_private` (intranet stand-ins such as Mattermost often speak plain http).
    /// The sender checks the addresses a name resolves to again before it connects.
    pub fn validate_with(&self, allow_private: bool) -> Result<(), String> {
        self.validate()?;
        if !self.kind.is_hook() {
            // An email's server and an S3 endpoint are the administrator's (`[smtp]`,
            // `[delivery.s3]`), checked when sent.
            return Ok(());
        }
        let a = self.address.trim();
        let u = reqwest::Url::parse(a).map_err(|e| e.to_string())?;
        if matches!(self.kind, RecipientKind::Slack | RecipientKind::Teams)
            && u.scheme() != "https"
            && !allow_private
        {
            return Err(format!(
                "`{}`: a {} webhook URL must use https",
                redact_url(a),
                self.kind.as_str()
            ));
        }
        check_target(&u, allow_private)
    }

    /// The address as pages and logs show it: a webhook URL as its scheme and host only
    /// (its path and query are the secret), an email address as it is.
    pub fn shown(&self) -> String {
        match self.kind {
            RecipientKind::Email | RecipientKind::S3 => self.address.clone(),
            _ => redact_url(&self.address),
        }
    }
}

/// The recipients of an edit with the URLs it left hidden put back from `stored` (the schedule
/// as it was): a hook's URL is write-only, shown as `https://host/…` ([`Recipient::shown`]), and
/// an edit that sends that back, or (the API) leaves the address blank in the same place, keeps
/// the stored URL. When several stored URLs of a kind show the same, the edit must send as many
/// masked ones (kept in order), or the full URLs. The error is `(key, message)`.
pub fn keep_hidden(
    given: &[Recipient],
    stored: &[Recipient],
) -> Result<Vec<Recipient>, (String, String)> {
    let hidden = |r: &Recipient| r.kind.is_hook() && r.address.trim() == r.shown();
    let same = |a: &Recipient, b: &Recipient| a.kind == b.kind && a.address.trim() == b.shown();
    let mut out = Vec::with_capacity(given.len());
    for (j, r) in given.iter().enumerate() {
        let key = format!("recipients[{j}].address");
        let blank = r.kind.is_hook() && r.address.trim().is_empty();
        if blank {
            match stored.get(j).filter(|s| s.kind == r.kind) {
                Some(s) => out.push(s.clone()),
                None => out.push(r.clone()),
            }
            continue;
        }
        if !hidden(r) {
            out.push(r.clone());
            continue;
        }
        let shown = r.address.trim();
        let candidates: Vec<&Recipient> = stored.iter().filter(|s| same(r, s)).collect();
        let sent = given
            .iter()
            .filter(|g| g.kind == r.kind && g.address.trim() == shown);
        let nth = given[..j]
            .iter()
            .filter(|g| g.kind == r.kind && g.address.trim() == shown)
            .count();
        let kept = match candidates.len() {
            0 => {
                return Err((
                    key,
                    format!(
                        "`{shown}` is how a saved URL is shown, and this schedule has no {} URL \
                         there: give the full URL",
                        r.kind.as_str()
                    ),
                ))
            }
            1 => candidates[0],
            n if sent.count() == n => candidates[nth],
            n => {
                return Err((
                    key,
                    format!(
                        "`{shown}` stands for {n} saved {} URLs: send each of them masked, or the \
                         full URLs",
                        r.kind.as_str()
                    ),
                ))
            }
        };
        out.push(kept.clone());
    }
    Ok(out)
}

/// `https://host/…`: a webhook URL without what follows the host, which holds its secret
/// (Slack's and Teams' hooks are their own credentials).
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url.trim()) {
        Ok(u) => match u.host_str() {
            Some(h) => format!("{}://{h}/…", u.scheme()),
            None => format!("{}:…", u.scheme()),
        },
        Err(_) => "(invalid URL)".into(),
    }
}

/// Why an address may not be delivered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    /// What kind of address it is, in words (`loopback`, `private`, ...).
    pub what: &'static str,
    /// Refused even with `[delivery] allow_private_targets` (cloud metadata services).
    pub always: bool,
}

impl Blocked {
    fn new(what: &'static str) -> Option<Blocked> {
        Some(Blocked {
            what,
            always: false,
        })
    }
}

/// Cloud metadata services (AWS, GCP, Azure, ECS, Alibaba; AWS's IPv6 one below).
const METADATA_V4: [std::net::Ipv4Addr; 3] = [
    std::net::Ipv4Addr::new(169, 254, 169, 254),
    std::net::Ipv4Addr::new(169, 254, 170, 2),
    std::net::Ipv4Addr::new(100, 100, 100, 200),
];
const METADATA_V6: std::net::Ipv6Addr =
    std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// Whether `ip` is somewhere a server-side request must not go by default: anything but a
/// public unicast address. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64,
/// 6to4) are judged by that address.
pub fn blocked_ip(ip: std::net::IpAddr) -> Option<Blocked> {
    match ip {
        std::net::IpAddr::V4(v4) => blocked_v4(v4),
        std::net::IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn blocked_v4(ip: std::net::Ipv4Addr) -> Option<Blocked> {
    let o = ip.octets();
    if METADATA_V4.contains(&ip) {
        return Some(Blocked {
            what: "cloud metadata",
            always: true,
        });
    }
    if o[0] == 0 {
        Blocked::new("unspecified (0.0.0.0/8)")
    } else if ip.is_loopback() {
        Blocked::new("loopback")
    } else if ip.is_private() {
        Blocked::new("private")
    } else if ip.is_link_local() {
        Blocked::new("link-local")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Blocked::new("shared (CGNAT, 100.64.0.0/10)")
    } else if ip.is_broadcast() {
        Blocked::new("broadcast")
    } else if ip.is_multicast() {
        Blocked::new("multicast")
    } else if o[0] >= 240
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
    {
        Blocked::new("reserved")
    } else {
        None
    }
}

fn blocked_v6(ip: std::net::Ipv6Addr) -> Option<Blocked> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| {
        std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
    };
    if ip == METADATA_V6 {
        return Some(Blocked {
            what: "cloud metadata",
            always: true,
        });
    }
    if ip.is_unspecified() {
        Blocked::new("unspecified")
    } else if ip.is_loopback() {
        Blocked::new("loopback")
    } else if let Some(mapped) = ip.to_ipv4_mapped() {
        blocked_v4(mapped)
    } else if s[..6] == [0; 6] {
        // IPv4-compatible (`::a.b.c.d`, deprecated): never a public route.
        blocked_v4(v4(s[6], s[7])).or(Blocked::new("reserved (IPv4-compatible)"))
    } else if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        blocked_v4(v4(s[6], s[7])) // NAT64
    } else if s[0] == 0x2002 {
        blocked_v4(v4(s[1], s[2])) // 6to4
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Blocked::new("unique-local")
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Blocked::new("link-local")
    } else if (s[0] & 0xffc0) == 0xfec0 {
        Blocked::new("site-local")
    } else if (s[0] & 0xff00) == 0xff00 {
        Blocked::new("multicast")
    } else {
        None
    }
}

/// Why a host name that resolved to `addrs` is refused: the first address deliveries refuse
/// (one private answer among public ones is enough, the connection could use any), named with
/// what resolved to it; None when every address passes.
pub fn refuse_resolved(
    host: &str,
    addrs: impl IntoIterator<Item = std::net::IpAddr>,
    shown: &str,
    allow_private: bool,
) -> Option<String> {
    addrs
        .into_iter()
        .find_map(|ip| refuse_ip(ip, shown, allow_private))
        .map(|refusal| format!("{refusal} (what {host} resolves to)"))
}

/// The refusal of `ip` as a delivery target, in words naming `shown` (a redacted URL), or
/// nothing when it may be delivered to.
pub fn refuse_ip(ip: std::net::IpAddr, shown: &str, allow_private: bool) -> Option<String> {
    let b = blocked_ip(ip)?;
    if b.always {
        Some(format!(
            "`{shown}` points at {ip}, a {} address: deliveries there are never allowed",
            b.what
        ))
    } else if allow_private {
        None
    } else {
        Some(format!(
            "`{shown}` points at {ip}, a {} address: deliveries to non-public addresses are \
             refused unless `[delivery] allow_private_targets = true`",
            b.what
        ))
    }
}

/// Where a URL's host points, judged without DNS (a name is judged by the sender once
/// resolved): literal addresses by [`blocked_ip`], `localhost` and `*.localhost` as loopback.
pub fn check_target(u: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    let shown = redact_url(u.as_str());
    // The parser writes an IP host in its one canonical form (`[::1]`, dotted IPv4).
    let refusal = match (u.host_str(), u.host_str().and_then(host_ip)) {
        (_, Some(ip)) => refuse_ip(ip, &shown, allow_private),
        (Some(d), None) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            (!allow_private && (d == "localhost" || d.ends_with(".localhost"))).then(|| {
                format!(
                    "`{shown}` is this machine (localhost): deliveries to non-public \
                     addresses are refused unless `[delivery] allow_private_targets = true`"
                )
            })
        }
        (None, None) => Some(format!("`{shown}` has no host")),
    };
    refusal.map_or(Ok(()), Err)
}

/// The address a parsed URL's host is, when it is one rather than a name.
pub fn host_ip(host: &str) -> Option<std::net::IpAddr> {
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().ok().map(Into::into),
        None => host.parse::<std::net::Ipv4Addr>().ok().map(Into::into),
    }
}

impl RecipientKind {
    /// The name used in config and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RecipientKind::Email => "email",
            RecipientKind::Slack => "slack",
            RecipientKind::Teams => "teams",
            RecipientKind::Webhook => "webhook",
            RecipientKind::S3 => "s3",
        }
    }

    /// Slack, Teams or a webhook: a URL that is its own secret.
    pub fn is_hook(self) -> bool {
        matches!(
            self,
            RecipientKind::Slack | RecipientKind::Teams | RecipientKind::Webhook
        )
    }

    /// Parses `email|slack|teams|webhook`.
    pub fn parse(s: &str) -> Option<RecipientKind> {
        Some(match s {
            "email" => RecipientKind::Email,
            "slack" => RecipientKind::Slack,
            "teams" => RecipientKind::Teams,
            "webhook" => RecipientKind::Webhook,
            "s3" => RecipientKind::S3,
            _ => return None,
        })
    }
}

fn utc() -> String {
    "UTC".into()
}

fn yes() -> bool {
    true
}

/// Someone or something a scheduled report is delivered to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    #[serde(rename = "type")]
    pub kind: RecipientKind,
    pub address: String,
}

/// The delivery channel of a recipient.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecipientKind {
    Email,
    Slack,
    Teams,
    Webhook,
    /// An object in S3-compatible storage: `s3://bucket/prefix/` (`[delivery.s3]`).
    S3,
}

/// An S3 recipient's bucket and key prefix: `s3://bucket/prefix/` (the prefix may be empty).
/// A bucket name as S3 allows it (3-63 lowercase letters, digits, dots and hyphens, starting
/// and ending with a letter or digit); a prefix of printable characters without `..` or `//`
/// segments, at most 512 characters.
pub fn s3_address(address: &str) -> Result<(String, String), String> {
    let a = address.trim();
    let shown = super::text::truncate(a, 80);
    let rest = a
        .strip_prefix("s3://")
        .ok_or_else(|| format!("`{shown}` is not an s3://bucket/prefix/ address"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !bucket.contains("..");
    if !bucket_ok {
        return Err(format!(
            "`{shown}`: the bucket name must be 3-63 lowercase letters, digits, dots and hyphens"
        ));
    }
    if prefix.chars().count() > 512
        || prefix.chars().any(|c| c.is_control() || c == '\\')
        || prefix.split('/').any(|seg| seg == ".." || seg == ".")
        || prefix.contains("//")
        || prefix.starts_with('/')
    {
        return Err(format!(
            "`{shown}`: the prefix must be printable, without `.`, `..` or empty segments, at most 512 characters"
        ));
    }
    Ok((bucket.to_string(), prefix.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(kind: RecipientKind, address: &str) -> Recipient {
        Recipient {
            kind,
            address: address.into(),
        }
    }

    fn check(address: &str, allow_private: bool) -> Result<(), String> {
        hook(RecipientKind::Webhook, address).validate_with(allow_private)
    }

    #[test]
    fn private_loopback_and_metadata_addresses_are_refused_in_every_spelling() {
        for url in [
            "http://127.0.0.1/x",
            "http://127.1.2.3:8080/x",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.0.0.1./",
            "http://[::1]/",
            "http://0.0.0.0/",
            "http://0/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://169.254.1.1/",
            "http://100.64.0.1/",
            "http://100.127.255.255/",
            "http://224.0.0.1/",
            "http://239.255.255.250/",
            "http://255.255.255.255/",
            "http://240.0.0.1/",
            "http://[fc00::1]/",
            "http://[fd12:3456::1]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:c0a8:101::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://localhost/",
            "http://LOCALHOST:8080/x",
            "http://localhost./",
            "http://api.localhost/",
        ] {
            let e = check(url, false).expect_err(url);
            assert!(
                e.contains("allow_private_targets") || e.contains("never"),
                "{url}: {e}"
            );
        }
    }

    #[test]
    fn the_refusal_names_the_kind_of_address_and_hides_the_secret_path() {
        let e = check("http://2130706433/services/SECRET", false).unwrap_err();
        assert!(e.contains("127.0.0.1") && e.contains("loopback"), "{e}");
        assert!(!e.contains("SECRET"), "{e}");
        let e = check("http://169.254.169.254/latest", true).unwrap_err();
        assert!(e.contains("metadata") && e.contains("never"), "{e}");
        let e = check("http://[fd00:ec2::254]/", true).unwrap_err();
        assert!(e.contains("metadata"), "{e}");
        let e = check("http://100.70.0.1/", false).unwrap_err();
        assert!(e.contains("CGNAT"), "{e}");
    }

    #[test]
    fn public_addresses_and_names_are_accepted() {
        for (kind, url) in [
            (RecipientKind::Slack, "https://hooks.slack.com/services/x"),
            (
                RecipientKind::Teams,
                "https://example.webhook.office.com/webhookb2/x",
            ),
            (RecipientKind::Webhook, "http://8.8.8.8/hook"),
            (
                RecipientKind::Webhook,
                "https://[2606:4700:4700::1111]/hook",
            ),
            (
                RecipientKind::Webhook,
                "https://example.com:8443/hook?token=1",
            ),
            (RecipientKind::Webhook, "https://localhost.example.com/"),
            (RecipientKind::Webhook, "https://100.128.0.1/"),
            (RecipientKind::Webhook, "https://172.32.0.1/"),
        ] {
            assert_eq!(hook(kind, url).validate_with(false), Ok(()), "{url}");
        }
    }

    #[test]
    fn allow_private_lets_loopback_and_private_targets_through() {
        for url in [
            "http://127.0.0.1:9000/ok",
            "http://[::1]/",
            "http://localhost/",
            "http://10.0.0.5/",
            "http://0x7f.1/",
        ] {
            assert_eq!(check(url, true), Ok(()), "{url}");
        }
        // Plain http for Slack and Teams too (intranet stand-ins), but only then.
        let slack = hook(RecipientKind::Slack, "http://127.0.0.1:9000/slack");
        assert_eq!(slack.validate_with(true), Ok(()));
        assert!(slack.validate_with(false).is_err());
    }

    #[test]
    fn credentials_in_the_url_and_plain_http_for_slack_and_teams_are_refused() {
        let e = check("http://user:pass@example.com/", true).unwrap_err();
        assert!(
            e.contains("user name or password") && !e.contains("pass@"),
            "{e}"
        );
        assert!(check("https://user@example.com/", false).is_err());
        for kind in [RecipientKind::Slack, RecipientKind::Teams] {
            let e = hook(kind, "http://hooks.slack.com/services/x")
                .validate_with(false)
                .unwrap_err();
            assert!(e.contains("https"), "{e}");
        }
        assert_eq!(check("http://example.com/hook", false), Ok(()));
    }

    #[test]
    fn hidden_urls_sent_back_masked_or_blank_are_kept_and_unknown_ones_refused() {
        let slack = |a: &str| Recipient {
            kind: RecipientKind::Slack,
            address: a.into(),
        };
        let stored = [
            slack("https://hooks.slack.com/services/A"),
            slack("https://hooks.slack.com/services/B"),
            hook(RecipientKind::Webhook, "https://h.example/x?token=C"),
        ];
        let masked = slack("https://hooks.slack.com/…");
        let web = hook(RecipientKind::Webhook, "https://h.example/…");
        let kept = keep_hidden(&[masked.clone(), masked.clone(), web.clone()], &stored).unwrap();
        assert_eq!(kept, stored);
        let kept = keep_hidden(&[web.clone(), slack(""), slack("")], &stored).unwrap();
        assert_eq!(kept, vec![stored[2].clone(), stored[1].clone(), slack("")]);
        let e = keep_hidden(&[masked.clone(), web.clone()], &stored).unwrap_err();
        assert_eq!(e.0, "recipients[0].address");
        assert!(e.1.contains("stands for 2"), "{}", e.1);
        let e = keep_hidden(
            &[hook(RecipientKind::Webhook, "https://x.example/…")],
            &stored,
        )
        .unwrap_err();
        assert!(e.1.contains("give the full URL"), "{}", e.1);
        let new = slack("https://hooks.slack.com/services/NEW");
        assert_eq!(keep_hidden(&[new.clone()], &stored).unwrap(), vec![new]);
        let mail = hook(RecipientKind::Email, "a@b.org");
        assert_eq!(keep_hidden(&[mail.clone()], &[]).unwrap(), vec![mail]);
    }

    #[test]
    fn emails_are_not_urls_and_keep_their_check() {
        let r = hook(RecipientKind::Email, "ops@localhost");
        assert_eq!(r.validate_with(false), Ok(()));
        assert!(hook(RecipientKind::Email, "nope")
            .validate_with(true)
            .is_err());
    }

    #[test]
    fn an_address_is_at_most_2000_characters() {
        let long = format!("https://example.com/{}", "a".repeat(2_000));
        let e = check(&long, false).unwrap_err();
        assert!(e.contains("2000"), "{e}");
        let fits = format!("https://example.com/{}", "a".repeat(1_900));
        assert_eq!(check(&fits, false), Ok(()));
        let mut s = schedule();
        s.recipients = vec![hook(RecipientKind::Webhook, &long)];
        assert_eq!(s.validate(false).unwrap_err().0, "recipients[0].address");
    }

    #[test]
    fn a_schedule_passes_the_flag_to_its_recipients() {
        let mut s = schedule();
        s.recipients = vec![
            hook(RecipientKind::Email, "a@example.com"),
            hook(RecipientKind::Webhook, "http://127.0.0.1:1/x"),
        ];
        let (key, message) = s.validate(false).unwrap_err();
        assert_eq!(key, "recipients[1].address");
        assert!(message.contains("loopback"), "{message}");
        assert_eq!(s.validate(true), Ok(()));
    }

    #[test]
    fn shown_addresses_keep_the_host_only() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T0/B0/SECRET?x=1"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(redact_url("not a url"), "(invalid URL)");
        assert_eq!(
            hook(RecipientKind::Teams, "https://x.example.com:444/a/b").shown(),
            "https://x.example.com/…"
        );
        assert_eq!(hook(RecipientKind::Email, "a@b.com").shown(), "a@b.com");
    }

    fn schedule() -> ScheduleDefinition {
        ScheduleDefinition {
            dashboard_id: None,
            id: None,
            name: "Weekly".into(),
            report_id: "r".into(),
            schedule: "@daily".into(),
            timezone: "UTC".into(),
            parameters: BTreeMap::new(),
            enabled: true,
            recipients: vec![],
            export_format: ExportFormat::default(),
            row_limit: None,
        }
    }
}
