//! HTTP(S) sources as Go's `net/url` splits them, and the small part of Go 1.26's `net/url`
//! (Buildx is built with Go 1.26, `go.mod` `go 1.26.3`) that source parsing needs: `url.Parse`
//! with its errors, `URL.String`, `URL.Query` / `url.ParseQuery`, and `path.Join`/`path.Clean`.
//!
//! Written from the documented behaviour of Go's `net/url` (RFC 3986 with Go's deviations):
//! the fragment is cut at the first `#`, the query at the first `?` (a lone trailing `?` is
//! `ForceQuery`), a scheme is `[A-Za-z][A-Za-z0-9+.-]*:`, a rootless path after a scheme is
//! opaque, the authority is split at the last `@`, a host's port must be digits, colons in an
//! `http`/`https` host are strict (`urlstrictcolons=1`, Go 1.26's default), bracketed hosts must
//! be IPv6 addresses, `%`-escapes are checked per component, and control bytes are refused.

use std::collections::BTreeMap;

use crate::Error;

/// An HTTP source: what `input.http` carries before any evidence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpSource {
    /// The full source identifier.
    pub url: String,
    /// `http` or `https`.
    pub schema: String,
    /// `host[:port]`.
    pub host: String,
    /// The decoded path.
    pub path: String,
    /// The parsed query.
    pub query: BTreeMap<String, Vec<String>>,
}

impl HttpSource {
    /// BX `policy/validate.go` `sourceToInput`, `http`/`https` branch: `url.Parse` of the whole
    /// identifier; the schema is the identifier's scheme as written before `://`.
    pub fn parse(identifier: &str) -> Result<HttpSource, Error> {
        let schema = identifier.split_once("://").map_or("", |(s, _)| s);
        let u = Url::parse(identifier).map_err(|e| {
            Error::malformed_source(format!("failed to parse http source url: {e}"))
        })?;
        Ok(HttpSource {
            url: identifier.to_string(),
            schema: schema.to_string(),
            host: u.host.clone(),
            path: u.path.clone(),
            query: u.query(),
        })
    }
}

/// A Go `url.Error`-like parse failure: `parse "<url>": <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError {
    /// The URL as Go quotes it in the message (without the fragment when the part before it
    /// failed).
    pub url: String,
    /// The reason (`invalid port ":x" after host`, `invalid URL escape "%zz"`, …).
    pub reason: String,
}

impl core::fmt::Display for UrlError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "parse {}: {}", go_quote(&self.url), self.reason)
    }
}

/// `url.Userinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Userinfo {
    /// The decoded user name.
    pub username: String,
    /// The decoded password, when one was given (`user:pass@`).
    pub password: Option<String>,
}

impl Userinfo {
    /// `Userinfo.String`: the escaped `user[:password]`.
    pub fn to_go_string(&self) -> String {
        let mut s = escape(&self.username, Mode::UserPassword);
        if let Some(p) = &self.password {
            s.push(':');
            s.push_str(&escape(p, Mode::UserPassword));
        }
        s
    }
}

/// Go's `url.URL` (the fields source parsing reads).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Url {
    /// Lowercased scheme.
    pub scheme: String,
    /// Opaque data (`scheme:opaque`).
    pub opaque: String,
    /// User information.
    pub user: Option<Userinfo>,
    /// `host[:port]`, decoded.
    pub host: String,
    /// The decoded path.
    pub path: String,
    /// The raw path when its default encoding differs.
    pub raw_path: String,
    /// The URL had an empty authority.
    pub omit_host: bool,
    /// A lone trailing `?`.
    pub force_query: bool,
    /// The query, still encoded.
    pub raw_query: String,
    /// The decoded fragment.
    pub fragment: String,
    /// The raw fragment when its default encoding differs.
    pub raw_fragment: String,
}

impl Url {
    /// `url.Parse`.
    pub fn parse(raw: &str) -> Result<Url, UrlError> {
        let (u, frag) = match raw.split_once('#') {
            Some((u, f)) => (u, Some(f)),
            None => (raw, None),
        };
        let mut url = parse_no_frag(u).map_err(|reason| UrlError {
            url: u.to_string(),
            reason,
        })?;
        if let Some(frag) = frag.filter(|f| !f.is_empty()) {
            url.set_fragment(frag).map_err(|reason| UrlError {
                url: raw.to_string(),
                reason,
            })?;
        }
        Ok(url)
    }

    fn set_fragment(&mut self, f: &str) -> Result<(), String> {
        let frag = unescape(f, Mode::Fragment)?;
        self.raw_fragment = if escape(&frag, Mode::Fragment) == f {
            String::new()
        } else {
            f.to_string()
        };
        self.fragment = frag;
        Ok(())
    }

