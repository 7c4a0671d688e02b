//! HTTP runtime of the generated clients: parameters written in their
//! OpenAPI styles, bodies, credentials chosen from each operation's security
//! requirements, and OAuth2 client-credentials tokens cached per scope set.

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use super::{Location, Param, Style};
/// The HTTP client the generated clients send with, for callers that
/// bring their own `reqwest::Client`.
pub use reqwest;
pub use reqwest::multipart::{Form as Multipart, Part};
pub use reqwest::Method;

/// Everything but RFC 3986 unreserved characters is percent-encoded, so a
/// value can never change the structure of a path or query (`/`, `?`, `#`,
/// `%`, `&`, `=`, spaces and non-ASCII included).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Appends `text` percent-encoded.
fn encode_into(out: &mut String, text: &str) {
    out.extend(utf8_percent_encode(text, COMPONENT));
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    encode_into(&mut out, text);
    out
}

/// A credential: never shown by `Debug` or in error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for sending it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// The failure of a client call. Responses the spec does not describe are
/// kept whole (status, headers, raw body) so callers can still use them.
#[derive(Debug)]
pub enum Error {
    /// The base URL, or the URL built from it, is not valid.
    InvalidUrl(String),
    /// A parameter value cannot be sent as the spec says (a header value with
    /// CR or LF, a path segment of `.` or `..`); nothing was sent.
    InvalidParameter { name: String, reason: String },
    /// The request body could not be encoded.
    Encode(String),
    /// No response: connection, TLS or timeout failure.
    Transport(reqwest::Error),
    /// The OAuth2 token endpoint failed or refused the credentials.
    Token { status: Option<u16>, message: String },
    /// A status the operation does not document, with no `default` response.
    UnexpectedStatus(Box<RawResponse>),
    /// A documented status whose body does not match its schema.
    InvalidBody { response: Box<RawResponse>, message: String },
    /// The response body is larger than the call's limit (see
    /// `with_response_limit`); no more of it was read.
    ResponseTooLarge { status: u16, limit: usize },
    /// A redirect could not be followed (too many of them).
    Redirect(String),
}

