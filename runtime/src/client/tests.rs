//! Unit tests of the client runtime.

use super::*;

use serde_json::json;
use std::io::{Read as _, Write as _};
use std::sync::Mutex;

// ---------------------------------------------------------------- encoding

#[test]
fn only_unreserved_characters_are_left_unencoded() {
    for byte in 0u8..128 {
        let c = char::from(byte);
        let text = c.to_string();
        let expected =
            if c.is_ascii_alphanumeric() || "-._~".contains(c) { text.clone() } else { format!("%{byte:02X}") };
        assert_eq!(encode(&text), expected, "{c:?}");
    }
    assert_eq!(encode("é€😀"), "%C3%A9%E2%82%AC%F0%9F%98%80");
    assert_eq!(encode("a/b?c#d%e f+g"), "a%2Fb%3Fc%23d%25e%20f%2Bg");
}

/// Sorted keys, so that the map is written in this order however
/// `serde_json` keeps keys.
fn person() -> Value {
    json!({"firstName": "Alex", "role": "admin"})
}

/// The path a parameter adds after `/p/`, or the error; a refused value
/// leaves the path as it was.
fn written_path(value: &impl Serialize, style: Style, explode: bool) -> Result<String, String> {
    let mut request = Request::new(Method::GET);
    request.path("/p/");
    match request.path_param("id", value, style, explode) {
        Ok(()) => Ok(request.0.path["/p/".len()..].to_owned()),
        Err(e) => {
            assert_eq!(request.0.path, "/p/");
            assert!(matches!(&e, Error::InvalidParameter { name, .. } if name == "id"), "{e:?}");
            Err(e.to_string())
        }
    }
}

fn ok(text: &str) -> Result<String, String> {
    Ok(text.to_owned())
}

#[test]
fn path_parameters_in_simple_style() {
    assert_eq!(written_path(&5, Style::Simple, false), ok("5"));
    assert_eq!(written_path(&-1.5, Style::Simple, false), ok("-1.5"));
    assert_eq!(written_path(&true, Style::Simple, false), ok("true"));
    assert_eq!(written_path(&[3, 4, 5], Style::Simple, false), ok("3,4,5"));
    assert_eq!(written_path(&[3, 4, 5], Style::Simple, true), ok("3,4,5"));
    assert_eq!(written_path(&person(), Style::Simple, false), ok("firstName,Alex,role,admin"));
    assert_eq!(written_path(&person(), Style::Simple, true), ok("firstName=Alex,role=admin"));
    // Reserved characters, spaces and non-ASCII text stay within the segment.
    assert_eq!(written_path(&"a/b?c#d%e f", Style::Simple, false), ok("a%2Fb%3Fc%23d%25e%20f"));
    assert_eq!(written_path(&"é", Style::Simple, false), ok("%C3%A9"));
    assert_eq!(written_path(&["a,b", "c d"], Style::Simple, false), ok("a%2Cb,c%20d"));
    assert_eq!(written_path(&json!({"k=": "v,"}), Style::Simple, true), ok("k%3D=v%2C"));
}

#[test]
fn path_parameters_in_label_style() {
    assert_eq!(written_path(&5, Style::Label, false), ok(".5"));
    assert_eq!(written_path(&"a b/c", Style::Label, false), ok(".a%20b%2Fc"));
    assert_eq!(written_path(&[3, 4, 5], Style::Label, false), ok(".3,4,5"));
    assert_eq!(written_path(&[3, 4, 5], Style::Label, true), ok(".3.4.5"));
    assert_eq!(written_path(&person(), Style::Label, false), ok(".firstName,Alex,role,admin"));
    assert_eq!(written_path(&person(), Style::Label, true), ok(".firstName=Alex.role=admin"));
    assert_eq!(written_path(&["a,b", "c#d"], Style::Label, false), ok(".a%2Cb,c%23d"));
}

#[test]
fn path_parameters_in_matrix_style() {
    assert_eq!(written_path(&5, Style::Matrix, false), ok(";id=5"));
    assert_eq!(written_path(&"a;b=c", Style::Matrix, false), ok(";id=a%3Bb%3Dc"));
    assert_eq!(written_path(&[3, 4, 5], Style::Matrix, false), ok(";id=3,4,5"));
    assert_eq!(written_path(&[3, 4, 5], Style::Matrix, true), ok(";id=3;id=4;id=5"));
    assert_eq!(written_path(&person(), Style::Matrix, false), ok(";id=firstName,Alex,role,admin"));
    assert_eq!(written_path(&person(), Style::Matrix, true), ok(";firstName=Alex;role=admin"));
    assert_eq!(written_path(&json!({"a b": "c;d"}), Style::Matrix, true), ok(";a%20b=c%3Bd"));
}

#[test]
fn path_parameters_that_would_change_the_path_are_refused() {
    for (value, style) in [
        (json!("."), Style::Simple),
        (json!(".."), Style::Simple),
        (json!(""), Style::Simple),
        (json!(null), Style::Simple),
        (json!([]), Style::Simple),
        (json!("."), Style::Label),
        (json!(""), Style::Label),
    ] {
        let refused = written_path(&value, style, false).expect_err("refused");
        assert!(refused.contains("cannot be sent as a path segment"), "{refused}");
    }
    // Dots among other characters are plain text.
    assert_eq!(written_path(&"...", Style::Simple, false), ok("..."));
    assert_eq!(written_path(&"a/..", Style::Simple, false), ok("a%2F.."));
    assert_eq!(written_path(&".", Style::Matrix, false), ok(";id=."));
}

