//! The generated server under attack, over real sockets on loopback: no
//! request costs more than linear time, none hangs it, slow clients are cut
//! off by the timeouts of `support::server::serve`, a refused request is
//! refused before its body is read, and ambiguous requests (percent-escapes
//! that are not UTF-8, values given twice) are refused instead of guessed.
//!
//! Deadlines here tell a hang or a quadratic loop (minutes) from an answer
//! (milliseconds); none measures speed, which `cargo xtask bench` does.

use job_apis::support::server::{serve as serve_limited, Authenticate, ServerConfig};
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;
use tests::hostile::{Limits, Rules};
use tests::{cycles, limits, server_rules};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough for any answer on a slow machine; far shorter than the
/// quadratic or endless work these requests used to cause.
const DEADLINE: Duration = Duration::from_secs(30);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, future).await.unwrap_or_else(|_| panic!("{what}: no answer within {DEADLINE:?}"))
}

#[derive(Clone, Default)]
struct Cycles;

impl Authenticate for Cycles {
    type Principal = ();
}

impl cycles::server::Api for Cycles {
    async fn post_alias(&self, _: cycles::models::AliasA, _: Option<()>) -> cycles::operations::PostAliasResponse {
        cycles::operations::PostAliasResponse::NoContent
    }
    async fn post_self_all_of(
        &self,
        _: cycles::models::SelfAllOf,
        _: Option<()>,
    ) -> cycles::operations::PostSelfAllOfResponse {
        cycles::operations::PostSelfAllOfResponse::NoContent
    }
    async fn post_mutual_all_of(
        &self,
        _: cycles::models::MutualA,
        _: Option<()>,
    ) -> cycles::operations::PostMutualAllOfResponse {
        cycles::operations::PostMutualAllOfResponse::NoContent
    }
    async fn post_nullable_alias(
        &self,
        _: Option<cycles::models::NullableA>,
        _: Option<()>,
    ) -> cycles::operations::PostNullableAliasResponse {
        cycles::operations::PostNullableAliasResponse::NoContent
    }
    async fn post_tree(&self, _: cycles::models::Tree, _: Option<()>) -> cycles::operations::PostTreeResponse {
        cycles::operations::PostTreeResponse::NoContent
    }
    async fn post_branch(&self, _: cycles::models::Branch, _: Option<()>) -> cycles::operations::PostBranchResponse {
        cycles::operations::PostBranchResponse::NoContent
    }
    async fn post_tagged_loop(
        &self,
        _: cycles::models::TaggedLoop,
        _: Option<()>,
    ) -> cycles::operations::PostTaggedLoopResponse {
        cycles::operations::PostTaggedLoopResponse::NoContent
    }
}

/// Serves with `support::server::serve` (connection limits and timeouts).
async fn start(router: axum::Router, config: ServerConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = serve_limited(listener, router, &config).await;
    });
    addr.to_string()
}

async fn limits_server(config: ServerConfig) -> String {
    start(limits::server::router(Limits, config.clone()), config).await
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(DEADLINE).build().expect("client")
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, response.json::<Value>().await.unwrap_or(Value::Null), headers)
}

fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["pointer"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Reads from a raw connection until the server answers or closes it:
/// what it sent, and whether it closed.
async fn read_some(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> (String, bool) {
    let mut buf = vec![0u8; 64 * 1024];
    match stream.read(&mut buf).await {
        Ok(0) | Err(_) => (String::new(), true),
        Ok(n) => (String::from_utf8_lossy(&buf[..n]).into_owned(), false),
    }
}

/// Reads until the server closes the connection.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut all = Vec::new();
    let _ = stream.read_to_end(&mut all).await;
    String::from_utf8_lossy(&all).into_owned()
}

// ------------------------------------------------------------ linear work

#[tokio::test]
async fn unknown_keys_and_unique_items_cost_linear_time() {
    let config = ServerConfig { body_limit: 8 << 20, ..Default::default() };
    let url = limits_server(config.clone()).await;
    // 225,000 keys the schema does not name (it admits them).
    let mut body = String::from("{");
    for i in 0..225_000 {
        body.push_str(&format!("\"k{i}\":0,"));
    }
    body.push_str("\"tags\":[]}");
    for _ in 0..3 {
        let request =
            http().post(format!("http://{url}/open")).header("content-type", "application/json").body(body.clone());
        let (status, problem, _) = within("unknown keys", send(request)).await;
        assert_eq!(status, 204, "{problem}");
    }
    // 100,000 distinct items, then one repeated.
    let mut tags: Vec<Value> = (0..100_000).map(|i| json!(format!("t{i}"))).collect();
    for (extra, expected) in [(None, 204), (Some(json!(1.0)), 204), (Some(json!("t5")), 400)] {
        tags.extend(extra.clone());
        let request = http().post(format!("http://{url}/open")).json(&json!({"tags": tags}));
        let (status, problem, _) = within("unique items", send(request)).await;
        assert_eq!(status, expected, "{extra:?}: {problem}");
        if status == 400 {
            assert_eq!(pointers(&problem), ["/body/tags"]);
        }
    }
    // `1` and `1.0` are the same item.
    let request = http().post(format!("http://{url}/open")).json(&json!({"tags": [1, {"a": 1, "b": [2]}, 1.0]}));
    assert_eq!(send(request).await.0, 400);
    let request =
        http().post(format!("http://{url}/open")).json(&json!({"tags": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]}));
    assert_eq!(send(request).await.0, 400);

    // Where unknown keys are refused, the problem names a bounded number.
    let rules = start(server_rules::server::router(Rules, config.clone()), config).await;
    let mut body = String::from("{\"name\":\"abc\",\"count\":1");
    for i in 0..225_000 {
        body.push_str(&format!(",\"k{i}\":0"));
    }
    body.push('}');
    let request = http()
        .post(format!("http://{rules}/items/abc"))
        .bearer_auth("writer")
        .header("X-Trace", "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b")
        .header("content-type", "application/json")
        .body(body);
    let (status, problem, _) = within("unknown keys refused", send(request)).await;
    assert_eq!(status, 400);
    let errors = problem["errors"].as_array().map(Vec::len).unwrap_or_default();
    assert!(errors <= job_apis::support::server::MAX_FIELD_ERRORS + 1, "{errors} errors listed");
}

#[tokio::test]
async fn schemas_that_only_refer_to_each_other_do_not_hang_the_server() {
    let url = start(cycles::server::router(Cycles, ServerConfig::default()), ServerConfig::default()).await;
    for path in ["/aliases", "/self-all-of", "/mutual-all-of", "/nullable-alias"] {
        for body in [json!({"a": 1}), json!([1, [2]]), json!("x"), json!(null), json!(3.5)] {
            let request = http().post(format!("http://{url}{path}")).json(&body);
            let (status, problem, _) = within(path, send(request)).await;
            assert_eq!(status, 204, "{path} {body}: {problem}");
        }
    }
    // A tagged union whose variant is itself: its tag cannot lead back to it.
    for (body, expected) in [(json!({"kind": "TaggedLoop"}), 400), (json!({"kind": "TaggedLeaf"}), 204)] {
        let request = http().post(format!("http://{url}/tagged-loop")).json(&body);
        let (status, problem, _) = within("tagged loop", send(request)).await;
        assert_eq!(status, expected, "{body}: {problem}");
    }
    // An untagged union with itself as a variant decodes without recursing.
    assert!(serde_json::from_value::<cycles::models::OneOfSelf>(json!({"a": 1})).is_err());
    assert!(serde_json::from_value::<cycles::models::OneOfSelf>(json!("x")).is_ok());
    // A recursive object is still checked at every level.
    let tree = json!({"value": "root", "left": {"value": "l", "children": [{"value": "c"}]}, "parent": {"value": "p"}});
    assert_eq!(send(http().post(format!("http://{url}/tree")).json(&tree)).await.0, 204);
    let (status, problem, _) =
        send(http().post(format!("http://{url}/tree")).json(&json!({"value": "root", "left": {"children": [{}]}})))
            .await;
    assert_eq!(status, 400);
    assert_eq!(pointers(&problem), ["/body/left/value", "/body/left/children/0/value"]);
}

// ------------------------------------------------------------ timeouts

fn quick() -> ServerConfig {
    ServerConfig {
        header_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        idle_timeout: Duration::from_millis(500),
        ..Default::default()
    }
}