/// A response kept whole because the client could not type it.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Error {
    /// The HTTP status of the response, if one arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::UnexpectedStatus(r) | Error::InvalidBody { response: r, .. } => Some(r.status),
            Error::Token { status, .. } => *status,
            Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// The response the client could not type, kept whole.
    pub fn response(&self) -> Option<&RawResponse> {
        match self {
            Error::UnexpectedStatus(r) | Error::InvalidBody { response: r, .. } => Some(r),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl(m) => write!(f, "invalid URL: {m}"),
            Error::InvalidParameter { name, reason } => write!(f, "parameter `{name}`: {reason}"),
            Error::Encode(m) => write!(f, "cannot encode the request body: {m}"),
            Error::Transport(e) => write!(f, "request failed: {e}"),
            Error::Token { status: Some(s), message } => write!(f, "token request failed with status {s}: {message}"),
            Error::Token { status: None, message } => write!(f, "token request failed: {message}"),
            Error::UnexpectedStatus(r) => {
                write!(f, "undocumented response status {} ({} bytes of body)", r.status, r.body.len())
            }
            Error::InvalidBody { response, message } => {
                write!(f, "the body of the {} response does not match its schema: {message}", response.status)
            }
            Error::ResponseTooLarge { status, limit } => {
                write!(f, "the body of the {status} response is larger than the limit of {limit} bytes")
            }
            Error::Redirect(m) => write!(f, "redirect not followed: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}

/// A reqwest error without its URL, which may hold an API key.
fn transport(e: reqwest::Error) -> Error {
    Error::Transport(e.without_url())
}

/// A request under construction: path, query, headers and cookies already
/// in their wire form. Boxed, so that the futures holding it stay small.
#[derive(Debug)]
pub struct Request(Box<Parts>);

#[derive(Debug)]
struct Parts {
    method: Method,
    path: String,
    /// `k=v` pairs joined with `&`.
    query: String,
    headers: HeaderMap,
    cookies: Vec<String>,
    body: Option<Body>,
}

#[derive(Debug)]
enum Body {
    Bytes { content_type: String, data: Bytes },
    Multipart(Multipart),
}

impl Request {
    pub fn new(method: Method) -> Self {
        Request(Box::new(Parts {
            method,
            path: String::new(),
            query: String::new(),
            headers: HeaderMap::new(),
            cookies: Vec::new(),
            body: None,
        }))
    }

    /// Appends a literal piece of the path template.
    pub fn path(&mut self, literal: &str) {
        self.0.path.push_str(literal);
    }

    /// Adds a parameter where and as the spec says; `None` (JSON `null`)
    /// adds nothing, except in the path, where a value is required.
    pub fn param(&mut self, param: &Param, value: &impl Serialize) -> Result<(), Error> {
        match param.location {
            Location::Path => self.path_param(param.name, value, param.style, param.explode),
            Location::Query => self.query_param(param.name, value, param.style, param.explode),
            Location::Header => self.header_param(param.name, value, param.explode),
            Location::Cookie => self.cookie_param(param.name, value, param.explode),
        }
    }

    /// Appends a path parameter, percent-encoded so that it stays within
    /// its segment whatever it holds.
    pub fn path_param(&mut self, name: &str, value: &impl Serialize, style: Style, explode: bool) -> Result<(), Error> {
        let value = to_value(name, value)?;
        // Written in place, then checked.
        let start = self.0.path.len();
        match style {
            Style::Label => {
                self.0.path.push('.');
                let sep = if explode { "." } else { "," };
                match &value {
                    Value::Array(list) => join_into(&mut self.0.path, list, sep, |out, v| encode_into(out, &scalar(v))),
                    Value::Object(map) if explode => {
                        join_into(&mut self.0.path, map, ".", |out, (k, v)| pair_into(out, k, v))
                    }
                    other => simple_into(&mut self.0.path, other, false, encode_into),
                }
            }
            Style::Matrix => matrix_into(&mut self.0.path, name, &value, explode),
            _ => simple_into(&mut self.0.path, &value, explode, encode_into),
        }
        let text = &self.0.path[start..];
        if text == "." || text == ".." || text.is_empty() {
            let reason = format!("`{text}` cannot be sent as a path segment without changing the path");
            self.0.path.truncate(start);
            return Err(Error::InvalidParameter { name: name.to_owned(), reason });
        }
        Ok(())
    }

    /// Starts the next `k=v` pair of the query.
    fn next_pair(&mut self) -> &mut String {
        if !self.0.query.is_empty() {
            self.0.query.push('&');
        }
        &mut self.0.query
    }

    /// Adds a query parameter; `None` (JSON `null`) adds nothing.
    pub fn query_param(
        &mut self,
        name: &str,
        value: &impl Serialize,
        style: Style,
        explode: bool,
    ) -> Result<(), Error> {
        let value = to_value(name, value)?;
        match (&value, style) {
            (Value::Null, _) => {}
            (Value::Object(map), Style::DeepObject) => {
                for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                    let out = self.next_pair();
                    encode_into(out, name);
                    out.push_str("%5B");
                    encode_into(out, k);
                    out.push_str("%5D=");
                    encode_into(out, &scalar(v));
                }
            }
            (Value::Array(list), Style::SpaceDelimited | Style::PipeDelimited) => {
                let sep = if style == Style::SpaceDelimited { "%20" } else { "%7C" };
                let out = self.next_pair();
                encode_into(out, name);
                out.push('=');
                join_into(out, list, sep, |out, v| encode_into(out, &scalar(v)));
            }
            (Value::Array(list), _) if explode => {
                for v in list {
                    let out = self.next_pair();
                    encode_into(out, name);
                    out.push('=');
                    encode_into(out, &scalar(v));
                }
            }
            (Value::Object(map), _) if explode => {
                for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                    pair_into(self.next_pair(), k, v);
                }
            }
            _ => {
                let out = self.next_pair();
                encode_into(out, name);
                out.push('=');
                simple_into(out, &value, false, encode_into);
            }
        }
        Ok(())
    }

    /// Adds a header parameter; a value that is not a valid header value
    /// (CR, LF or other control characters) is refused, never sent.
    pub fn header_param(&mut self, name: &str, value: &impl Serialize, explode: bool) -> Result<(), Error> {
        let value = to_value(name, value)?;
        if value.is_null() {
            return Ok(());
        }
        let mut text = String::new();
        simple_into(&mut text, &value, explode, |out, piece| out.push_str(piece));
        self.header(name, &text)
    }

    /// Sets a header from a raw value, refusing values that are not valid.
    pub fn header(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let invalid = |reason: &str| Error::InvalidParameter { name: name.to_owned(), reason: reason.to_owned() };
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("not a valid header name"))?;
        let ascii = if text.is_ascii() { Ok(text) } else { Err(()) };
        let value = ascii
            .and_then(|text| HeaderValue::from_str(text).map_err(|_| ()))
            .map_err(|_| invalid("header values cannot hold CR, LF, other control characters or non-ASCII text"))?;
        self.0.headers.append(header, value);
        Ok(())
    }

    /// Adds a cookie parameter (form style); `None` adds nothing.
    pub fn cookie_param(&mut self, name: &str, value: &impl Serialize, explode: bool) -> Result<(), Error> {
        let value = to_value(name, value)?;
        if !value.is_null() {
            let mut cookie = format!("{name}=");
            simple_into(&mut cookie, &value, explode, encode_into);
            self.0.cookies.push(cookie);
        }
        Ok(())
    }

    /// A JSON body in the given media type.
    pub fn json_body(&mut self, content_type: &str, body: &impl Serialize) -> Result<(), Error> {
        let data = super::direction::request(|| serde_json::to_vec(body)).map_err(|e| Error::Encode(e.to_string()))?;
        self.bytes_body(content_type, data);
        Ok(())
    }

    /// An `application/x-www-form-urlencoded` body from an object: arrays
    /// repeat their key, nested objects are sent as JSON text.
    pub fn form_body(&mut self, content_type: &str, body: &impl Serialize) -> Result<(), Error> {
        let value =
            super::direction::request(|| serde_json::to_value(body)).map_err(|e| Error::Encode(e.to_string()))?;
        let Value::Object(map) = value else {
            return Err(Error::Encode("a form body must be an object".into()));
        };
        let mut pairs = Vec::new();
        for (k, v) in &map {
            match v {
                Value::Null => {}
                Value::Array(list) => {
                    pairs.extend(list.iter().map(|i| format!("{}={}", encode(k), encode(&scalar(i)))))
                }
                other => pairs.push(format!("{}={}", encode(k), encode(&scalar(other)))),
            }
        }
        self.bytes_body(content_type, pairs.join("&"));
        Ok(())
    }

    /// A raw body (text or binary) in the given media type.
    pub fn bytes_body(&mut self, content_type: &str, data: impl Into<Bytes>) {
        self.0.body = Some(Body::Bytes { content_type: content_type.to_owned(), data: data.into() });
    }

    /// A `multipart/form-data` body built by the caller from bytes or streams.
    pub fn multipart_body(&mut self, form: Multipart) {
        self.0.body = Some(Body::Multipart(form));
    }
}