    fn set_path(&mut self, p: &str) -> Result<(), String> {
        let path = unescape(p, Mode::Path)?;
        self.raw_path = if escape(&path, Mode::Path) == p {
            String::new()
        } else {
            p.to_string()
        };
        self.path = path;
        Ok(())
    }

    /// `URL.Query()`: `url.ParseQuery` of the raw query, malformed pairs dropped.
    pub fn query(&self) -> BTreeMap<String, Vec<String>> {
        parse_query(&self.raw_query).0
    }

    /// `URL.EscapedPath`.
    pub fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path, Mode::Path)
            && unescape(&self.raw_path, Mode::Path).is_ok_and(|p| p == self.path)
        {
            return self.raw_path.clone();
        }
        if self.path == "*" {
            return "*".into();
        }
        escape(&self.path, Mode::Path)
    }

    /// `URL.EscapedFragment`.
    pub fn escaped_fragment(&self) -> String {
        if !self.raw_fragment.is_empty()
            && valid_encoded(&self.raw_fragment, Mode::Fragment)
            && unescape(&self.raw_fragment, Mode::Fragment).is_ok_and(|f| f == self.fragment)
        {
            return self.raw_fragment.clone();
        }
        escape(&self.fragment, Mode::Fragment)
    }

    /// `URL.String`.
    pub fn to_go_string(&self) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let no_authority = self.omit_host && self.host.is_empty() && self.user.is_none();
            if (!self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some())
                && !no_authority
            {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(ui) = &self.user {
                    buf.push_str(&ui.to_go_string());
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&escape(&self.host, Mode::Host));
                }
            }
            let mut path = self.escaped_path();
            if no_authority && path.starts_with("//") {
                buf.push_str("%2F");
                path.remove(0);
            }
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() {
                let segment = path.split('/').next().unwrap_or("");
                if segment.contains(':') {
                    buf.push_str("./");
                }
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&self.escaped_fragment());
        }
        buf
    }
}

fn parse_no_frag(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_string();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    let mut path = rest;
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let authority_and_path = &rest[2..];
        let (authority, p) = match authority_and_path.find('/') {
            Some(i) => (&authority_and_path[..i], &authority_and_path[i..]),
            None => (authority_and_path, ""),
        };
        let (user, host) = parse_authority(&url.scheme, authority)?;
        url.user = user;
        url.host = host;
        path = p;
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.set_path(path)?;
    Ok(url)
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_authority(scheme: &str, authority: &str) -> Result<(Option<Userinfo>, String), String> {
    let at = authority.rfind('@');
    let host = parse_host(scheme, at.map_or(authority, |i| &authority[i + 1..]))?;
    let Some(i) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..i];
    if !valid_userinfo(userinfo) {
        return Err("net/url: invalid userinfo".into());
    }
    let user = match userinfo.split_once(':') {
        None => Userinfo {
            username: unescape(userinfo, Mode::UserPassword)?,
            password: None,
        },
        Some((u, p)) => Userinfo {
            username: unescape(u, Mode::UserPassword)?,
            password: Some(unescape(p, Mode::UserPassword)?),
        },
    };
    Ok((Some(user), host))
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    })
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        _ if port.is_empty() => true,
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

fn parse_host(scheme: &str, host: &str) -> Result<String, String> {
    match host.rfind('[') {
        Some(i) if i > 0 => return Err("invalid IP-literal".into()),
        Some(_) => {
            let Some(close) = host.rfind(']') else {
                return Err("missing ']' in host".into());
            };
            let colon_port = &host[close + 1..];
            if !valid_optional_port(colon_port) {
                return Err(format!("invalid port {} after host", go_quote(colon_port)));
            }
            let colon_port = unescape(colon_port, Mode::Host)?;
            let hostname = &host[1..close];
            let unescaped = match hostname.find("%25") {
                Some(z) => {
                    let h = unescape(&hostname[..z], Mode::Host)?;
                    let zone = unescape(&hostname[z..], Mode::Zone)?;
                    h + &zone
                }
                None => unescape(hostname, Mode::Host)?,
            };
            match parse_ip_addr(&unescaped) {
                Err(e) => return Err(format!("invalid host: {e}")),
                Ok(true) => return Err("invalid IP-literal".into()),
                Ok(false) => {}
            }
            return Ok(format!("[{unescaped}]{colon_port}"));
        }
        None => {
            if let Some(mut i) = host.find(':') {
                let last = host.rfind(':').unwrap_or(i);
                if last != i && scheme != "http" && scheme != "https" {
                    i = last;
                }
                let colon_port = &host[i..];
                if !valid_optional_port(colon_port) {
                    return Err(format!("invalid port {} after host", go_quote(colon_port)));
                }
            }
        }
    }
    unescape(host, Mode::Host)
}