#[tokio::test]
async fn slow_and_silent_clients_are_cut_off() {
    let url = limits_server(quick()).await;

    // A connection that never sends a byte.
    let mut silent = TcpStream::connect(&url).await.expect("connect");
    within("silent connection", read_to_close(&mut silent)).await;

    // Headers a byte at a time, never finished.
    let mut slow = TcpStream::connect(&url).await.expect("connect");
    slow.write_all(b"GET /things/a HTTP/1.1\r\n").await.expect("write");
    let dripping = async {
        for byte in b"Host: x\r\nX-One: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if slow.write_all(&[*byte]).await.is_err() {
                return true;
            }
        }
        false
    };
    let cut = within("slow headers", dripping).await;
    assert!(cut, "the server kept reading headers sent a byte every 100 ms for 5 s");

    // A body a byte at a time: 408.
    let mut slow = TcpStream::connect(&url).await.expect("connect");
    slow.write_all(b"POST /open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .await
        .expect("write");
    let (mut reader, mut writer) = slow.split();
    let dripping = async {
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    };
    let (_, answer) = tokio::join!(dripping, within("slow body", read_some(&mut reader)));
    assert!(answer.0.starts_with("HTTP/1.1 408"), "{answer:?}");

    // Idle after a response: closed after the idle timeout.
    let mut idle = TcpStream::connect(&url).await.expect("connect");
    idle.write_all(b"GET /things/a HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let (first, _) = within("a response", read_some(&mut idle)).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    within("idle keep-alive connection", read_to_close(&mut idle)).await;

    // A request whose handler takes longer than the idle timeout is not cut.
    let (status, body, _) = send(http().get(format!("http://{url}/things/slow"))).await;
    assert_eq!((status, &body["id"]), (200, &json!("slow")));
}

#[tokio::test]
async fn refused_requests_are_refused_before_their_body_is_read() {
    let config = quick().with_body_limit_for("upload", 8 << 20);
    let url = limits_server(config).await;

    // No credentials: 401 while the 2 MB body is still to come.
    let mut stream = TcpStream::connect(&url).await.expect("connect");
    stream
        .write_all(b"POST /secure HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{\"tags\":[")
        .await
        .expect("write");
    let (answer, _) = within("401 before the body", read_some(&mut stream)).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // A declared length over the limit: 413 before the body.
    let mut stream = TcpStream::connect(&url).await.expect("connect");
    stream
        .write_all(
            b"POST /open HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3000000\r\n\r\n",
        )
        .await
        .expect("write");
    let (answer, _) = within("413 before the body", read_some(&mut stream)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // The limit is per operation.
    let big = vec![b'x'; 3 << 20];
    let upload = http()
        .post(format!("http://{url}/upload"))
        .header("content-type", "application/octet-stream")
        .body(big.clone());
    assert_eq!(send(upload).await.0, 204);
    let mut json_body = b"{\"tags\":[\"".to_vec();
    json_body.extend(&big);
    json_body.extend(b"\"]}");
    let open = http().post(format!("http://{url}/open")).header("content-type", "application/json").body(json_body);
    assert_eq!(send(open).await.0, 413);
}

#[tokio::test]
async fn connections_and_requests_are_bounded() {
    let config = ServerConfig {
        max_connections: 2,
        header_timeout: Duration::from_secs(20),
        idle_timeout: Duration::from_secs(20),
        ..Default::default()
    };
    let url = limits_server(config).await;
    let first = TcpStream::connect(&url).await.expect("connect");
    let _second = TcpStream::connect(&url).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The third waits, unaccepted, until one of the first two leaves.
    let mut third = TcpStream::connect(&url).await.expect("connect");
    third.write_all(b"GET /things/a HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let early = tokio::time::timeout(Duration::from_millis(300), read_some(&mut third)).await;
    assert!(early.is_err(), "a third connection was served: {early:?}");
    drop(first);
    let (answer, _) = within("the third connection", read_some(&mut third)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let config = ServerConfig { max_concurrent_requests: 1, ..Default::default() };
    let url = limits_server(config).await;
    let slow = tokio::spawn(send(http().get(format!("http://{url}/things/slow"))));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, problem, headers) = send(http().get(format!("http://{url}/things/a"))).await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    assert_eq!(slow.await.expect("slow request").0, 200);
    assert_eq!(send(http().get(format!("http://{url}/things/a"))).await.0, 200);
}

// ------------------------------------------------------------ ambiguity

#[tokio::test]
async fn ambiguous_requests_are_refused_not_guessed() {
    let url = limits_server(ServerConfig::default()).await;
    let get = |path: &str| http().get(format!("http://{url}{path}"));
    let cases: Vec<(&str, reqwest::RequestBuilder, &str)> = vec![
        ("a path that is not UTF-8", get("/things/%FF"), "/path/id"),
        ("a query value that is not UTF-8", get("/things/a?q=%FF%FE"), "/query/q"),
        ("a query value given twice", get("/things/a?q=1&q=2"), "/query/q"),
        ("a list given twice", get("/things/a?ids=1,2&ids=3"), "/query/ids"),
        ("a header given twice", get("/things/a").header("X-One", "a").header("X-One", "b"), "/header/X-One"),
        ("a cookie given twice", get("/things/a").header("cookie", "c=1; c=2"), "/cookie/c"),
        ("a cookie that is not UTF-8", get("/things/a").header("cookie", "c=%C3"), "/cookie/c"),
        (
            "credentials given twice",
            http()
                .post(format!("http://{url}/secure"))
                .header("authorization", "Bearer good")
                .header("authorization", "Bearer other")
                .json(&json!({})),
            "/header/authorization",
        ),
    ];
    for (what, request, pointer) in cases {
        let (status, problem, _) = send(request).await;
        assert_eq!(status, 400, "{what}: {problem}");
        assert_eq!(pointers(&problem), [pointer], "{what}");
    }
    // What is not ambiguous still works: a list in one value, a list over
    // several header lines, escapes that are UTF-8.
    let (status, body, _) =
        send(get("/things/%C3%A9?ids=1,2&q=%E2%82%AC").header("X-Many", "a,b").header("X-Many", "c")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"id": "é", "ids": [1, 2], "q": "€", "many": ["a", "b", "c"]}));
}

#[tokio::test]
async fn content_negotiation_follows_rfc_9110() {
    let url = limits_server(ServerConfig::default()).await;
    let get = |accept: &str| http().get(format!("http://{url}/things/a")).header("accept", accept);
    for (accept, expected) in [
        ("application/json;q=0", 406),
        ("application/json;q=0, */*", 406),
        ("application/json;q=0.5, text/html", 200),
        ("text/html, application/*;q=0.1", 200),
        ("application/problem+json", 200),
        ("text/html", 406),
        ("*/*;q=0", 406),
    ] {
        let (status, body, _) = send(get(accept)).await;
        assert_eq!(status, expected, "Accept: {accept}: {body}");
    }
    // Credentials are checked first: 401 whatever the client accepts.
    let request = http().post(format!("http://{url}/secure")).header("accept", "text/html").json(&json!({}));
    assert_eq!(send(request).await.0, 401);

    // HEAD is GET without the body.
    let got = http().get(format!("http://{url}/things/a")).send().await.expect("get");
    let length = got.headers().get("content-length").cloned();
    let head = http().head(format!("http://{url}/things/a")).send().await.expect("head");
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(head.headers().get("content-length").cloned(), length);
    assert_eq!(head.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
    assert!(head.bytes().await.expect("body").is_empty());
    let (status, _, headers) = send(http().delete(format!("http://{url}/things/a"))).await;
    assert_eq!(status, 405);
    assert_eq!(headers.get("allow").and_then(|v| v.to_str().ok()), Some("GET, HEAD"));
}

/// Nested untagged unions whose every level fits both variants until the
/// innermost value fits neither: tried naively, each level retries the
/// whole subtree once per variant (2^depth decodes). The runtime bounds the
/// variant attempts by the size of the value, so this answers at once.
#[tokio::test]
async fn nested_untagged_unions_that_fail_deep_down_cost_linear_attempts() {
    let url = start(cycles::server::router(Cycles, ServerConfig::default()), ServerConfig::default()).await;
    let mut body = json!({"c": 1});
    for _ in 0..60 {
        body = json!({"a": 1, "b": 1, "next": body});
    }
    let request = http().post(format!("http://{url}/branch")).json(&body);
    let (status, problem, _) = within("nested untagged unions", send(request)).await;
    assert_eq!(status, 400, "{problem}");
    // A value that fits decodes as before, however deep.
    let mut fits = json!({"b": 0});
    for depth in 0..60 {
        fits = json!({"a": depth, "next": fits});
    }
    let decoded: cycles::models::Branch = serde_json::from_value(fits.clone()).expect("decodes");
    assert_eq!(serde_json::to_value(decoded).expect("encode"), fits);
    assert_eq!(send(http().post(format!("http://{url}/branch")).json(&fits)).await.0, 204);
}