impl Parts {
    /// `{base_url}{path}?{query}`, API keys in the query last.
    fn url(&self, base: &BaseUrl, extra_query: &[String]) -> Result<reqwest::Url, Error> {
        let mut query = Cow::Borrowed(self.query.as_str());
        for pair in extra_query {
            let query = query.to_mut();
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(pair);
        }
        let query = Some(&*query).filter(|q| !q.is_empty());
        let Some((parsed, prefix)) = &base.parsed else {
            let mut url = format!("{}{}", base.text, self.path);
            if let Some(query) = query {
                url.push('?');
                url.push_str(query);
            }
            return reqwest::Url::parse(&url).map_err(|e| Error::InvalidUrl(e.to_string()));
        };
        // The base URL parsed once: only the path and query are parsed here,
        // as they would be at the end of the whole URL.
        let mut url = parsed.clone();
        if prefix.is_empty() {
            url.set_path(&self.path);
        } else {
            url.set_path(&format!("{prefix}{}", self.path));
        }
        url.set_query(query);
        Ok(url)
    }
}

/// The base URL as given (without a trailing `/`) and, when it is a plain
/// `http`/`https` URL (no query or fragment) that parsing leaves as written,
/// parsed once with its path prefix: `{text}{path}` then parses to `parsed`
/// with the path `{prefix}{path}`.
#[derive(Debug, Clone)]
struct BaseUrl {
    text: String,
    parsed: Option<(reqwest::Url, String)>,
}

impl BaseUrl {
    fn new(text: String) -> Result<Self, Error> {
        let url =
            reqwest::Url::parse(&text).map_err(|e| Error::InvalidUrl(format!("base URL `{}`: {e}", redact(&text))))?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.has_host()
            && !url.cannot_be_a_base()
            && url.query().is_none()
            && url.fragment().is_none();
        let prefix = if !plain {
            None
        } else if url.as_str() == text {
            Some(url.path().to_owned())
        } else if url.path() == "/" && url.as_str().strip_suffix('/') == Some(&text) {
            Some(String::new())
        } else {
            None
        };
        Ok(BaseUrl { parsed: prefix.map(|prefix| (url, prefix)), text })
    }
}

fn to_value(name: &str, value: &impl Serialize) -> Result<Value, Error> {
    super::direction::request(|| serde_json::to_value(value))
        .map_err(|e| Error::InvalidParameter { name: name.to_owned(), reason: e.to_string() })
}

/// The text of a scalar; nested arrays and objects are written as JSON.
fn scalar(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(other.to_string()),
    }
}

/// Appends each item through `write`, `sep` between them.
fn join_into<I: IntoIterator>(out: &mut String, items: I, sep: &str, mut write: impl FnMut(&mut String, I::Item)) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        write(out, item);
    }
}

/// Appends `k=v`, both percent-encoded.
fn pair_into(out: &mut String, key: &str, value: &Value) {
    encode_into(out, key);
    out.push('=');
    encode_into(out, &scalar(value));
}

/// `simple` style: `a,b,c` for arrays; `k1,v1,k2,v2` for objects, or
/// `k1=v1,k2=v2` exploded. Each piece is appended through `esc`.
fn simple_into(out: &mut String, value: &Value, explode: bool, esc: fn(&mut String, &str)) {
    match value {
        Value::Array(list) => join_into(out, list, ",", |out, v| esc(out, &scalar(v))),
        Value::Object(map) => join_into(out, map, ",", |out, (k, v)| {
            esc(out, k);
            out.push(if explode { '=' } else { ',' });
            esc(out, &scalar(v));
        }),
        other => esc(out, &scalar(other)),
    }
}

