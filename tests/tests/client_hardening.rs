//! The generated client against hostile servers (loopback only): a body
//! larger than the limit, one that never ends, a server that never
//! answers, and redirects that would carry credentials to another origin.

use job_apis::support::client::{
    self as rt, CoreBuilder, Error, KeyLocation, Method, OAuth2ClientCredentials, Request, Secret, Security,
};
use job_apis::{basiq, emporix_sepa_export as emporix, gormic_bi};
use serde_json::json;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request as Seen, ResponseTemplate};

const DEADLINE: Duration = Duration::from_secs(90);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, future).await.unwrap_or_else(|_| panic!("{what}: no answer within {DEADLINE:?}"))
}

/// A raw server: reads each request's head, then lets `answer` write to
/// the socket (or hold it).
async fn raw_server<F, Fut>(answer: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.map(|n| n == 1).unwrap_or(false) {
                    head.push(byte[0]);
                }
                answer(stream).await;
            });
        }
    });
    format!("http://{addr}")
}

fn basiq_client(base: &str) -> basiq::client::Client {
    basiq::client::Client::builder().base_url(base).application("app-token").build().expect("client")
}

// ------------------------------------------------------------ sizes and time

#[tokio::test]
async fn responses_are_read_up_to_a_limit() {
    // Chunks without end: the client stops at its limit.
    let endless = raw_server(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
            .await;
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
        while stream.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await;
    let client = basiq_client(&endless);
    let err = within("endless body", client.with_response_limit(1 << 20).get_jobs("j1")).await.expect_err("too large");
    assert!(matches!(err, Error::ResponseTooLarge { status: 200, limit } if limit == 1 << 20), "{err}");
    let err = within("endless body, default limit", client.get_jobs("j1")).await.expect_err("too large");
    assert!(matches!(err, Error::ResponseTooLarge { limit: rt::DEFAULT_RESPONSE_LIMIT, .. }), "{err}");

    // A declared gigabyte is refused before any of it is read.
    let declared = raw_server(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1073741824\r\n\r\n{")
            .await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let err = within("declared size", basiq_client(&declared).get_jobs("j1")).await.expect_err("too large");
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err}");

    // A download larger than the default passes with a larger limit.
    let server = MockServer::start().await;
    let job = json!({"type": "job", "id": "j1", "created": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z", "steps": [], "links": {"self": "x".repeat(33 << 20)}});
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_json(&job)).mount(&server).await;
    let client = basiq_client(&server.uri());
    assert!(matches!(client.get_jobs("j1").await, Err(Error::ResponseTooLarge { .. })));
    let got = client.with_response_limit(64 << 20).get_jobs("j1").await.expect("within the larger limit");
    assert_eq!(got.status(), 200);
}

#[tokio::test]
async fn a_server_that_never_answers_does_not_hold_a_call_forever() {
    let silent = raw_server(|stream| async move {
        tokio::time::sleep(Duration::from_secs(600)).await;
        drop(stream);
    })
    .await;
    // Configured per client, and per call.
    let client = basiq::client::Client::builder()
        .base_url(&silent)
        .application("t")
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let err = within("client timeout", client.get_jobs("j1")).await.expect_err("timed out");
    assert!(matches!(&err, Error::Transport(e) if e.is_timeout()), "{err}");
    let client = basiq_client(&silent);
    let err = within("call timeout", client.with_timeout(Duration::from_millis(300)).get_jobs("j1"))
        .await
        .expect_err("timed out");
    assert!(matches!(&err, Error::Transport(e) if e.is_timeout()), "{err}");
    // And by default, with no configuration at all.
    let started = Instant::now();
    let err = within("default timeout", client.get_jobs("j1")).await.expect_err("timed out");
    assert!(matches!(&err, Error::Transport(e) if e.is_timeout()), "{err}");
    assert!(started.elapsed() >= rt::DEFAULT_TIMEOUT - Duration::from_secs(1));
}

// ------------------------------------------------------------ redirects

fn redirect_to(status: u16, location: String) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("location", location.as_str())
}

async fn received(server: &MockServer) -> Vec<Seen> {
    server.received_requests().await.unwrap_or_default()
}

/// A client of every kind of credential at once: bearer, basic (in the same
/// `Authorization`, so one of each call), API keys in a header, the query
/// and a cookie; and a cookie parameter of the spec's.
async fn send_with_credentials(
    base: &str,
    scheme: &'static str,
    method: Method,
    body: Option<&str>,
) -> Result<rt::Response, Error> {
    let mut builder = CoreBuilder::new(base);
    builder.bearer("bearer", Secret::new("bearer-secret"));
    builder.basic("basic", "user".into(), Secret::new("basic-secret"));
    builder.api_key("header", KeyLocation::Header, "x-api-key", Secret::new("header-secret"));
    builder.api_key("query", KeyLocation::Query, "api_key", Secret::new("query-secret"));
    builder.api_key("cookie", KeyLocation::Cookie, "session", Secret::new("cookie-secret"));
    let core = builder.build().expect("core");
    let mut request = Request::new(method);
    request.path("/start");
    request.cookie_param("pref", &"cookie-param", false).expect("cookie");
    request.header_param("x-trace", &"trace-1", false).expect("header");
    if let Some(body) = body {
        request.bytes_body("application/json", body.to_owned());
    }
    let security: Security = match scheme {
        "bearer" => &[&[("bearer", &[]), ("header", &[]), ("query", &[]), ("cookie", &[])]],
        _ => &[&[("basic", &[]), ("header", &[]), ("query", &[]), ("cookie", &[])]],
    };
    core.execute(request, security).await
}

fn secrets_in(request: &Seen) -> Vec<String> {
    let mut text = format!("{} {:?}", request.url, request.headers);
    text.push_str(&String::from_utf8_lossy(&request.body));
    ["bearer-secret", "dXNlcjpiYXNpYy1zZWNyZXQ", "header-secret", "query-secret", "cookie-secret", "cookie-param"]
        .iter()
        .filter(|s| text.contains(*s))
        .map(|s| (*s).to_owned())
        .collect()
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    for scheme in ["bearer", "basic"] {
        for status in [301, 302, 303, 307, 308] {
            let (home, elsewhere) = (MockServer::start().await, MockServer::start().await);
            Mock::given(path("/start"))
                .respond_with(redirect_to(status, format!("{}/landed", elsewhere.uri())))
                .mount(&home)
                .await;
            Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_string("{}")).mount(&elsewhere).await;
            let response =
                send_with_credentials(&home.uri(), scheme, Method::POST, Some("{\"a\":1}")).await.expect("followed");
            assert_eq!(response.status(), 200, "{scheme} {status}");
            let home_saw = received(&home).await;
            assert_eq!(home_saw.len(), 1);
            assert!(
                secrets_in(&home_saw[0]).len() >= 5,
                "the home origin gets the credentials: {:?}",
                secrets_in(&home_saw[0])
            );
            let landed = received(&elsewhere).await;
            assert_eq!(landed.len(), 1, "{scheme} {status}");
            assert_eq!(secrets_in(&landed[0]), Vec::<String>::new(), "{scheme} {status}: {:?}", landed[0]);
            // Non-credential parameters go along; the method and body as
            // HTTP says for each status.
            assert_eq!(landed[0].headers.get("x-trace").and_then(|v| v.to_str().ok()), Some("trace-1"));
            let (method, body) = if matches!(status, 307 | 308) { ("POST", "{\"a\":1}") } else { ("GET", "") };
            assert_eq!(
                (landed[0].method.as_str(), String::from_utf8_lossy(&landed[0].body).as_ref()),
                (method, body),
                "{status}"
            );
        }
    }

    // Within one origin the credentials stay.
    let home = MockServer::start().await;
    Mock::given(path("/start")).respond_with(redirect_to(307, format!("{}/moved", home.uri()))).mount(&home).await;
    Mock::given(path("/moved")).respond_with(ResponseTemplate::new(200)).mount(&home).await;
    send_with_credentials(&home.uri(), "bearer", Method::GET, None).await.expect("followed");
    let seen = received(&home).await;
    assert_eq!(seen.len(), 2);
    assert!(secrets_in(&seen[1]).contains(&"header-secret".to_owned()), "{:?}", seen[1]);

    // The generated clients work the same way (an API key in a header).
    let (home, elsewhere) = (MockServer::start().await, MockServer::start().await);
    Mock::given(any()).respond_with(redirect_to(302, format!("{}/x", elsewhere.uri()))).mount(&home).await;
    Mock::given(any()).respond_with(ResponseTemplate::new(418)).mount(&elsewhere).await;
    let client =
        gormic_bi::client::Client::builder().base_url(home.uri()).api_key("header-secret").build().expect("client");
    let err = client.jobs_get("u", "org").await.expect_err("418 is not documented");
    assert_eq!(err.status(), Some(418));
    assert_eq!(secrets_in(&received(&elsewhere).await[0]), Vec::<String>::new());
}

#[tokio::test]
async fn a_token_endpoint_that_redirects_elsewhere_gets_no_secret() {
    let (home, elsewhere) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(redirect_to(307, format!("{}/oauth/token", elsewhere.uri())))
        .mount(&home)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "t", "expires_in": 60})))
        .mount(&elsewhere)
        .await;
    let credentials =
        OAuth2ClientCredentials::new("client-1", "s3cr3t-value").token_url(format!("{}/oauth/token", home.uri()));
    let client = emporix::client::Client::builder().base_url(home.uri()).oauth2(credentials).build().expect("client");
    let err = client.get_sepa_export_list_jobs("t", "main", Default::default()).await.expect_err("no token");
    assert!(matches!(&err, Error::Token { status: Some(307), message } if message.contains("another origin")), "{err}");
    assert!(received(&elsewhere).await.is_empty(), "the secret went to another origin");
}

#[tokio::test]
async fn a_password_in_the_base_url_is_never_shown() {
    let client = basiq::client::Client::builder()
        .base_url("https://user:hunter2@example.com/api")
        .application("t")
        .build()
        .expect("client");
    let shown = format!("{client:?}");
    assert!(!shown.contains("hunter2") && shown.contains("example.com"), "{shown}");
    let err =
        basiq::client::Client::builder().base_url("https://user:hunter2@exa mple.com").build().expect_err("not a URL");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
}