/// The query the parameters written by `write` make.
fn written_query(write: impl FnOnce(&mut Request) -> Result<(), Error>) -> String {
    let mut request = Request::new(Method::GET);
    write(&mut request).expect("written");
    request.0.query.clone()
}

#[test]
fn query_parameters_in_form_style() {
    let q = |value: Value, explode: bool| written_query(|r| r.query_param("id", &value, Style::Form, explode));
    assert_eq!(q(json!(5), true), "id=5");
    assert_eq!(q(json!("a/b?c#d%e f+g&h=i;é"), true), "id=a%2Fb%3Fc%23d%25e%20f%2Bg%26h%3Di%3B%C3%A9");
    assert_eq!(q(json!([3, 4, 5]), true), "id=3&id=4&id=5");
    assert_eq!(q(json!([3, 4, 5]), false), "id=3,4,5");
    assert_eq!(q(json!(["a,b", "c&d"]), false), "id=a%2Cb,c%26d");
    assert_eq!(q(person(), true), "firstName=Alex&role=admin");
    assert_eq!(q(person(), false), "id=firstName,Alex,role,admin");
    // `None` adds nothing, and neither does a `None` property.
    assert_eq!(q(json!(null), true), "");
    assert_eq!(q(json!({"a": 1, "b": null}), true), "a=1");
}

#[test]
fn query_parameters_in_delimited_and_deep_object_styles() {
    let q = |value: Value, style: Style| written_query(|r| r.query_param("id", &value, style, false));
    assert_eq!(q(json!([3, 4, 5]), Style::SpaceDelimited), "id=3%204%205");
    assert_eq!(q(json!([3, 4, 5]), Style::PipeDelimited), "id=3%7C4%7C5");
    assert_eq!(q(json!(["a|b", "c"]), Style::PipeDelimited), "id=a%7Cb%7Cc");
    assert_eq!(q(person(), Style::DeepObject), "id%5BfirstName%5D=Alex&id%5Brole%5D=admin");
    assert_eq!(q(json!({"a b": "c&d", "e": null}), Style::DeepObject), "id%5Ba%20b%5D=c%26d");
    // Nested values are written as JSON text.
    assert_eq!(q(json!({"a": [1, 2]}), Style::DeepObject), "id%5Ba%5D=%5B1%2C2%5D");
}

#[test]
fn query_parameters_are_joined_and_their_names_encoded() {
    let query = written_query(|r| {
        r.query_param("a b&c", &1, Style::Form, true)?;
        r.query_param("skipped", &None::<i32>, Style::Form, true)?;
        r.query_param("ids", &[true, false], Style::Form, true)?;
        r.query_param("ratio", &0.25, Style::Form, true)
    });
    assert_eq!(query, "a%20b%26c=1&ids=true&ids=false&ratio=0.25");
}

#[test]
fn parameters_go_where_their_declaration_says() {
    let mut request = Request::new(Method::GET);
    request.path("/p/");
    request.param(&Param::path("id").style(Style::Matrix).exploded(), &[1, 2]).expect("written");
    request.param(&Param::query("tags"), &["a b", "c"]).expect("written");
    request.param(&Param::query("ids").style(Style::PipeDelimited), &[3, 4]).expect("written");
    request.param(&Param::query("absent"), &None::<i32>).expect("written");
    request.param(&Param::header("x-pair"), &person()).expect("written");
    request.param(&Param::header("x-exploded").exploded(), &person()).expect("written");
    request.param(&Param::cookie("c"), &"d e").expect("written");
    assert_eq!(request.0.path, "/p/;id=1;id=2");
    assert_eq!(request.0.query, "tags=a%20b&tags=c&ids=3%7C4");
    assert_eq!(header_values(&request, "x-pair"), ["firstName,Alex,role,admin"]);
    assert_eq!(header_values(&request, "x-exploded"), ["firstName=Alex,role=admin"]);
    assert_eq!(request.0.cookies, ["c=d%20e"]);
    // A path parameter is never left out.
    assert!(request.param(&Param::path("id"), &None::<i32>).is_err());
}

fn header_values(request: &Request, name: &str) -> Vec<String> {
    request.0.headers.get_all(name).iter().map(|v| v.to_str().expect("visible ASCII").to_owned()).collect()
}

#[test]
fn header_parameters_in_simple_style() {
    let mut request = Request::new(Method::GET);
    // Header values are not percent-encoded.
    request.header_param("x-text", &"a b/c?d#e%f,g", false).expect("written");
    request.header_param("x-ids", &[3, 4, 5], false).expect("written");
    request.header_param("x-person", &person(), false).expect("written");
    request.header_param("x-exploded", &person(), true).expect("written");
    request.header_param("x-absent", &None::<String>, false).expect("written");
    request.header_param("x-ids", &[6], false).expect("written");
    assert_eq!(header_values(&request, "x-text"), ["a b/c?d#e%f,g"]);
    assert_eq!(header_values(&request, "x-ids"), ["3,4,5", "6"]);
    assert_eq!(header_values(&request, "x-person"), ["firstName,Alex,role,admin"]);
    assert_eq!(header_values(&request, "x-exploded"), ["firstName=Alex,role=admin"]);
    assert!(request.0.headers.get("x-absent").is_none());
}

#[test]
fn header_values_that_cannot_be_sent_are_refused() {
    let mut request = Request::new(Method::GET);
    for value in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "nul\0", "del\x7f", "caf\u{e9}"] {
        let refused = request.header_param("x-text", &value, false).expect_err("refused");
        assert!(matches!(&refused, Error::InvalidParameter { name, .. } if name == "x-text"), "{refused:?}");
    }
    assert!(request.header("bad name", "v").is_err());
    assert!(request.header("x-list", "a\r\n").is_err());
    assert!(request.0.headers.is_empty());
    assert!(request.0.headers.get("x-injected").is_none());
}