fn matrix_into(out: &mut String, name: &str, value: &Value, explode: bool) {
    match value {
        Value::Array(list) if explode => {
            for v in list {
                out.push(';');
                pair_into(out, name, v);
            }
        }
        Value::Object(map) if explode => {
            for (k, v) in map {
                out.push(';');
                pair_into(out, k, v);
            }
        }
        other => {
            out.push(';');
            encode_into(out, name);
            out.push('=');
            simple_into(out, other, false, encode_into);
        }
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    /// The URL that answered, after the redirects followed.
    url: reqwest::Url,
}

impl Response {
    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Decodes a JSON body; a mismatch keeps the raw response in the error.
    pub fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        match serde_json::from_slice(&self.body) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.invalid(e.to_string())),
        }
    }

    /// A text body; invalid UTF-8 keeps the raw response in the error.
    pub fn text(self) -> Result<String, Error> {
        match String::from_utf8(self.body.to_vec()) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.invalid(e.to_string())),
        }
    }

    pub fn bytes(self) -> Result<Vec<u8>, Error> {
        Ok(self.body.to_vec())
    }

    /// A declared response header, typed; absent gives `None`. A value that
    /// does not parse keeps the raw response in the error.
    pub fn header<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Error> {
        let Some(value) = self.headers.get(name) else {
            return Ok(None);
        };
        let text = value.to_str().map_err(|_| self.header_error(name, "not visible ASCII"))?;
        // Strings, enums, dates and ids parse from the text itself; numbers
        // and booleans from its JSON reading; lists are comma-separated.
        let parsed = serde_json::from_value(Value::String(text.to_owned()))
            .or_else(|_| serde_json::from_str(text))
            .or_else(|_| {
                let items: Vec<Value> = text
                    .split(',')
                    .map(|item| {
                        serde_json::from_str(item.trim()).unwrap_or_else(|_| Value::String(item.trim().to_owned()))
                    })
                    .collect();
                serde_json::from_value(Value::Array(items))
            })
            .map_err(|e: serde_json::Error| self.header_error(name, &e.to_string()))?;
        Ok(Some(parsed))
    }

    /// A header the spec marks as required: absence is an error.
    pub fn required_header<T: DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        self.header(name)?.ok_or_else(|| self.header_error(name, "required but absent"))
    }

    fn header_error(&self, name: &str, reason: &str) -> Error {
        Error::InvalidBody {
            response: Box::new(RawResponse {
                status: self.status,
                headers: self.headers.clone(),
                body: self.body.clone(),
            }),
            message: format!("response header `{name}`: {reason}"),
        }
    }

    /// The error for a status the operation does not document.
    pub fn unexpected(self) -> Error {
        Error::UnexpectedStatus(Box::new(self.into_raw()))
    }

    fn invalid(self, message: String) -> Error {
        Error::InvalidBody { response: Box::new(self.into_raw()), message }
    }

    fn into_raw(self) -> RawResponse {
        RawResponse { status: self.status, headers: self.headers, body: self.body }
    }
}

/// OAuth2 client credentials. The token URL defaults to the spec's.
#[derive(Clone, Debug)]
pub struct OAuth2ClientCredentials {
    client_id: String,
    client_secret: Secret,
    token_url: Option<String>,
    secret_in_header: bool,
}

impl OAuth2ClientCredentials {
    /// Credentials sent as `client_id`/`client_secret` form fields.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        OAuth2ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: None,
            secret_in_header: false,
        }
    }

    /// Fetch tokens from this URL instead of the spec's `tokenUrl`.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Send the client id and secret with HTTP Basic (`client_secret_basic`)
    /// instead of form fields.
    pub fn secret_in_basic_header(mut self) -> Self {
        self.secret_in_header = true;
        self
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<f64>,
}

struct CachedToken {
    token: Secret,
    /// `Bearer <token>`, marked sensitive, made once for every request that
    /// sends it (`None` when the token cannot be a header value).
    header: Option<HeaderValue>,
    /// When to stop using it: shortly before the server's expiry.
    refresh_at: Option<Instant>,
}

/// A bearer `Authorization`: a header value made once, or a token for
/// reqwest to write (which reports a token it cannot send).
enum Bearer<'a> {
    Header(HeaderValue),
    Token(Cow<'a, Secret>),
}

impl Bearer<'_> {
    fn new(token: &Secret, header: Option<&HeaderValue>) -> Self {
        match header {
            Some(header) => Bearer::Header(header.clone()),
            None => Bearer::Token(Cow::Owned(token.clone())),
        }
    }
}

/// `Bearer <token>` as reqwest's `bearer_auth` writes it (sensitive).
fn bearer_header(token: &Secret) -> Option<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Fetches and caches tokens, one per set of scopes; concurrent callers
/// wait for a single fetch. A cached token is read under a short lock that
/// is never held across an await, so requests do not queue behind each other.
pub struct TokenSource {
    credentials: OAuth2ClientCredentials,
    token_url: String,
    http: reqwest::Client,
    timeout: Option<Duration>,
    cache: std::sync::Mutex<HashMap<String, CachedToken>>,
    fetching: tokio::sync::Mutex<()>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("client_id", &self.credentials.client_id)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

/// The cache key of a scope set: its scopes sorted, without repeats,
/// space-separated (a single scope is its own key).
fn scope_key<'a>(scopes: &[&'a str]) -> Cow<'a, str> {
    if let [scope] = scopes {
        return Cow::Borrowed(scope);
    }
    let mut sorted: Vec<&str> = scopes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    Cow::Owned(sorted.join(" "))
}