/// `netip.ParseAddr` reduced to what `parseHost` asks: `Ok(true)` for IPv4, `Ok(false)` for
/// IPv6 (with an optional non-empty zone), an error otherwise.
fn parse_ip_addr(s: &str) -> Result<bool, String> {
    let fail = |why: &str| Err(format!("ParseAddr({}): {why}", go_quote(s)));
    if s.is_empty() {
        return fail("unable to parse IP");
    }
    if !s.contains(':') {
        return match s.parse::<std::net::Ipv4Addr>() {
            Ok(_) if s.contains('.') => Ok(true),
            _ => fail("unable to parse IP"),
        };
    }
    let (addr, zone) = match s.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (s, None),
    };
    if zone == Some("") {
        return fail("zone must be a non-empty string");
    }
    match addr.parse::<std::net::Ipv6Addr>() {
        Ok(_) => Ok(false),
        Err(_) => fail("unable to parse IP"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Path,
    PathSegment,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => return c == b'?',
            Mode::PathSegment => return matches!(c, b'/' | b';' | b',' | b'?'),
            Mode::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::QueryComponent => return true,
            Mode::Fragment => return false,
            Mode::Host | Mode::Zone => {}
        },
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Go's `unescape`: checks and decodes `%XX` (and `+` in query components).
pub(crate) fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut n = 0;
    let mut has_plus = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                n += 1;
                if i + 2 >= b.len()
                    || !b[i + 1].is_ascii_hexdigit()
                    || !b[i + 2].is_ascii_hexdigit()
                {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape {}",
                        go_quote(&String::from_utf8_lossy(&b[i..end]))
                    ));
                }
                let esc = &s[i..i + 3];
                if mode == Mode::Host && unhex(b[i + 1]) < 8 && esc != "%25" {
                    return Err(format!("invalid URL escape {}", go_quote(esc)));
                }
                if mode == Mode::Zone {
                    let v = (unhex(b[i + 1]) << 4) | unhex(b[i + 2]);
                    if esc != "%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(format!("invalid URL escape {}", go_quote(esc)));
                    }
                }
                i += 3;
            }
            b'+' => {
                has_plus = mode == Mode::QueryComponent;
                i += 1;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        go_quote(&(c as char).to_string())
                    ));
                }
                i += 1;
            }
        }
    }
    if n == 0 && !has_plus {
        return Ok(s.to_string());
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                out.push((unhex(b[i + 1]) << 4) | unhex(b[i + 2]));
                i += 2;
            }
            b'+' if mode == Mode::QueryComponent => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    // Go strings hold any bytes; invalid UTF-8 is replaced, as Go's JSON encoder would.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `escape`.
pub(crate) fn escape(s: &str, mode: Mode) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c == b' ' && mode == Mode::QueryComponent {
            out.push('+');
        } else if should_escape(c, mode) {
            out.push('%');
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        } else {
            out.push(c as char);
        }
    }
    out
}

fn valid_encoded(s: &str, mode: Mode) -> bool {
    s.bytes().all(|c| {
        matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !should_escape(c, mode)
    })
}

/// `url.PathUnescape`.
pub fn path_unescape(s: &str) -> Result<String, String> {
    unescape(s, Mode::PathSegment)
}

/// `url.ParseQuery`: the values (each key's values in order) and the first error, if any.
/// Pairs that fail to decode are dropped; so are pairs holding `;`.
pub fn parse_query(query: &str) -> (BTreeMap<String, Vec<String>>, Option<String>) {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if query.matches('&').count() + 1 > 10000 {
        return (
            m,
            Some("number of URL query parameters exceeded limit".into()),
        );
    }
    let mut err = None;
    for item in query.split('&') {
        if item.contains(';') {
            err = Some("invalid semicolon separator in query".to_string());
            continue;
        }
        if item.is_empty() {
            continue;
        }
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        let k = match unescape(k, Mode::QueryComponent) {
            Ok(k) => k,
            Err(e) => {
                err.get_or_insert(e);
                continue;
            }
        };
        let v = match unescape(v, Mode::QueryComponent) {
            Ok(v) => v,
            Err(e) => {
                err.get_or_insert(e);
                continue;
            }
        };
        m.entry(k).or_default().push(v);
    }
    (m, err)
}

/// Go's `path.Clean`.
pub fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for elem in p.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            e => out.push(e),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `path.Join`: the non-empty elements joined with `/`, cleaned; `""` when all are empty.
pub fn path_join(elems: &[&str]) -> String {
    let parts: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    path_clean(&parts.join("/"))
}

/// Go's `%q` for the strings these messages quote (ASCII escapes; printable Unicode kept).
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