#[test]
fn cookie_parameters_in_form_style() {
    let mut request = Request::new(Method::GET);
    request.cookie_param("session", &"a;b=c d,é%", false).expect("written");
    request.cookie_param("ids", &[3, 4, 5], false).expect("written");
    request.cookie_param("absent", &None::<i32>, false).expect("written");
    assert_eq!(request.0.cookies, ["session=a%3Bb%3Dc%20d%2C%C3%A9%25", "ids=3,4,5"]);
}

#[test]
fn bodies_in_their_media_types() {
    let mut request = Request::new(Method::POST);
    request.json_body("application/merge-patch+json", &json!({"a": [1, "x"]})).expect("encoded");
    match &request.0.body {
        Some(Body::Bytes { content_type, data }) => {
            assert_eq!(content_type, "application/merge-patch+json");
            assert_eq!(&data[..], br#"{"a":[1,"x"]}"#);
        }
        other => panic!("{other:?}"),
    }
    // Form bodies: arrays repeat their key, `null` is left out, nested
    // objects are JSON text.
    let form = json!({"a b": "c&d=e+f", "list": [1, "x y"], "none": null, "obj": {"k": 1}});
    request.form_body("application/x-www-form-urlencoded", &form).expect("encoded");
    match &request.0.body {
        Some(Body::Bytes { content_type, data }) => {
            assert_eq!(content_type, "application/x-www-form-urlencoded");
            assert_eq!(
                std::str::from_utf8(data).expect("text"),
                "a%20b=c%26d%3De%2Bf&list=1&list=x%20y&obj=%7B%22k%22%3A1%7D"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(request.form_body("application/x-www-form-urlencoded", &[1, 2]), Err(Error::Encode(_))));
}

// ---------------------------------------------------------------- URLs

fn url_of(base: &str, build: impl FnOnce(&mut Request), extra_query: &[String]) -> reqwest::Url {
    let base = BaseUrl::new(base.to_owned()).expect("a base URL");
    let mut request = Request::new(Method::GET);
    build(&mut request);
    request.0.url(&base, extra_query).expect("a URL")
}

#[test]
fn urls_keep_parameters_within_the_path_and_query() {
    let build = |request: &mut Request| {
        request.path("/items/");
        request.path_param("id", &"a/b?c#d%e f", Style::Simple, false).expect("written");
        request.path("/parts");
        request.query_param("q", &"x#y?z", Style::Form, true).expect("written");
    };
    for base in ["http://example.com/api/v1", "http://EXAMPLE.com:80/api/v1"] {
        let url = url_of(base, build, &["api_key=k%20y".to_owned()]);
        assert_eq!(url.host_str(), Some("example.com"));
        assert_eq!(url.path(), "/api/v1/items/a%2Fb%3Fc%23d%25e%20f/parts");
        // API keys go last.
        assert_eq!(url.query(), Some("q=x%23y%3Fz&api_key=k%20y"));
        assert_eq!(url.fragment(), None);
    }
    let url = url_of("https://example.com", |r| r.path("/x"), &[]);
    assert_eq!(url.as_str(), "https://example.com/x");
    assert_eq!(url.query(), None);
}

#[test]
fn base_urls_are_checked_and_their_credentials_never_shown() {
    for base in ["not a url", "http://user:hunter2@exa mple.com/api"] {
        match CoreBuilder::new(base).build() {
            Err(Error::InvalidUrl(message)) => assert!(!message.contains("hunter2"), "{message}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(redact("https://user:hunter2@example.com/x"), "https://***@example.com/x");
    assert_eq!(redact("https://user@example.com/x"), "https://***@example.com/x");
    assert_eq!(redact("http://us er:hunter2@exa mple.com/x?a@b"), "http://***@exa mple.com/x?a@b");
    assert!(matches!(redact("https://example.com/a@b"), Cow::Borrowed("https://example.com/a@b")));

    let mut builder = CoreBuilder::new("https://user:hunter2@example.com/");
    builder.bearer("bearer", Secret::new("token-value"));
    builder.api_key("key", KeyLocation::Header, "x-api-key", Secret::new("key-value"));
    let core = builder.build().expect("a client");
    let shown = format!("{core:?}");
    for secret in ["hunter2", "token-value", "key-value"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("\"bearer\"") && shown.contains("\"key\""), "{shown}");
    // The trailing `/` is dropped.
    assert_eq!(core.base_url(), "https://user:hunter2@example.com");
}

#[test]
fn secrets_are_not_shown() {
    let secret = Secret::from("hunter2");
    assert_eq!(format!("{secret:?}"), "Secret(***)");
    assert_eq!(secret.expose(), "hunter2");
    let credentials = OAuth2ClientCredentials::new("id", "hunter2");
    assert!(!format!("{credentials:?}").contains("hunter2"));
}

// ---------------------------------------------------------------- credentials

static BEARER_OR_KEY: Security = &[&[("bearer", &[])], &[("key", &[])]];
static KEY_AND_SESSION: Security = &[&[("key", &[]), ("session", &[])]];
static UNCONFIGURED_FIRST: Security = &[&[("bearer", &[]), ("oauth", &["read"])], &[("query_key", &[])]];

fn core_with(schemes: &[&str]) -> Core {
    let mut builder = CoreBuilder::new("http://example.com/api");
    for scheme in schemes {
        match *scheme {
            "bearer" => builder.bearer("bearer", Secret::new("tok")),
            "basic" => builder.basic("basic", "ann".into(), Secret::new("pa ss:w")),
            "key" => builder.api_key("key", KeyLocation::Header, "x-api-key", Secret::new("k1")),
            "query_key" => builder.api_key("query_key", KeyLocation::Query, "api_key", Secret::new("q &=1")),
            "session" => builder.api_key("session", KeyLocation::Cookie, "session", Secret::new("s;1 é")),
            other => panic!("no credential for {other}"),
        }
    }
    builder.build().expect("a client")
}

#[test]
fn the_first_alternative_with_every_credential_is_chosen() {
    assert_eq!(core_with(&["bearer", "key"]).choose(BEARER_OR_KEY), BEARER_OR_KEY[0]);
    assert_eq!(core_with(&["key"]).choose(BEARER_OR_KEY), BEARER_OR_KEY[1]);
    assert_eq!(core_with(&["key", "session"]).choose(KEY_AND_SESSION), KEY_AND_SESSION[0]);
    // An alternative with a scheme that has no credential is passed over.
    assert_eq!(core_with(&["bearer", "query_key"]).choose(UNCONFIGURED_FIRST), UNCONFIGURED_FIRST[1]);
    // None met: the request goes out without credentials.
    assert!(core_with(&["key"]).choose(KEY_AND_SESSION).is_empty());
    assert!(core_with(&["basic"]).choose(BEARER_OR_KEY).is_empty());
    assert!(core_with(&["bearer"]).choose(&[]).is_empty());
}

/// The request `core` would send for `security`.
fn sent(core: &Core, mut request: Request, security: Security) -> reqwest::Request {
    let chosen = core.choose(security);
    core.builder(&mut request, chosen, None).expect("a request").build().expect("a request")
}

fn get(path: &str) -> Request {
    let mut request = Request::new(Method::GET);
    request.path(path);
    request
}

#[test]
fn the_chosen_credentials_and_only_they_are_sent() {
    let core = core_with(&["basic", "bearer", "key", "query_key", "session"]);

    let request = sent(&core, get("/a"), BEARER_OR_KEY);
    assert_eq!(request.headers()["authorization"], "Bearer tok");
    assert!(request.headers().get("x-api-key").is_none());

    static BASIC: Security = &[&[("basic", &[])]];
    let request = sent(&core, get("/a"), BASIC);
    assert_eq!(request.headers()["authorization"], "Basic YW5uOnBhIHNzOnc=");

    let mut with_params = get("/a");
    with_params.query_param("page", &2, Style::Form, true).expect("written");
    with_params.cookie_param("theme", &"dark", false).expect("written");
    static ALL_KEYS: Security = &[&[("key", &[]), ("query_key", &[]), ("session", &[])]];
    let request = sent(&core, with_params, ALL_KEYS);
    assert_eq!(request.headers()["x-api-key"], "k1");
    assert!(request.headers()["x-api-key"].is_sensitive());
    assert!(request.headers().get("authorization").is_none());
    assert_eq!(request.url().query(), Some("page=2&api_key=q%20%26%3D1"));
    assert_eq!(request.headers()["cookie"], "theme=dark; session=s%3B1%20%C3%A9");

    // No alternative met: nothing is sent.
    let core = core_with(&["key"]);
    let request = sent(&core, get("/a"), KEY_AND_SESSION);
    assert!(request.headers().get("x-api-key").is_none());
    assert!(request.headers().get("cookie").is_none());
}

#[test]
fn errors_report_their_status_and_response() {
    let raw = RawResponse { status: 418, headers: HeaderMap::new(), body: Bytes::from_static(b"teapot") };
    let unexpected = Error::UnexpectedStatus(Box::new(raw.clone()));
    assert_eq!(unexpected.status(), Some(418));
    assert_eq!(unexpected.response().map(|r| &r.body[..]), Some(&b"teapot"[..]));
    assert_eq!(unexpected.to_string(), "undocumented response status 418 (6 bytes of body)");
    let invalid = Error::InvalidBody { response: Box::new(raw), message: "no".into() };
    assert_eq!(invalid.status(), Some(418));
    assert!(invalid.response().is_some());
    assert_eq!(Error::Token { status: Some(400), message: "m".into() }.status(), Some(400));
    assert_eq!(Error::ResponseTooLarge { status: 200, limit: 5 }.status(), Some(200));
    assert_eq!(Error::InvalidUrl("x".into()).status(), None);
    assert!(Error::Redirect("x".into()).response().is_none());
}

fn response(headers: &[(&str, &str)], body: &'static [u8]) -> Response {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("a name"),
            HeaderValue::from_str(value).expect("a value"),
        );
    }
    Response {
        status: 200,
        headers: map,
        body: Bytes::from_static(body),
        url: "http://example.com/".parse().expect("a URL"),
    }
}

#[test]
fn response_headers_are_typed() {
    let r = response(&[("x-count", "42"), ("x-ids", "1, 2,3"), ("x-flag", "true"), ("x-names", "a, b")], b"");
    assert_eq!(r.header::<i64>("x-count").expect("typed"), Some(42));
    assert_eq!(r.header::<String>("x-count").expect("typed"), Some("42".into()));
    assert_eq!(r.header::<Vec<i64>>("x-ids").expect("typed"), Some(vec![1, 2, 3]));
    assert_eq!(r.header::<bool>("x-flag").expect("typed"), Some(true));
    assert_eq!(r.header::<Vec<String>>("x-names").expect("typed"), Some(vec!["a".into(), "b".into()]));
    assert_eq!(r.header::<i64>("x-absent").expect("typed"), None);
    match r.header::<i64>("x-flag") {
        Err(Error::InvalidBody { response, message }) => {
            assert_eq!(response.status, 200);
            assert!(message.contains("x-flag"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(r.required_header::<i64>("x-absent"), Err(Error::InvalidBody { .. })));
    assert_eq!(r.required_header::<i64>("x-count").expect("typed"), 42);
}

#[test]
fn bodies_that_do_not_decode_keep_the_response() {
    match response(&[], b"{\"a\": ").json::<Value>() {
        Err(Error::InvalidBody { response, .. }) => assert_eq!(&response.body[..], b"{\"a\": "),
        other => panic!("{other:?}"),
    }
    assert!(matches!(response(&[], b"\xff").text(), Err(Error::InvalidBody { .. })));
    assert_eq!(response(&[], b"{\"a\": 1}").json::<Value>().expect("JSON"), json!({"a": 1}));
    assert!(matches!(response(&[], b"").unexpected(), Error::UnexpectedStatus(r) if r.status == 200));
}

// ---------------------------------------------------------------- HTTP

/// A request as the test server read it.
#[derive(Debug, Clone)]
struct Seen {
    /// `GET /path?query HTTP/1.1`
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or_default()
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// An HTTP/1.1 server on 127.0.0.1 that reads one request per connection
/// and answers what `answer` makes of it (a whole response); it returns
/// its base URL and the requests it read.
fn server(mut answer: impl FnMut(&Seen) -> String + Send + 'static) -> (String, Log) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let log: Log = Arc::default();
    let seen_log = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let Some(seen) = read_request(&mut stream) else { continue };
            let reply = answer(&seen);
            seen_log.lock().expect("not poisoned").push(seen);
            let _ = stream.write_all(reply.as_bytes());
            let _ = stream.flush();
        }
    });
    (base, log)
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut buffer).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&buffer[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buffer).ok().filter(|n| *n > 0)?;
        body.extend_from_slice(&buffer[..n]);
    }
    Some(Seen { line, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// A whole response with a body of `content_type`.
fn http(status: u16, extra_headers: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    )
}

/// A client of the servers on 127.0.0.1: no proxy from the environment,
/// and the clients' own redirect policy.
fn local(mut builder: CoreBuilder) -> Core {
    let http = reqwest::Client::builder().no_proxy().redirect(redirect_policy()).build().expect("an HTTP client");
    builder.http_client(http);
    builder.build().expect("a client")
}

fn seen(log: &Log) -> Vec<Seen> {
    log.lock().expect("not poisoned").clone()
}

// ---------------------------------------------------------------- tokens

/// A token endpoint answering `tok-1`, `tok-2`, ... valid for the number
/// of seconds named by a scope `ttl<n>`, else for an hour.
fn token_endpoint() -> (String, Log) {
    let mut issued = 0;
    server(move |seen| {
        issued += 1;
        let ttl = seen
            .body
            .split('&')
            .filter_map(|pair| pair.strip_prefix("scope="))
            .flat_map(|scopes| scopes.split("%20"))
            .find_map(|scope| scope.strip_prefix("ttl"))
            .map_or("3600", |ttl| ttl)
            .to_owned();
        let expires = if ttl == "none" { String::new() } else { format!(",\"expires_in\":{ttl}") };
        http(
            200,
            "",
            "application/json",
            &format!("{{\"access_token\":\"tok-{issued}\",\"token_type\":\"Bearer\"{expires}}}"),
        )
    })
}

fn oauth_core(token_url: &str, credentials: OAuth2ClientCredentials) -> Core {
    let mut builder = CoreBuilder::new("http://127.0.0.1:9");
    builder.oauth2("oauth", credentials.token_url(token_url), "http://127.0.0.1:9/default-token-url");
    local(builder)
}

fn source(core: &Core) -> Arc<TokenSource> {
    match core.credentials.get("oauth") {
        Some(Credential::OAuth2(source)) => source.clone(),
        _ => panic!("no token source"),
    }
}

async fn token(source: &TokenSource, scopes: &[&str]) -> String {
    match source.token(scopes).await.expect("a token") {
        Bearer::Header(value) => value.to_str().expect("visible ASCII").to_owned(),
        Bearer::Token(token) => format!("Bearer {}", token.expose()),
    }
}

#[tokio::test]
async fn a_token_is_reused_per_scope_set() {
    let (base, log) = token_endpoint();
    let core = oauth_core(&format!("{base}/token"), OAuth2ClientCredentials::new("my id", "s3cret&="));
    let source = source(&core);
    assert_eq!(token(&source, &["read", "write"]).await, "Bearer tok-1");
    assert_eq!(token(&source, &["read", "write"]).await, "Bearer tok-1");
    // The same set, in another order or with repeats.
    assert_eq!(token(&source, &["write", "read", "write"]).await, "Bearer tok-1");
    // Other sets have their own tokens.
    assert_eq!(token(&source, &["read"]).await, "Bearer tok-2");
    assert_eq!(token(&source, &[]).await, "Bearer tok-3");
    assert_eq!(token(&source, &["read"]).await, "Bearer tok-2");
    assert_eq!(token(&source, &[]).await, "Bearer tok-3");

    let requests = seen(&log);
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(request.line, "POST /token HTTP/1.1");
        assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
        assert_eq!(request.header("accept"), Some("application/json"));
        assert_eq!(request.header("authorization"), None);
    }
    let credentials = "client_id=my%20id&client_secret=s3cret%26%3D";
    assert_eq!(requests[0].body, format!("grant_type=client_credentials&scope=read%20write&{credentials}"));
    assert_eq!(requests[1].body, format!("grant_type=client_credentials&scope=read&{credentials}"));
    // No scopes: no `scope` field.
    assert_eq!(requests[2].body, format!("grant_type=client_credentials&{credentials}"));
}

#[tokio::test]
async fn the_secret_can_go_in_a_basic_header() {
    let (base, log) = token_endpoint();
    let credentials = OAuth2ClientCredentials::new("client-1", "secret-1").secret_in_basic_header();
    let source = source(&oauth_core(&format!("{base}/token"), credentials));
    assert_eq!(token(&source, &["a"]).await, "Bearer tok-1");
    let requests = seen(&log);
    assert_eq!(requests[0].header("authorization"), Some("Basic Y2xpZW50LTE6c2VjcmV0LTE="));
    assert_eq!(requests[0].body, "grant_type=client_credentials&scope=a");
}

#[tokio::test]
async fn a_token_is_refreshed_shortly_before_it_expires() {
    let (base, log) = token_endpoint();
    let source = source(&oauth_core(&format!("{base}/token"), OAuth2ClientCredentials::new("id", "secret")));
    // 30 s before expiry, or a tenth of a short lifetime before.
    for (scope, ttl, refresh_after) in [("ttl3600", 3600, 3570), ("ttl100", 100, 90), ("ttl10", 10, 9)] {
        let before = Instant::now();
        token(&source, &[scope]).await;
        let after = Instant::now();
        let refresh_at = source.cache()[scope].refresh_at.expect("an expiry");
        let after_secs = Duration::from_secs(refresh_after);
        assert!(refresh_at >= before + after_secs && refresh_at <= after + after_secs, "{ttl} s");
    }
    // A token without `expires_in` is kept until the server refuses it.
    token(&source, &["ttlnone"]).await;
    assert!(source.cache()["ttlnone"].refresh_at.is_none());
    assert_eq!(seen(&log).len(), 4);
}

#[tokio::test]
async fn a_token_due_for_refresh_is_fetched_again() {
    let (base, log) = token_endpoint();
    let source = source(&oauth_core(&format!("{base}/token"), OAuth2ClientCredentials::new("id", "secret")));
    assert_eq!(token(&source, &["a"]).await, "Bearer tok-1");
    assert_eq!(token(&source, &["b"]).await, "Bearer tok-2");
    // `a` reaches its refresh time; `b` does not.
    let now = Instant::now();
    source.cache().get_mut("a").expect("cached").refresh_at = Some(now);
    source.cache().get_mut("b").expect("cached").refresh_at = Some(now + Duration::from_secs(60));
    assert_eq!(token(&source, &["a"]).await, "Bearer tok-3");
    assert_eq!(token(&source, &["a"]).await, "Bearer tok-3");
    assert_eq!(token(&source, &["b"]).await, "Bearer tok-2");
    assert_eq!(seen(&log).len(), 3);

    // A token that expires at once is fetched for every request.
    assert_eq!(token(&source, &["ttl0"]).await, "Bearer tok-4");
    assert_eq!(token(&source, &["ttl0"]).await, "Bearer tok-5");
    // Invalidated (the server refused it): fetched again.
    source.invalidate(&["b"]).await;
    assert_eq!(token(&source, &["b"]).await, "Bearer tok-6");
}

#[tokio::test]
async fn concurrent_callers_share_one_fetch() {
    let (base, log) = token_endpoint();
    let source = source(&oauth_core(&format!("{base}/token"), OAuth2ClientCredentials::new("id", "secret")));
    let (a, b, c) = tokio::join!(token(&source, &["x"]), token(&source, &["x"]), token(&source, &["x"]));
    assert_eq!([a, b, c], ["Bearer tok-1", "Bearer tok-1", "Bearer tok-1"]);
    assert_eq!(seen(&log).len(), 1);
}

#[tokio::test]
async fn token_endpoint_failures_are_token_errors() {
    let (base, _) = server(|seen| match seen.target() {
        "/refused" => http(401, "", "application/json", r#"{"error":"invalid_client"}"#),
        "/garbage" => http(200, "", "text/html", "<html>"),
        _ => http(200, "", "application/json", r#"{"token_type":"Bearer"}"#),
    });
    let fetch = |path: &str| {
        let source = source(&oauth_core(&format!("{base}{path}"), OAuth2ClientCredentials::new("id", "hunter2")));
        async move { source.token(&["a"]).await.err().expect("a failure") }
    };
    for (path, status) in [("/refused", 401), ("/garbage", 200), ("/no-token", 200)] {
        let error = fetch(path).await;
        assert!(matches!(error, Error::Token { status: Some(s), .. } if s == status), "{path}: {error:?}");
        assert!(!error.to_string().contains("hunter2"));
    }
    // Nothing listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = closed.local_addr().expect("an address");
    drop(closed);
    let source = source(&oauth_core(&format!("http://{address}/token"), OAuth2ClientCredentials::new("id", "hunter2")));
    let error = source.token(&["a"]).await.err().expect("a failure");
    assert!(matches!(error, Error::Token { status: None, .. }), "{error:?}");
}

#[test]
fn the_spec_token_url_is_the_default() {
    let mut builder = CoreBuilder::new("http://example.com");
    builder.oauth2("oauth", OAuth2ClientCredentials::new("id", "secret"), "https://auth.example.com/token");
    assert_eq!(source(&builder.build().expect("a client")).token_url, "https://auth.example.com/token");
}

#[test]
fn scope_keys_ignore_order_and_repeats() {
    assert_eq!(scope_key(&["b", "a", "b"]), "a b");
    assert_eq!(scope_key(&["a", "b"]), "a b");
    assert_eq!(scope_key(&["a"]), "a");
    assert_eq!(scope_key(&[]), "");
}

// ---------------------------------------------------------------- calls

static OAUTH: Security = &[&[("oauth", &["read"])]];

/// An API at `/api` that refuses the first `refusals` tokens with 401,
/// and its token endpoint at `/token`.
fn api_with_tokens(refusals: usize) -> (String, Log) {
    let (mut issued, mut refused) = (0, 0);
    server(move |seen| {
        if seen.target() == "/token" {
            issued += 1;
            return http(
                200,
                "",
                "application/json",
                &format!(r#"{{"access_token":"tok-{issued}","expires_in":3600}}"#),
            );
        }
        if refused < refusals {
            refused += 1;
            return http(401, "WWW-Authenticate: Bearer\r\n", "text/plain", "expired");
        }
        http(200, "", "text/plain", seen.header("authorization").unwrap_or_default())
    })
}

#[tokio::test]
async fn a_refused_token_is_fetched_again_and_the_call_retried_once() {
    let (base, log) = api_with_tokens(1);
    let mut builder = CoreBuilder::new(&base);
    builder.oauth2("oauth", OAuth2ClientCredentials::new("id", "secret").token_url(format!("{base}/token")), "");
    let core = local(builder);
    let response = core.execute(get("/api"), OAUTH).await.expect("a response");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().expect("text"), "Bearer tok-2");
    let targets: Vec<String> = seen(&log).iter().map(|s| s.target().to_owned()).collect();
    assert_eq!(targets, ["/token", "/api", "/token", "/api"]);
    // The new token is cached.
    let response = core.execute(get("/api"), OAUTH).await.expect("a response");
    assert_eq!(response.text().expect("text"), "Bearer tok-2");
    assert_eq!(seen(&log).len(), 5);

    // Refused again: the 401 is the answer, with no third try.
    let (base, log) = api_with_tokens(usize::MAX);
    let mut builder = CoreBuilder::new(&base);
    builder.oauth2("oauth", OAuth2ClientCredentials::new("id", "secret").token_url(format!("{base}/token")), "");
    let response = local(builder).execute(get("/api"), OAUTH).await.expect("a response");
    assert_eq!(response.status(), 401);
    assert_eq!(seen(&log).len(), 4);
}

#[tokio::test]
async fn parameters_and_credentials_on_the_wire() {
    let (base, log) = server(|_| http(200, "", "text/plain", "ok"));
    let mut builder = CoreBuilder::new(&format!("{base}/v1/"));
    builder.api_key("key", KeyLocation::Header, "x-api-key", Secret::new("k1"));
    builder.api_key("query_key", KeyLocation::Query, "api_key", Secret::new("q &=1"));
    builder.api_key("session", KeyLocation::Cookie, "session", Secret::new("s;1"));
    builder.bearer("bearer", Secret::new("tok"));
    let core = local(builder);
    let mut request = Request::new(Method::POST);
    request.path("/items/");
    request.path_param("id", &"a/b?c#d%e f é", Style::Simple, false).expect("written");
    request.query_param("filter", &person(), Style::DeepObject, true).expect("written");
    request.header_param("x-trace", &[1, 2], false).expect("written");
    request.cookie_param("theme", &"dark mode", false).expect("written");
    request.json_body("application/json", &json!({"n": 1})).expect("encoded");
    static ALL: Security = &[&[("bearer", &[]), ("key", &[]), ("query_key", &[]), ("session", &[])]];
    assert_eq!(core.execute(request, ALL).await.expect("a response").text().expect("text"), "ok");
    let requests = seen(&log);
    let request = &requests[0];
    assert_eq!(
        request.line,
        "POST /v1/items/a%2Fb%3Fc%23d%25e%20f%20%C3%A9?filter%5BfirstName%5D=Alex&filter%5Brole%5D=admin&api_key=q%20%26%3D1 HTTP/1.1"
    );
    assert_eq!(request.header("x-trace"), Some("1,2"));
    assert_eq!(request.header("x-api-key"), Some("k1"));
    assert_eq!(request.header("authorization"), Some("Bearer tok"));
    assert_eq!(request.header("cookie"), Some("theme=dark%20mode; session=s%3B1"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.body, r#"{"n":1}"#);
}

#[tokio::test]
async fn a_redirect_to_another_origin_carries_no_credentials() {
    let (elsewhere, elsewhere_log) = server(|_| http(200, "", "text/plain", "moved"));
    let target = format!("{elsewhere}/landing");
    let (base, log) = server(move |seen| match seen.target() {
        "/start?page=1&api_key=k2" => http(307, "Location: /same\r\n", "text/plain", ""),
        _ => http(307, &format!("Location: {target}\r\n"), "text/plain", ""),
    });
    let mut builder = CoreBuilder::new(&base);
    builder.api_key("key", KeyLocation::Header, "x-api-key", Secret::new("k1"));
    builder.api_key("query_key", KeyLocation::Query, "api_key", Secret::new("k2"));
    builder.api_key("session", KeyLocation::Cookie, "session", Secret::new("k3"));
    builder.bearer("bearer", Secret::new("k4"));
    let core = local(builder);
    let mut request = Request::new(Method::PUT);
    request.path("/start");
    request.query_param("page", &1, Style::Form, true).expect("written");
    request.header_param("x-trace", &"t1", false).expect("written");
    request.bytes_body("text/plain", "payload");
    static ALL: Security = &[&[("bearer", &[]), ("key", &[]), ("query_key", &[]), ("session", &[])]];
    let response = core.execute(request, ALL).await.expect("a response");
    assert_eq!((response.status(), response.text().expect("text")), (200, "moved".to_owned()));

    // Within the origin the credentials go along.
    let here = seen(&log);
    assert_eq!(here.len(), 2);
    assert_eq!(here[1].target(), "/same");
    assert_eq!(here[1].header("x-api-key"), Some("k1"));
    assert_eq!(here[1].header("authorization"), Some("Bearer k4"));
    // Elsewhere: the method, the body and the header parameters, but no credential.
    let there = seen(&elsewhere_log);
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].line, "PUT /landing HTTP/1.1");
    assert_eq!(there[0].header("x-trace"), Some("t1"));
    assert_eq!(there[0].body, "payload");
    for name in ["x-api-key", "authorization", "cookie"] {
        assert_eq!(there[0].header(name), None, "{name}");
    }
    assert!(!there[0].line.contains("k2"));
}

#[tokio::test]
async fn redirects_are_followed_ten_times_at_most() {
    // Within the origin.
    let (base, log) = server(|_| http(302, "Location: /loop\r\n", "text/plain", ""));
    let error = local(CoreBuilder::new(&base)).execute(get("/start"), &[]).await.expect_err("too many");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(seen(&log).len(), 1 + MAX_REDIRECTS);

    // Across two origins, each sending back to the other.
    let other = Arc::new(Mutex::new(String::new()));
    let to_other = other.clone();
    let (a, a_log) = server(move |_| {
        let location = format!("Location: {}/there\r\n", to_other.lock().expect("not poisoned"));
        http(302, &location, "text/plain", "")
    });
    let back = format!("Location: {a}/back\r\n");
    let (b, b_log) = server(move |_| http(302, &back, "text/plain", ""));
    *other.lock().expect("not poisoned") = b;
    let error = local(CoreBuilder::new(&a)).execute(get("/start"), &[]).await.expect_err("too many");
    assert!(matches!(&error, Error::Redirect(m) if m.contains("more than 10")), "{error:?}");
    assert_eq!(seen(&a_log).len() + seen(&b_log).len(), 1 + MAX_REDIRECTS);
}

#[tokio::test]
async fn response_bodies_are_limited() {
    let chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\n0123\r\n4\r\n4567\r\n0\r\n\r\n";
    // Says it is a megabyte long, sends five bytes.
    let declared = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n01234";
    let (base, _) = server(move |seen| match seen.target() {
        "/chunked" => chunked.to_owned(),
        "/declared" => declared.to_owned(),
        _ => http(200, "", "text/plain", "0123456789"),
    });
    let core = local(CoreBuilder::new(&base));
    let limited = core.with_response_limit(7);
    // Refused as soon as `Content-Length` says so, or once the body read grows past the limit.
    for path in ["/declared", "/sized", "/chunked"] {
        let error = limited.execute(get(path), &[]).await.expect_err("too large");
        assert!(matches!(error, Error::ResponseTooLarge { status: 200, limit: 7 }), "{path}: {error:?}");
    }
    assert_eq!(
        core.with_response_limit(10).execute(get("/sized"), &[]).await.expect("read").text().expect("text"),
        "0123456789"
    );
    assert_eq!(
        core.with_response_limit(8).execute(get("/chunked"), &[]).await.expect("read").text().expect("text"),
        "01234567"
    );
}

#[tokio::test]
async fn transport_errors_do_not_show_the_url() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = closed.local_addr().expect("an address");
    drop(closed);
    let mut builder = CoreBuilder::new(&format!("http://{address}"));
    builder.api_key("query_key", KeyLocation::Query, "api_key", Secret::new("hunter2"));
    static QUERY_KEY: Security = &[&[("query_key", &[])]];
    let error = local(builder).execute(get("/a"), QUERY_KEY).await.expect_err("refused");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
    assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");
}

#[test]
fn parameters_take_openapis_defaults_for_their_location() {
    let defaults = [Param::path("p"), Param::query("q"), Param::header("h"), Param::cookie("c")];
    let styles: Vec<(Style, bool)> = defaults.iter().map(|p| (p.style, p.explode)).collect();
    assert_eq!(styles, [(Style::Simple, false), (Style::Form, true), (Style::Simple, false), (Style::Form, true)]);
    let piped = Param::query("q").style(Style::PipeDelimited);
    assert_eq!((piped.style, piped.explode), (Style::PipeDelimited, false), "only form style explodes by default");
    assert!(!Param::query("q").unexploded().explode);
    assert!(Param::path("p").exploded().explode);
}

/// What `api_client!` writes for an API, compiled here as an API's module
/// would compile it.
mod scaffold {
    use super::super as rt;
    rt::api_client!(rt, "http://localhost:1/v1/");
}

#[test]
fn the_client_scaffolding_builds_from_the_default_or_a_given_base_url() {
    use scaffold::{Client, ClientBuilder};
    let default = Client::builder().build().expect("the default URL");
    assert_eq!(Client::DEFAULT_BASE_URL, "http://localhost:1/v1/");
    assert_eq!(default.base_url(), "http://localhost:1/v1");
    let other = ClientBuilder::default()
        .base_url("https://api.example.com/")
        .timeout(std::time::Duration::from_secs(3))
        .response_limit(1024)
        .build()
        .expect("a URL");
    assert_eq!(other.base_url(), "https://api.example.com");
    let derived = other.with_timeout(std::time::Duration::from_secs(1)).with_response_limit(10);
    assert_eq!(derived.base_url(), "https://api.example.com");
    let http = reqwest::Client::builder().redirect(redirect_policy()).build().expect("an HTTP client");
    assert!(Client::builder().http_client(http).build().is_ok());
    assert!(Client::builder().base_url("not a url").build().is_err());
    assert!(Client::builder().base_url("").build().is_err(), "an empty base URL (a spec without servers) must be set");
}