impl TokenSource {
    async fn token(&self, scopes: &[&str]) -> Result<Bearer<'static>, Error> {
        let key = scope_key(scopes);
        match self.fresh(&key) {
            Some(token) => Ok(token),
            // Boxed: the fetch is rare, and would otherwise make every
            // request's future as large as its own.
            None => Box::pin(self.refresh(key)).await,
        }
    }

    /// Fetches the token for `key` unless another caller just did.
    async fn refresh(&self, key: Cow<'_, str>) -> Result<Bearer<'static>, Error> {
        // One fetch at a time: whoever waited here finds the token fetched.
        let _fetching = self.fetching.lock().await;
        if let Some(token) = self.fresh(&key) {
            return Ok(token);
        }
        let fetched = self.fetch(&key).await?;
        let token = Bearer::new(&fetched.token, fetched.header.as_ref());
        self.cache().insert(key.into_owned(), fetched);
        Ok(token)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, CachedToken>> {
        // The map stays consistent even if a holder panicked: use it.
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached token for these scopes, unless it is due for refresh.
    fn fresh(&self, key: &str) -> Option<Bearer<'static>> {
        let cache = self.cache();
        let cached = cache.get(key)?;
        let fresh = cached.refresh_at.is_none_or(|at| Instant::now() < at);
        fresh.then(|| Bearer::new(&cached.token, cached.header.as_ref()))
    }

    async fn invalidate(&self, scopes: &[&str]) {
        self.cache().remove(&*scope_key(scopes));
    }

    async fn fetch(&self, scope: &str) -> Result<CachedToken, Error> {
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if !scope.is_empty() {
            form.push(("scope", scope));
        }
        let creds = &self.credentials;
        if !creds.secret_in_header {
            form.push(("client_id", &creds.client_id));
            form.push(("client_secret", creds.client_secret.expose()));
        }
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let mut request = self
            .http
            .post(&self.token_url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.join("&"));
        if creds.secret_in_header {
            request = request.basic_auth(&creds.client_id, Some(creds.client_secret.expose()));
        }
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        let started = Instant::now();
        let fail = |status: Option<u16>, message: String| Error::Token { status, message };
        // The client's redirect policy follows redirects within the token
        // endpoint's origin; one elsewhere would take the secret along.
        let response = read(request, false, TOKEN_RESPONSE_LIMIT).await.map_err(|e| match e {
            Error::ResponseTooLarge { status, limit } => {
                fail(Some(status), format!("the token response is larger than {limit} bytes"))
            }
            other => fail(None, other.to_string()),
        })?;
        let (status, bytes) = match response {
            Some(r) if foreign_redirect(&r).is_some() => {
                return Err(fail(
                    Some(r.status),
                    "the token endpoint redirects to another origin; the client secret is not sent there".into(),
                ));
            }
            Some(r) => (r.status, r.body),
            None => return Err(fail(None, "no response".into())),
        };
        if !(200..300).contains(&status) {
            return Err(Error::Token {
                status: Some(status),
                message: "the token endpoint refused the request".into(),
            });
        }
        let parsed: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Token { status: Some(status), message: format!("unreadable token response: {e}") })?;
        // Refresh a little before expiry: 30 s, or a tenth of a short lifetime.
        let refresh_at = parsed.expires_in.filter(|s| s.is_finite() && *s >= 0.0).map(|seconds| {
            let lifetime = Duration::from_secs_f64(seconds.min(1.0e9));
            started + lifetime - (lifetime / 10).min(Duration::from_secs(30))
        });
        let token = Secret(parsed.access_token);
        Ok(CachedToken { header: bearer_header(&token), token, refresh_at })
    }
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLocation {
    Header,
    Query,
    Cookie,
}

/// A configured credential for one security scheme.
#[derive(Clone)]
enum Credential {
    Bearer(Secret),
    Basic { username: String, password: Secret },
    ApiKey { location: KeyLocation, name: &'static str, value: Secret },
    OAuth2(Arc<TokenSource>),
    PendingOAuth2 { credentials: OAuth2ClientCredentials, default_token_url: &'static str },
}

/// The security requirements of an operation: alternatives of combined
/// schemes, each with its scopes.
pub type Security = &'static [&'static [(&'static str, &'static [&'static str])]];

/// Builds a [`Core`]; the generated client builders wrap it.
pub struct CoreBuilder {
    base_url: String,
    http: Option<reqwest::Client>,
    credentials: BTreeMap<&'static str, Credential>,
    timeout: Option<Duration>,
    response_limit: usize,
}

/// How long a call may take, from connecting to the last byte of the
/// response, when the client builds its own `reqwest::Client`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long connecting may take, when the client builds its own `reqwest::Client`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response body a call reads by default (32 MiB): a server
/// cannot make the client hold more. Raise it per client or per call.
pub const DEFAULT_RESPONSE_LIMIT: usize = 32 << 20;
/// The largest token response read from an OAuth2 token endpoint.
const TOKEN_RESPONSE_LIMIT: usize = 64 << 10;
/// Redirects followed in one call, within an origin and across.
const MAX_REDIRECTS: usize = 10;

/// Whether two URLs share an origin: scheme, host and port.
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// The redirect policy of the clients: a redirect within the origin
/// (scheme, host and port) is followed, up to ten; one to another origin is
/// handed back to [`Core`], which follows it without any credential (no
/// `Authorization`, API key, cookie or query key goes along). A
/// `reqwest::Client` given to a client builder should use it, or follow no
/// redirects: reqwest's default policy keeps custom API-key headers on a
/// redirect to another host.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        let same = attempt.previous().last().is_some_and(|from| same_origin(from, attempt.url()));
        if same {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

impl CoreBuilder {
    pub fn new(default_base_url: &str) -> Self {
        CoreBuilder {
            base_url: default_base_url.to_owned(),
            http: None,
            credentials: BTreeMap::new(),
            timeout: None,
            response_limit: DEFAULT_RESPONSE_LIMIT,
        }
    }

    pub fn base_url(&mut self, url: String) {
        self.base_url = url;
    }

    pub fn http_client(&mut self, client: reqwest::Client) {
        self.http = Some(client);
    }

    pub fn timeout(&mut self, timeout: Duration) {
        self.timeout = Some(timeout);
    }

    pub fn response_limit(&mut self, bytes: usize) {
        self.response_limit = bytes;
    }

    pub fn bearer(&mut self, scheme: &'static str, token: Secret) {
        self.credentials.insert(scheme, Credential::Bearer(token));
    }

    pub fn basic(&mut self, scheme: &'static str, username: String, password: Secret) {
        self.credentials.insert(scheme, Credential::Basic { username, password });
    }

    pub fn api_key(&mut self, scheme: &'static str, location: KeyLocation, name: &'static str, value: Secret) {
        self.credentials.insert(scheme, Credential::ApiKey { location, name, value });
    }

    pub fn oauth2(
        &mut self,
        scheme: &'static str,
        credentials: OAuth2ClientCredentials,
        default_token_url: &'static str,
    ) {
        self.credentials.insert(scheme, Credential::PendingOAuth2 { credentials, default_token_url });
    }

    /// The client; a `reqwest::Client` of its own when none was given, with
    /// the default timeouts and [`redirect_policy`].
    pub fn build(self) -> Result<Core, Error> {
        let base_url = BaseUrl::new(self.base_url.trim_end_matches('/').to_owned())?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(redirect_policy())
                .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
                .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                .build()
                .map_err(transport)?,
        };
        let timeout = self.timeout;
        let credentials = self
            .credentials
            .into_iter()
            .map(|(scheme, credential)| {
                let credential = match credential {
                    Credential::PendingOAuth2 { credentials, default_token_url } => {
                        let token_url = credentials.token_url.clone().unwrap_or_else(|| default_token_url.to_owned());
                        Credential::OAuth2(Arc::new(TokenSource {
                            credentials,
                            token_url,
                            http: http.clone(),
                            timeout,
                            cache: std::sync::Mutex::new(HashMap::new()),
                            fetching: tokio::sync::Mutex::new(()),
                        }))
                    }
                    other => other,
                };
                (scheme, credential)
            })
            .collect();
        Ok(Core {
            http,
            base_url: Arc::new(base_url),
            credentials: Arc::new(credentials),
            timeout,
            response_limit: self.response_limit,
        })
    }
}

/// What every generated client holds: the HTTP client, the base URL, the
/// credentials and the limits of a call. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    http: reqwest::Client,
    base_url: Arc<BaseUrl>,
    credentials: Arc<BTreeMap<&'static str, Credential>>,
    /// A timeout set for each request (the `reqwest::Client`'s own applies
    /// otherwise).
    timeout: Option<Duration>,
    response_limit: usize,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("base_url", &redact(&self.base_url.text))
            .field("credentials_for", &self.credentials.keys().collect::<Vec<_>>())
            .field("timeout", &self.timeout)
            .field("response_limit", &self.response_limit)
            .finish()
    }
}

/// A URL without the user name and password it may hold, whether or not
/// it parses.
fn redact(url: &str) -> Cow<'_, str> {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("***");
            let _ = parsed.set_password(None);
            Cow::Owned(parsed.to_string())
        }
        Ok(_) => Cow::Borrowed(url),
        Err(_) => {
            // `scheme://userinfo@host...`: the userinfo ends at the last `@`
            // before the path.
            let start = url.find("://").map_or(0, |i| i + 3);
            let authority_end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
            match url[start..authority_end].rfind('@') {
                Some(at) => Cow::Owned(format!("{}***{}", &url[..start], &url[start + at..])),
                None => Cow::Borrowed(url),
            }
        }
    }
}

impl Core {
    pub fn base_url(&self) -> &str {
        &self.base_url.text
    }

    /// This client with a timeout for each call (connecting to the last
    /// byte of the response).
    pub fn with_timeout(&self, timeout: Duration) -> Core {
        Core { timeout: Some(timeout), ..self.clone() }
    }

    /// This client reading response bodies of up to `bytes` (a download
    /// may need more than the default).
    pub fn with_response_limit(&self, bytes: usize) -> Core {
        Core { response_limit: bytes, ..self.clone() }
    }

    /// The first alternative whose schemes all have credentials. With none,
    /// the request goes out unauthenticated and the server decides.
    fn choose(&self, security: Security) -> &'static [(&'static str, &'static [&'static str])] {
        security
            .iter()
            .find(|alternative| alternative.iter().all(|(scheme, _)| self.credentials.contains_key(scheme)))
            .copied()
            .unwrap_or(&[])
    }

    /// Sends a request with the credentials its security requirements call
    /// for. An OAuth2 token refused with 401 is fetched again and the request
    /// retried once (unless its body was a one-shot multipart stream). A
    /// redirect to another origin is followed without credentials.
    pub async fn execute(&self, mut request: Request, security: Security) -> Result<Response, Error> {
        let chosen = self.choose(security);
        let mut retried = false;
        loop {
            // OAuth2 tokens, the only credentials that may need a fetch; the
            // last one is the one sent (see `builder`).
            let mut token = None;
            for (scheme, scopes) in chosen {
                if let Some(Credential::OAuth2(source)) = self.credentials.get(scheme) {
                    token = Some(source.token(scopes).await?);
                }
            }
            let retry_on_401 = token.is_some() && !retried && !matches!(request.0.body, Some(Body::Multipart(_)));
            let sending = self.builder(&mut request, chosen, token)?;
            match read(sending, retry_on_401, self.response_limit).await? {
                Some(response) if foreign_redirect(&response).is_some() => {
                    // Rare: boxed, so it does not grow every call's future.
                    return Box::pin(self.follow_elsewhere(response, &request)).await;
                }
                Some(response) => return Ok(response),
                None => {
                    for (scheme, scopes) in chosen {
                        if let Some(Credential::OAuth2(source)) = self.credentials.get(scheme) {
                            source.invalidate(scopes).await;
                        }
                    }
                    retried = true;
                }
            }
        }
    }

    /// Follows redirects to other origins with the request's parameters and
    /// body but none of its credentials or cookies. A body that cannot be
    /// sent again (a multipart stream) leaves the redirect as the answer.
    async fn follow_elsewhere(&self, mut response: Response, request: &Request) -> Result<Response, Error> {
        let parts = &*request.0;
        let mut method = parts.method.clone();
        let mut body = match &parts.body {
            Some(Body::Bytes { content_type, data }) => Some((content_type.clone(), data.clone())),
            Some(Body::Multipart(_)) | None => None,
        };
        let streamed = matches!(parts.body, Some(Body::Multipart(_))) || (parts.body.is_some() && body.is_none());
        for _ in 0..MAX_REDIRECTS {
            let Some(next) = foreign_redirect(&response) else {
                return Ok(response);
            };
            // 303 becomes GET, and 301 and 302 do for POST, as browsers and
            // reqwest do; 307 and 308 keep the method and the body.
            let keeps_body = matches!(response.status, 307 | 308);
            if !keeps_body && (response.status == 303 || method == Method::POST) && method != Method::HEAD {
                method = Method::GET;
                body = None;
            }
            if keeps_body && streamed {
                return Ok(response);
            }
            let mut builder = self.http.request(method.clone(), next);
            if !parts.headers.is_empty() {
                builder = builder.headers(parts.headers.clone());
            }
            if let (true, Some((content_type, data))) = (keeps_body, &body) {
                builder = builder.header(reqwest::header::CONTENT_TYPE, content_type.as_str()).body(data.clone());
            }
            if let Some(timeout) = self.timeout {
                builder = builder.timeout(timeout);
            }
            response = read(builder, false, self.response_limit)
                .await?
                .ok_or_else(|| Error::Redirect("no response".into()))?;
        }
        Err(Error::Redirect(format!("more than {MAX_REDIRECTS} redirects")))
    }

    /// The request with the chosen credentials (`token`: the last OAuth2
    /// scheme's). Not async: what it builds is not kept across an await.
    fn builder(
        &self,
        request: &mut Request,
        chosen: &[(&str, &[&str])],
        token: Option<Bearer<'static>>,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let request = &mut *request.0;
        let mut extra_query = Vec::new();
        let mut headers = request.headers.clone();
        let mut cookies = request.cookies.clone();
        let mut bearer: Option<Bearer<'_>> = None;
        let mut basic: Option<(&str, &Secret)> = None;
        // Whether the last bearer-type scheme is an OAuth2 one.
        let mut oauth_last = false;
        for (scheme, _) in chosen {
            match self.credentials.get(scheme) {
                Some(Credential::Bearer(token)) => {
                    bearer = Some(Bearer::Token(Cow::Borrowed(token)));
                    oauth_last = false;
                }
                Some(Credential::Basic { username, password }) => basic = Some((username, password)),
                Some(Credential::ApiKey { location, name, value }) => match location {
                    KeyLocation::Header => {
                        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::InvalidParameter {
                            name: (*name).to_owned(),
                            reason: "not a valid header name".into(),
                        })?;
                        let mut value = HeaderValue::from_str(value.expose()).map_err(|_| Error::InvalidParameter {
                            name: name.to_string(),
                            reason: "the API key is not a valid header value".into(),
                        })?;
                        value.set_sensitive(true);
                        headers.insert(name, value);
                    }
                    KeyLocation::Query => extra_query.push(format!("{}={}", encode(name), encode(value.expose()))),
                    KeyLocation::Cookie => cookies.push(format!("{name}={}", encode(value.expose()))),
                },
                Some(Credential::OAuth2(_)) => oauth_last = true,
                Some(Credential::PendingOAuth2 { .. }) | None => {}
            }
        }
        if oauth_last {
            bearer = token;
        }
        let url = request.url(&self.base_url, &extra_query)?;
        let mut builder = self.http.request(request.method.clone(), url);
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if !headers.is_empty() {
            builder = builder.headers(headers);
        }
        if !cookies.is_empty() {
            builder = builder.header(reqwest::header::COOKIE, cookies.join("; "));
        }
        match bearer {
            Some(Bearer::Header(value)) => builder = builder.header(reqwest::header::AUTHORIZATION, value),
            Some(Bearer::Token(token)) => builder = builder.bearer_auth(token.expose()),
            None => {}
        }
        if let Some((user, password)) = basic {
            builder = builder.basic_auth(user, Some(password.expose()));
        }
        Ok(match &request.body {
            Some(Body::Bytes { content_type, data }) => {
                builder.header(reqwest::header::CONTENT_TYPE, content_type.as_str()).body(data.clone())
            }
            Some(Body::Multipart(_)) => match request.body.take() {
                Some(Body::Multipart(form)) => builder.multipart(form),
                _ => builder,
            },
            None => builder,
        })
    }
}

/// Where a response redirects to when that is another origin than the URL
/// it answered (the redirect policy hands those back).
fn foreign_redirect(response: &Response) -> Option<reqwest::Url> {
    if !matches!(response.status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let next = response.url.join(location).ok()?;
    (matches!(next.scheme(), "http" | "https") && !same_origin(&response.url, &next)).then_some(next)
}

/// Sends, and reads the answer whole, up to `limit` bytes of body (more is
/// [`Error::ResponseTooLarge`], refused as soon as `Content-Length` says so);
/// `None` for a 401 when `retry_on_401` (its body is not read).
async fn read(sending: reqwest::RequestBuilder, retry_on_401: bool, limit: usize) -> Result<Option<Response>, Error> {
    let mut response = sending.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    if status == 401 && retry_on_401 {
        return Ok(None);
    }
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(Error::ResponseTooLarge { status, limit });
    }
    let headers = std::mem::take(response.headers_mut());
    let url = response.url().clone();
    let capacity = response.content_length().map_or(0, |n| n as usize);
    let mut body = bytes::BytesMut::with_capacity(capacity);
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > limit {
            return Err(Error::ResponseTooLarge { status, limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(Response { status, headers, body: body.freeze(), url }))
}

/// The `Client` of an API and its `ClientBuilder`: base URL, HTTP client,
/// timeout and response limit. The API adds one builder method per
/// security scheme and one client method per operation in its own `impl`
/// blocks. `$rt` is the path under which the API's module imports this
/// runtime (`use crate::support::client as rt;`). No spec text enters the
/// docs written here: the API's title is in its module's doc, which the
/// generator makes inert.
#[doc(hidden)]
#[macro_export]
macro_rules! __apigen_api_client {
    ($rt:ident, $base_url:literal) => {
        /// Client of this module's API. Cheap to clone; clones share
        /// connections and tokens.
        #[derive(Debug, Clone)]
        pub struct Client {
            core: $rt::Core,
        }

        /// Configures a [`Client`]: base URL, HTTP client and credentials.
        pub struct ClientBuilder {
            core: $rt::CoreBuilder,
        }

        impl Default for ClientBuilder {
            fn default() -> Self {
                ClientBuilder { core: $rt::CoreBuilder::new(Client::DEFAULT_BASE_URL) }
            }
        }

        impl ClientBuilder {
            /// Sends requests to this URL instead of the spec's first server.
            pub fn base_url(mut self, url: impl Into<String>) -> Self {
                self.core.base_url(url.into());
                self
            }

            /// Uses this `reqwest::Client` (its timeouts, proxies and TLS
            /// settings). Build it with `.redirect(redirect_policy())` from
            /// the client runtime (or no redirects): reqwest's default policy
            /// would take API-key headers along on a redirect to another host.
            pub fn http_client(mut self, client: $rt::reqwest::Client) -> Self {
                self.core.http_client(client);
                self
            }

            /// How long each call may take, from connecting to the last byte
            /// of the response (default: 60 s, the runtime's
            /// `DEFAULT_TIMEOUT`, or the given `reqwest::Client`'s own).
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.core.timeout(timeout);
                self
            }

            /// The largest response body a call reads (default: 32 MiB, the
            /// runtime's `DEFAULT_RESPONSE_LIMIT`); a larger one is
            /// `Error::ResponseTooLarge`.
            pub fn response_limit(mut self, bytes: usize) -> Self {
                self.core.response_limit(bytes);
                self
            }

            /// Builds the client; fails only when the base URL is not a URL.
            pub fn build(self) -> Result<Client, $rt::Error> {
                Ok(Client { core: self.core.build()? })
            }
        }

        impl Client {
            /// The first server of the spec (empty when the spec names none);
            /// replace it with [`ClientBuilder::base_url`].
            pub const DEFAULT_BASE_URL: &'static str = $base_url;

            /// A builder starting from [`Client::DEFAULT_BASE_URL`] and no credentials.
            pub fn builder() -> ClientBuilder {
                <ClientBuilder as Default>::default()
            }

            /// The base URL requests are sent to.
            pub fn base_url(&self) -> &str {
                self.core.base_url()
            }

            /// This client with another timeout for each call; clones share
            /// connections and tokens, so this is cheap per call.
            pub fn with_timeout(&self, timeout: std::time::Duration) -> Self {
                Client { core: self.core.with_timeout(timeout) }
            }

            /// This client reading response bodies of up to `bytes`, for a
            /// call that downloads more than the usual limit.
            pub fn with_response_limit(&self, bytes: usize) -> Self {
                Client { core: self.core.with_response_limit(bytes) }
            }
        }
    };
}

pub use crate::__apigen_api_client as api_client;

#[cfg(test)]
mod tests;
