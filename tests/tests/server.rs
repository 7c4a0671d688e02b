//! The generated servers, over real sockets on loopback: every documented
//! status of every operation round-trips from server to client, requests are
//! validated and authorized before any handler runs, and no input makes a
//! router panic or answer 5xx.

use job_apis::support::server::{Authenticate, Credential, Grant, ServerConfig};
use job_apis::{akeneo_sdm, basiq, elastic_path, emporix_sepa_export as emporix, gormic_bi};
use serde_json::{json, Value};
use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tests::server_rules;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Serves a router on an ephemeral loopback port; returns its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

// ------------------------------------------------------------ round trips

/// An implementation of all five APIs that answers with whatever response
/// the test queued, counting calls.
/// Makes the queued response again for each call (a client may retry).
type Maker = Box<dyn Fn() -> Box<dyn Any + Send> + Send>;

#[derive(Default, Clone)]
struct Scripted {
    next: Arc<Mutex<Option<Maker>>>,
    calls: Arc<AtomicUsize>,
}

impl Scripted {
    fn queue<R: Clone + Send + 'static>(&self, response: R) {
        *self.next.lock().expect("lock") = Some(Box::new(move || Box::new(response.clone())));
    }

    fn take<R: 'static>(&self) -> R {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let next = self.next.lock().expect("lock");
        let made = next.as_ref().expect("a queued response")();
        *made.downcast::<R>().expect("the queued response has the operation's type")
    }
}

impl Authenticate for Scripted {
    type Principal = String;
    async fn authenticate(&self, _scheme: &str, credential: Credential) -> Option<Grant<String>> {
        let ok = matches!(&credential, Credential::Bearer(t) | Credential::ApiKey(t) if t == "good");
        ok.then(|| Grant {
            principal: "tester".into(),
            scopes: vec!["sepaexport.job_view".into(), "sepaexport.job_manage".into()],
        })
    }
}

impl emporix::server::Api for Scripted {
    async fn get_sepa_export_list_jobs(
        &self,
        _: String,
        _: String,
        _: emporix::operations::GetSepaExportListJobsParams,
        _: Option<String>,
    ) -> emporix::operations::GetSepaExportListJobsResponse {
        self.take()
    }
    async fn post_sepa_export_create_job(
        &self,
        _: String,
        _: emporix::models::CreateJob,
        _: Option<String>,
    ) -> emporix::operations::PostSepaExportCreateJobResponse {
        self.take()
    }
}

impl basiq::server::Api for Scripted {
    async fn get_jobs(&self, _: String, _: Option<String>) -> basiq::operations::GetJobsResponse {
        self.take()
    }
    async fn get_user_jobs(
        &self,
        _: String,
        _: basiq::operations::GetUserJobsParams,
        _: Option<String>,
    ) -> basiq::operations::GetUserJobsResponse {
        self.take()
    }
}

impl elastic_path::server::Api for Scripted {
    async fn get_job(&self, _: String, _: Option<String>) -> elastic_path::operations::GetJobResponse {
        self.take()
    }
}

impl akeneo_sdm::server::Api for Scripted {
    async fn list_jobs(
        &self,
        _: akeneo_sdm::operations::ListJobsParams,
        _: Option<String>,
    ) -> akeneo_sdm::operations::ListJobsResponse {
        self.take()
    }
    async fn get_job(&self, _: uuid::Uuid, _: Option<String>) -> akeneo_sdm::operations::GetJobResponse {
        self.take()
    }
    async fn get_job_data(
        &self,
        _: uuid::Uuid,
        _: String,
        _: Option<String>,
    ) -> akeneo_sdm::operations::GetJobDataResponse {
        self.take()
    }
}

impl gormic_bi::server::Api for Scripted {
    async fn jobs_get(&self, _: String, _: String, _: Option<String>) -> gormic_bi::operations::JobsGetResponse {
        self.take()
    }
    async fn jobs_submit(
        &self,
        _: String,
        _: gormic_bi::models::SubmitJobApiRequest,
        _: Option<String>,
    ) -> gormic_bi::operations::JobsSubmitResponse {
        self.take()
    }
}

/// For each documented status of one operation (with its example body):
/// a mock returns it, the client types it; the generated server returns that
/// typed response, and the client must decode the same value and status.
async fn round_trip_operation<R, F, Fut>(
    spec: &str,
    operation: &str,
    scripted: &Scripted,
    mock: &MockServer,
    call: F,
) -> usize
where
    R: Clone + PartialEq + std::fmt::Debug + Send + 'static,
    F: Fn(bool) -> Fut,
    Fut: std::future::Future<Output = Result<R, job_apis::support::client::Error>>,
{
    let text = std::fs::read_to_string(tests::workspace_root().join(spec)).expect("spec");
    let api = generator::load(&generator::SpecInput::new(spec, text)).expect("load");
    let op = api.operations.iter().find(|o| o.name == operation).unwrap_or_else(|| panic!("{operation}"));
    let mut checked = 0;
    for response in &op.responses {
        let Some(status) = response.status.code() else { continue };
        let body = response.body.as_ref().and_then(|b| b.example.clone());
        let Some(body) = body else { panic!("{spec} {operation} {status}: no example body to round-trip") };
        mock.reset().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(status).set_body_json(&body))
            .mount(mock)
            .await;
        let typed = call(false).await.unwrap_or_else(|e| panic!("{operation} {status} from the mock: {e}"));
        scripted.queue(typed.clone());
        let back = call(true).await.unwrap_or_else(|e| panic!("{operation} {status} from the server: {e}"));
        assert_eq!(back, typed, "{operation} {status}");
        checked += 1;
    }
    checked
}

#[tokio::test]
async fn every_documented_status_round_trips_between_generated_server_and_client() {
    let scripted = Scripted::default();
    let mock = MockServer::start().await;
    let config = ServerConfig::default;
    let mut checked = 0;

    // Emporix (OAuth2: the client fetches its token from the mock).
    let real = serve(emporix::server::router(scripted.clone(), config())).await;
    let token = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "good", "expires_in": 3600})))
        .mount(&token)
        .await;
    let creds = || job_apis::support::client::OAuth2ClientCredentials::new("c", "s").token_url(token.uri());
    let clients = |url: &str| emporix::client::Client::builder().base_url(url).oauth2(creds()).build().expect("client");
    let (on_mock, on_server) = (clients(&mock.uri()), clients(&real));
    let pick = |server: bool| if server { on_server.clone() } else { on_mock.clone() };
    checked +=
        round_trip_operation("specs/emporix-sepa-export.json", "get_sepa_export_list_jobs", &scripted, &mock, |s| {
            let c = pick(s);
            async move { c.get_sepa_export_list_jobs("t", "main", Default::default()).await }
        })
        .await;
    checked += round_trip_operation("specs/emporix-sepa-export.json", "post_sepa_export_create_job", &scripted, &mock, |s| {
        let c = pick(s);
        async move { c.post_sepa_export_create_job("t", &emporix::models::CreateJob { site_code: "main".into() }).await }
    })
    .await;

    // Basiq.
    let real = serve(basiq::server::router(scripted.clone(), config())).await;
    let clients =
        |url: &str| basiq::client::Client::builder().base_url(url).application("good").build().expect("client");
    let (on_mock, on_server) = (clients(&mock.uri()), clients(&real));
    let pick = |server: bool| if server { on_server.clone() } else { on_mock.clone() };
    checked += round_trip_operation("specs/basiq.yaml", "get_jobs", &scripted, &mock, |s| {
        let c = pick(s);
        async move { c.get_jobs("j1").await }
    })
    .await;
    checked += round_trip_operation("specs/basiq.yaml", "get_user_jobs", &scripted, &mock, |s| {
        let c = pick(s);
        async move { c.get_user_jobs("u1", Default::default()).await }
    })
    .await;

    // Elastic Path.
    let real = serve(elastic_path::server::router(scripted.clone(), config())).await;
    let clients =
        |url: &str| elastic_path::client::Client::builder().base_url(url).bearer_auth("good").build().expect("client");
    let (on_mock, on_server) = (clients(&mock.uri()), clients(&real));
    let pick = |server: bool| if server { on_server.clone() } else { on_mock.clone() };
    checked += round_trip_operation("specs/elastic-path.yaml", "get_job", &scripted, &mock, |s| {
        let c = pick(s);
        async move { c.get_job("974c9db4-38da-4dbf-90c2-33eed5f3e77c").await }
    })
    .await;

    // Akeneo SDM.
    let real = serve(akeneo_sdm::server::router(scripted.clone(), config())).await;
    let clients =
        |url: &str| akeneo_sdm::client::Client::builder().base_url(url).bearer_auth("good").build().expect("client");
    let (on_mock, on_server) = (clients(&mock.uri()), clients(&real));
    let pick = |server: bool| if server { on_server.clone() } else { on_mock.clone() };
    let id = uuid::Uuid::nil();
    checked += round_trip_operation("specs/akeneo-sdm.yaml", "list_jobs", &scripted, &mock, |s| {
        let c = pick(s);
        async move { c.list_jobs(Default::default()).await }
    })
    .await;
    checked += round_trip_operation("specs/akeneo-sdm.yaml", "get_job", &scripted, &mock, |s| {
        let c = pick(s);
        async move { c.get_job(&id).await }
    })
    .await;
    checked += round_trip_operation("specs/akeneo-sdm.yaml", "get_job_data", &scripted, &mock, |s| {
        let c = pick(s);
        async move { c.get_job_data(&id, "json").await }
    })
    .await;

    // Gormic BI.
    let real = serve(gormic_bi::server::router(scripted.clone(), config())).await;
    let clients =
        |url: &str| gormic_bi::client::Client::builder().base_url(url).api_key("good").build().expect("client");
    let (on_mock, on_server) = (clients(&mock.uri()), clients(&real));
    let pick = |server: bool| if server { on_server.clone() } else { on_mock.clone() };
    checked += round_trip_operation("specs/gormic-bi.yaml", "jobs_get", &scripted, &mock, |s| {
        let c = pick(s);
        async move { c.jobs_get("job-1", "org-1").await }
    })
    .await;
    let submit: gormic_bi::models::SubmitJobApiRequest =
        serde_json::from_value(json!({"params": {"uid": "m", "lang": "en", "template": "excel-auto"}})).expect("body");
    checked += round_trip_operation("specs/gormic-bi.yaml", "jobs_submit", &scripted, &mock, |s| {
        let (c, body) = (pick(s), submit.clone());
        async move { c.jobs_submit("org-1", &body).await }
    })
    .await;

    // 4 + 5 Emporix, 6 + 6 Basiq, 3 Elastic Path, 3 + 3 + 3 Akeneo, 1 + 2 Gormic.
    assert_eq!(checked, 36, "every documented status of the five APIs");
}

// ------------------------------------------------------------ fakes

#[tokio::test]
async fn the_fakes_serve_examples_and_keep_created_jobs() {
    let emporix_url = serve(tests::fakes::router("emporix").expect("fake")).await;
    let client = emporix::client::Client::builder()
        .base_url(&emporix_url)
        .oauth2(
            job_apis::support::client::OAuth2ClientCredentials::new("c", "s")
                .token_url(format!("{emporix_url}/no-token-endpoint")),
        )
        .build()
        .expect("client");
    // The fake has no token endpoint: a bearer token works the same way.
    let client_with_token = |url: &str| {
        let http = reqwest::Client::builder()
            .default_headers(
                [(reqwest::header::AUTHORIZATION, "Bearer dev".parse().expect("header"))].into_iter().collect(),
            )
            .build()
            .expect("http");
        emporix::client::Client::builder().base_url(url).http_client(http).build().expect("client")
    };
    assert!(client.get_sepa_export_list_jobs("t", "main", Default::default()).await.is_err(), "no token, no call");
    let client = client_with_token(&emporix_url);
    let created = client
        .post_sepa_export_create_job("t", &emporix::models::CreateJob { site_code: "main".into() })
        .await
        .expect("201")
        .into_result()
        .expect("created");
    let busy = client
        .post_sepa_export_create_job("t", &emporix::models::CreateJob { site_code: "main".into() })
        .await
        .expect("409");
    assert_eq!(busy.status(), 409, "one job at a time");
    let jobs = client
        .get_sepa_export_list_jobs("t", "main", Default::default())
        .await
        .expect("200")
        .into_result()
        .expect("ok");
    let job = jobs.iter().find(|j| j.job_id.as_deref() == Some(created.id.as_str())).expect("the created job is kept");
    assert_eq!(job.status.as_deref(), Some("COMPLETED"));

    let basiq_url = serve(tests::fakes::router("basiq").expect("fake")).await;
    let client = basiq::client::Client::builder().base_url(&basiq_url).application("dev").build().expect("client");
    let example = client.get_jobs("e9132638").await.expect("200");
    assert_eq!(example.status(), 200);
    assert_eq!(client.get_jobs("nope").await.expect("404").status(), 404);

    let gormic_url = serve(tests::fakes::router("gormic").expect("fake")).await;
    let client = gormic_bi::client::Client::builder().base_url(&gormic_url).api_key("dev").build().expect("client");
    let body =
        serde_json::from_value(json!({"params": {"uid": "m", "lang": "en", "template": "excel-auto"}})).expect("body");
    let submitted = client.jobs_submit("org", &body).await.expect("200").into_result().expect("ok");
    let job = client.jobs_get(&submitted.data.job_id, "org").await.expect("200").into_result().expect("ok");
    assert_eq!(job.data.job.status, gormic_bi::models::GetJobDataJobStatus::Completed);

    for name in ["elastic-path", "akeneo"] {
        let url = serve(tests::fakes::router(name).expect("fake")).await;
        let response =
            reqwest::Client::new().get(format!("{url}/jobs/")).bearer_auth("dev").send().await.expect("sent");
        assert!(response.status().as_u16() < 500, "{name}: {}", response.status());
    }
}

// ------------------------------------------------------------ validation

/// The `server_rules` case: counts calls so tests can prove a refused
/// request never reached the handler.
#[derive(Default, Clone)]
struct Rules {
    calls: Arc<AtomicUsize>,
}

impl Authenticate for Rules {
    type Principal = String;
    async fn authenticate(&self, scheme: &str, credential: Credential) -> Option<Grant<String>> {
        let grant = |scopes: &[&str]| {
            Some(Grant { principal: scheme.to_owned(), scopes: scopes.iter().map(|s| (*s).to_owned()).collect() })
        };
        match (scheme, credential) {
            ("bearer", Credential::Bearer(t)) if t == "writer" => grant(&["items.write"]),
            ("bearer", Credential::Bearer(t)) if t == "reader" => grant(&[]),
            ("apiKey", Credential::ApiKey(k)) if k == "key" => grant(&[]),
            ("basic", Credential::Basic { username, password }) if username == "user" && password == "pass" => {
                grant(&[])
            }
            _ => None,
        }
    }
}

impl server_rules::server::Api for Rules {
    async fn put_item(
        &self,
        id: String,
        _trace: uuid::Uuid,
        _params: server_rules::operations::PutItemParams,
        mut body: server_rules::models::Item,
        _principal: Option<String>,
    ) -> server_rules::operations::PutItemResponse {
        self.calls.fetch_add(1, Ordering::SeqCst);
        // The server sets the read-only `id`; the write-only `secret` it
        // keeps stays in the model and is left out of the response.
        body.id = Some(id);
        server_rules::operations::PutItemResponse::Ok(body)
    }
    async fn either(&self, _principal: Option<String>) -> server_rules::operations::EitherResponse {
        self.calls.fetch_add(1, Ordering::SeqCst);
        server_rules::operations::EitherResponse::NoContent
    }
    async fn both(&self, _principal: Option<String>) -> server_rules::operations::BothResponse {
        self.calls.fetch_add(1, Ordering::SeqCst);
        server_rules::operations::BothResponse::NoContent
    }
}

const TRACE: &str = "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b";

async fn rules_server(config: ServerConfig) -> (String, Rules) {
    let rules = Rules::default();
    (serve(server_rules::server::router(rules.clone(), config)).await, rules)
}

/// Sends a request and returns status, problem body and whether it was JSON problem.
async fn send(request: reqwest::RequestBuilder) -> (u16, Value, String) {
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body, content_type)
}

/// A request body as the `Rules` handler answers it: with the read-only
/// `id` the server sets.
fn with_id(body: &Value, id: &str) -> Value {
    let mut body = body.clone();
    body["id"] = json!(id);
    body
}

fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["pointer"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_rule_kind_is_enforced_before_the_handler() {
    let (url, rules) = rules_server(ServerConfig::default()).await;
    let http = reqwest::Client::new();
    let post = |path: &str| http.post(format!("{url}{path}")).bearer_auth("writer").header("X-Trace", TRACE);
    let good = json!({"name": "abc", "count": 3});

    // A valid request reaches the handler.
    let (status, body, _) = send(post("/items/abc").json(&good)).await;
    assert_eq!((status, body), (200, with_id(&good, "abc")));
    assert_eq!(rules.calls.load(Ordering::SeqCst), 1);

    let cases: Vec<(&str, reqwest::RequestBuilder, &str)> = vec![
        ("pattern", post("/items/ABC").json(&good), "/path/id"),
        ("maxLength", post("/items/abcdefghij").json(&good), "/path/id"),
        ("required header", http.post(format!("{url}/items/abc")).bearer_auth("writer").json(&good), "/header/X-Trace"),
        (
            "format uuid",
            http.post(format!("{url}/items/abc")).bearer_auth("writer").header("X-Trace", "not-a-uuid").json(&good),
            "/header/X-Trace",
        ),
        ("format date-time", post("/items/abc?at=yesterday").json(&good), "/query/at"),
        ("minItems", post("/items/abc?tags=a").json(&good), "/query/tags"),
        ("maxItems", post("/items/abc?tags=a&tags=b&tags=c&tags=d").json(&good), "/query/tags"),
        ("exclusiveMaximum", post("/items/abc?ratio=1").json(&good), "/query/ratio"),
        ("type of a query value", post("/items/abc?ratio=much").json(&good), "/query/ratio"),
        ("required property", post("/items/abc").json(&json!({"name": "abc"})), "/body/count"),
        ("minLength", post("/items/abc").json(&json!({"name": "a", "count": 1})), "/body/name"),
        ("maxLength", post("/items/abc").json(&json!({"name": "abcdef", "count": 1})), "/body/name"),
        ("minimum", post("/items/abc").json(&json!({"name": "abc", "count": -1})), "/body/count"),
        ("maximum", post("/items/abc").json(&json!({"name": "abc", "count": 11})), "/body/count"),
        ("int32", post("/items/abc").json(&json!({"name": "abc", "count": 1.5})), "/body/count"),
        ("type", post("/items/abc").json(&json!({"name": 5, "count": 1})), "/body/name"),
        ("enum", post("/items/abc").json(&json!({"name": "abc", "count": 1, "kind": "c"})), "/body/kind"),
        ("integer enum", post("/items/abc").json(&json!({"name": "abc", "count": 1, "priority": 7})), "/body/priority"),
        ("number enum", post("/items/abc").json(&json!({"name": "abc", "count": 1, "weight": 2})), "/body/weight"),
        ("integer enum in the query", post("/items/abc?level=7").json(&good), "/query/level"),
        ("format byte", post("/items/abc").json(&json!({"name": "abc", "count": 1, "digest": "***"})), "/body/digest"),
        ("readOnly property", post("/items/abc").json(&json!({"name": "abc", "count": 1, "id": "x"})), "/body/id"),
        (
            "readOnly through a $ref",
            post("/items/abc").json(&json!({"name": "abc", "count": 1, "revision": 2})),
            "/body/revision",
        ),
        ("format byte in the query", post("/items/abc?sig=***").json(&good), "/query/sig"),
        (
            "maxItems in body",
            post("/items/abc").json(&json!({"name": "abc", "count": 1, "labels": ["a", "b", "c"]})),
            "/body/labels",
        ),
        (
            "unknown property",
            post("/items/abc").json(&json!({"name": "abc", "count": 1, "extra": true})),
            "/body/extra",
        ),
        ("invalid JSON", post("/items/abc").header("content-type", "application/json").body("{\"name\":"), "/body"),
        ("missing body", post("/items/abc"), "/body"),
    ];
    for (rule, request, pointer) in cases {
        let (status, problem, content_type) = send(request).await;
        assert_eq!(status, 400, "{rule}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{rule}");
        assert!(pointers(&problem).contains(&pointer.to_owned()), "{rule}: expected {pointer} in {problem}");
    }
    // Every failing field is named, not only the first.
    let (_, problem, _) = send(post("/items/ABC?ratio=2").json(&json!({"name": "a", "count": 99, "extra": 1}))).await;
    for pointer in ["/path/id", "/query/ratio", "/body/name", "/body/count", "/body/extra"] {
        assert!(pointers(&problem).contains(&pointer.to_owned()), "{pointer} in {problem}");
    }

    let (status, _, _) = send(post("/items/abc").header("content-type", "text/plain").body("name=abc")).await;
    assert_eq!(status, 415);
    let (status, _, _) = send(post("/items/abc").header("accept", "text/html").json(&good)).await;
    assert_eq!(status, 406);
    let (status, _, _) = send(http.delete(format!("{url}/items/abc"))).await;
    assert_eq!(status, 405);
    let (status, _, _) = send(http.get(format!("{url}/nowhere"))).await;
    assert_eq!(status, 404);
    assert_eq!(rules.calls.load(Ordering::SeqCst), 1, "no refused request reached the handler");

    let (small, rules) = rules_server(ServerConfig { body_limit: 64, ..Default::default() }).await;
    let big = json!({"name": "abc", "count": 1, "labels": ["x".repeat(100)]});
    let (status, _, _) =
        send(http.post(format!("{small}/items/abc")).bearer_auth("writer").header("X-Trace", TRACE).json(&big)).await;
    assert_eq!(status, 413);
    assert_eq!(rules.calls.load(Ordering::SeqCst), 0);
}

/// `readOnly` and `writeOnly` properties travel one way with one model
/// type: the server refuses a read-only property in a request (see above),
/// sets it in its answer and leaves the write-only one out; the client
/// leaves the read-only property out of what it sends, so a value it read
/// can be changed and sent back.
#[tokio::test]
async fn one_way_properties_travel_only_their_way() {
    let (url, rules) = rules_server(ServerConfig::default()).await;
    let raw = reqwest::Client::new()
        .post(format!("{url}/items/abc"))
        .bearer_auth("writer")
        .header("X-Trace", TRACE)
        .json(&json!({"name": "abc", "count": 1, "secret": "s3"}));
    let (status, body, _) = send(raw).await;
    assert_eq!((status, body), (200, json!({"name": "abc", "count": 1, "id": "abc"})));

    let client = server_rules::client::Client::builder().base_url(&url).bearer("writer").build().expect("client");
    let trace: uuid::Uuid = TRACE.parse().expect("uuid");
    // The constructor takes the required properties (`&str` for a
    // `String`); the optional ones start absent.
    let mut read = server_rules::models::Item::new("abc", 1);
    assert_eq!((read.id.as_ref(), read.kind.as_ref(), read.digest.as_ref()), (None, None, None));
    read.id = Some("abc".into());
    read.revision = Some(7);
    // Read, modify, write back: the id it read is not sent (the server
    // would refuse it), the secret it set is.
    let changed = server_rules::models::Item { count: 2, secret: Some("s3".into()), ..read };
    let answer = client.put_item("abd", &trace, Default::default(), &changed).await.expect("accepted");
    let server_rules::operations::PutItemResponse::Ok(item) = answer;
    assert_eq!((item.id.as_deref(), item.count, item.secret, item.revision), (Some("abd"), 2, None, None));
    // Outside a request or a response a model keeps every property.
    let whole = serde_json::to_value(&changed).expect("json");
    assert_eq!((whole["id"].as_str(), whole["secret"].as_str()), (Some("abc"), Some("s3")));
    assert_eq!(rules.calls.load(Ordering::SeqCst), 2);
}

/// Integer and number enums are Rust enums (named by `x-enum-varnames`
/// where the spec gives names, by value otherwise): the client keeps a value
/// the spec does not list and writes it back unchanged, the server refuses
/// it.
#[tokio::test]
async fn numeric_enums_are_typed_lenient_on_the_client_and_strict_on_the_server() {
    use server_rules::models::{Item, ItemPriority, ItemWeight};
    let text = r#"{"name":"abc","count":1,"priority":9,"weight":2.25}"#;
    let read: Item = serde_json::from_str(text).expect("decodes");
    assert_eq!(read.priority, Some(ItemPriority::Unknown(9)));
    assert!(matches!(read.weight, Some(ItemWeight::Unknown(_))), "{:?}", read.weight);
    assert_eq!(serde_json::to_string(&read).expect("json"), text, "written back unchanged");
    let listed: Item = serde_json::from_value(json!({"name": "abc", "count": 1, "weight": 1.5})).expect("decodes");
    assert_eq!(listed.weight, Some(ItemWeight::V1_5));
    let listed: Item = serde_json::from_value(json!({"name": "abc", "count": 1, "priority": 3})).expect("decodes");
    assert_eq!(
        (listed.priority.as_ref().map(ItemPriority::value), listed.priority),
        (Some(3), Some(ItemPriority::High))
    );

    let (url, rules) = rules_server(ServerConfig::default()).await;
    let client = server_rules::client::Client::builder().base_url(&url).bearer("writer").build().expect("client");
    let trace: uuid::Uuid = TRACE.parse().expect("uuid");
    let params = server_rules::operations::PutItemParams { level: Some(2.into()), ..Default::default() };
    let mut item = Item::new("abc", 1);
    item.priority = Some(ItemPriority::Normal);
    let server_rules::operations::PutItemResponse::Ok(back) =
        client.put_item("abc", &trace, params.clone(), &item).await.expect("accepted");
    assert_eq!(back.priority, Some(ItemPriority::Normal));
    for (item, params) in [
        (read, params),
        (item, server_rules::operations::PutItemParams { level: Some(7.into()), ..Default::default() }),
    ] {
        let refused = client.put_item("abc", &trace, params, &item).await;
        assert!(refused.is_err(), "{refused:?}");
    }
    assert_eq!(rules.calls.load(Ordering::SeqCst), 1);
}

/// `format: byte` is base64 in either alphabet, padded or not: the server
/// admits it in a body and a query, and the body comes back as it was sent.
#[tokio::test]
async fn base64_is_admitted_in_each_spelling_and_kept() {
    let (url, rules) = rules_server(ServerConfig::default()).await;
    let http = reqwest::Client::new();
    for digest in ["aGk/Pg==", "aGk/Pg", "aGk_Pg==", "aGk_Pg", ""] {
        let body = json!({"name": "abc", "count": 1, "digest": digest});
        let request = http
            .post(format!("{url}/items/abc?sig={digest}"))
            .bearer_auth("writer")
            .header("X-Trace", TRACE)
            .json(&body);
        let (status, problem, _) = send(request).await;
        assert_eq!(status, 200, "{digest}: {problem}");
        let request = http.post(format!("{url}/items/abc")).bearer_auth("writer").header("X-Trace", TRACE).json(&body);
        let (status, back, _) = send(request).await;
        assert_eq!((status, back), (200, with_id(&body, "abc")), "{digest}");
    }
    assert_eq!(rules.calls.load(Ordering::SeqCst), 10);
}

/// Valid bodies are checked while read and decoded from their text; an
/// escaped key must still read as the JSON tree reads it, and a key given
/// twice is refused with its pointer, whether the repeat is valid or not
/// (which of the two counts would be a guess two readers could disagree on).
#[tokio::test]
async fn bodies_read_as_their_json_tree() {
    let (url, rules) = rules_server(ServerConfig::default()).await;
    let http = reqwest::Client::new();
    let post = |body: &'static str| {
        http.post(format!("{url}/items/abc"))
            .bearer_auth("writer")
            .header("X-Trace", TRACE)
            .header("content-type", "application/json")
            .body(body)
    };
    for (body, expected) in [
        (r#"{"na\u006de":"a\u00e9c","count":3}"#, json!({"name": "aéc", "count": 3})),
        (
            r#"{"name":"abc","count":3,"labels":["x","y"],"kind":"a"}"#,
            json!({"name": "abc", "count": 3, "labels": ["x", "y"], "kind": "a"}),
        ),
    ] {
        let (status, echoed, _) = send(post(body)).await;
        assert_eq!((status, echoed), (200, with_id(&expected, "abc")), "{body}");
    }
    for (body, pointer) in [
        (r#"{"name":"abc","count":3,"count":4}"#, "/body/count"),
        (r#"{"name":"abc","count":3,"count":11}"#, "/body/count"),
        (r#"{"name":"abc","count":3,"n\u0061me":"abd"}"#, "/body/name"),
    ] {
        let (status, problem, _) = send(post(body)).await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(pointers(&problem), [pointer], "{body}");
        assert!(problem.to_string().contains("is given more than once"), "{problem}");
    }
    assert_eq!(rules.calls.load(Ordering::SeqCst), 2);
}

/// An implementation can replace the error body.
#[tokio::test]
async fn the_problem_body_can_be_replaced() {
    #[derive(Default, Clone)]
    struct Custom(Rules);
    impl Authenticate for Custom {
        type Principal = String;
        async fn authenticate(&self, scheme: &str, credential: Credential) -> Option<Grant<String>> {
            self.0.authenticate(scheme, credential).await
        }
    }
    impl server_rules::server::Api for Custom {
        async fn put_item(
            &self,
            a: String,
            b: uuid::Uuid,
            c: server_rules::operations::PutItemParams,
            d: server_rules::models::Item,
            e: Option<String>,
        ) -> server_rules::operations::PutItemResponse {
            self.0.put_item(a, b, c, d, e).await
        }
        async fn either(&self, p: Option<String>) -> server_rules::operations::EitherResponse {
            self.0.either(p).await
        }
        async fn both(&self, p: Option<String>) -> server_rules::operations::BothResponse {
            self.0.both(p).await
        }
        fn problem(&self, problem: job_apis::support::server::Problem) -> axum::response::Response {
            let body = format!("{{\"code\":{},\"fields\":{}}}", problem.status, problem.errors.len());
            axum::response::IntoResponse::into_response((
                axum::http::StatusCode::from_u16(problem.status).unwrap_or(axum::http::StatusCode::BAD_REQUEST),
                body,
            ))
        }
    }
    let url = serve(server_rules::server::router(Custom::default(), ServerConfig::default())).await;
    let response = reqwest::Client::new()
        .post(format!("{url}/items/ABC"))
        .bearer_auth("writer")
        .header("X-Trace", TRACE)
        .json(&json!({"name": "abc", "count": 1}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.text().await.expect("text"), "{\"code\":400,\"fields\":1}");
}

// ------------------------------------------------------------ security

/// Emporix: list needs `sepaexport.job_view`.
#[derive(Default, Clone)]
struct EmporixScopes(Scripted);

impl Authenticate for EmporixScopes {
    type Principal = String;
    async fn authenticate(&self, _scheme: &str, credential: Credential) -> Option<Grant<String>> {
        let Credential::Bearer(token) = credential else { return None };
        let scopes: Vec<String> = match token.as_str() {
            "viewer" => vec!["sepaexport.job_view".into()],
            "manager" => vec!["sepaexport.job_manage".into()],
            _ => return None,
        };
        Some(Grant { principal: token, scopes })
    }
}

impl emporix::server::Api for EmporixScopes {
    async fn get_sepa_export_list_jobs(
        &self,
        _: String,
        _: String,
        _: emporix::operations::GetSepaExportListJobsParams,
        principal: Option<String>,
    ) -> emporix::operations::GetSepaExportListJobsResponse {
        assert_eq!(principal.as_deref(), Some("viewer"), "the handler receives the principal");
        self.0.take()
    }
    async fn post_sepa_export_create_job(
        &self,
        _: String,
        _: emporix::models::CreateJob,
        _: Option<String>,
    ) -> emporix::operations::PostSepaExportCreateJobResponse {
        self.0.take()
    }
}

#[tokio::test]
async fn security_requirements_are_enforced() {
    let api = EmporixScopes::default();
    let url = serve(emporix::server::router(api.clone(), ServerConfig::default())).await;
    let http = reqwest::Client::new();
    let list = format!("{url}/sepa-export/t/jobs?siteCode=main");

    let response = http.get(&list).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 401, "no token");
    let challenge =
        response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(challenge.starts_with("Bearer") && challenge.contains("sepaexport.job_view"), "{challenge}");
    assert_eq!(
        http.get(&list).bearer_auth("forged").send().await.expect("sent").status().as_u16(),
        401,
        "unknown token"
    );
    assert_eq!(
        http.get(&list).bearer_auth("manager").send().await.expect("sent").status().as_u16(),
        403,
        "token without job_view"
    );
    api.0.queue(emporix::operations::GetSepaExportListJobsResponse::Ok(vec![]));
    assert_eq!(http.get(&list).bearer_auth("viewer").send().await.expect("sent").status().as_u16(), 200);
    assert_eq!(api.0.calls.load(Ordering::SeqCst), 1, "only the authorized request reached the handler");

    // Gormic: the `api-key` header is required.
    let url = serve(gormic_bi::server::router(Scripted::default(), ServerConfig::default())).await;
    let response = http.get(format!("{url}/v1/bi/jobs/j1")).header("organization-id", "o").send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 401);
    let challenge =
        response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(challenge.contains("api-key"), "{challenge}");

    // Alternatives (bearer OR api key) and combined schemes (basic AND api key).
    let (url, rules) = rules_server(ServerConfig::default()).await;
    let either = format!("{url}/either");
    let both = format!("{url}/both");
    let status = |r: reqwest::RequestBuilder| async move { r.send().await.expect("sent").status().as_u16() };
    assert_eq!(status(http.get(&either)).await, 401);
    assert_eq!(status(http.get(&either).bearer_auth("reader")).await, 204);
    assert_eq!(status(http.get(&either).header("X-Key", "key")).await, 204);
    assert_eq!(status(http.get(&either).header("X-Key", "wrong")).await, 401);
    assert_eq!(status(http.get(&both).basic_auth("user", Some("pass"))).await, 401, "basic alone is not enough");
    assert_eq!(status(http.get(&both).header("X-Key", "key")).await, 401, "the key alone is not enough");
    assert_eq!(status(http.get(&both).basic_auth("user", Some("wrong")).header("X-Key", "key")).await, 401);
    assert_eq!(status(http.get(&both).basic_auth("user", Some("pass")).header("X-Key", "key")).await, 204);
    // Scopes: putItem needs items.write.
    let put = http.post(format!("{url}/items/abc")).header("X-Trace", TRACE).json(&json!({"name": "abc", "count": 1}));
    assert_eq!(status(put.try_clone().expect("clone").bearer_auth("reader")).await, 403);
    assert_eq!(status(put.bearer_auth("writer")).await, 200);
    assert_eq!(rules.calls.load(Ordering::SeqCst), 4);
}

// ------------------------------------------------------------ robustness

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
    fn text(&mut self, alphabet: &[u8], max: u64) -> String {
        let n = self.next() % (max + 1);
        (0..n).map(|_| *self.pick(alphabet) as char).collect()
    }
}

/// Thousands of random requests (paths, methods, query strings, headers,
/// bodies) against every router: never a panic, never a 5xx.
#[tokio::test]
async fn random_requests_never_panic_or_answer_5xx() {
    use tower::ServiceExt;
    let mut routers: Vec<(&str, axum::Router)> =
        tests::fakes::NAMES.iter().map(|n| (*n, tests::fakes::router(n).expect("fake"))).collect();
    routers.push((
        "rules",
        server_rules::server::router(Rules::default(), ServerConfig { body_limit: 4096, ..Default::default() }),
    ));
    let segments = [
        "sepa-export",
        "t",
        "jobs",
        "users",
        "u",
        "v1",
        "bi",
        "items",
        "abc",
        "data",
        "json",
        "",
        "%2F",
        "..",
        "%E2%82%AC",
        "%ZZ",
        "{x}",
        "00000000-0000-0000-0000-000000000000",
        "either",
        "both",
    ];
    let query_keys = [
        "siteCode",
        "pageSize",
        "pageNumber",
        "sort",
        "filter",
        "status",
        "page",
        "page_size",
        "project",
        "created_after",
        "tags",
        "ratio",
        "at",
        "x[y]",
        "%",
    ];
    let values = [
        "1",
        "-1",
        "0",
        "abc",
        "",
        "ASC",
        "done",
        "1e309",
        "9999999999999999999999",
        "%00",
        "%FF",
        "true",
        "2022-01-01T00:00:00Z",
        "a,b",
        "[]",
    ];
    let bodies = [
        "",
        "{}",
        "null",
        "[]",
        "{\"siteCode\":\"main\"}",
        "{\"name\":\"abc\",\"count\":3}",
        "{\"params\":{\"uid\":\"x\",\"lang\":\"en\",\"template\":\"excel-auto\"}}",
        "{\"a\":",
        "\u{0}\u{1}",
        "{\"siteCode\":[1,2,{\"x\":null}]}",
        "\"str\"",
        "123456789012345678901234567890",
    ];
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut sent = 0;
    for round in 0..3000 {
        let (name, router) = &routers[round % routers.len()];
        let depth = rng.next() % 6;
        let mut path = String::new();
        for _ in 0..depth {
            path.push('/');
            let segment: &&str = rng.pick(&segments);
            path.push_str(segment);
        }
        if rng.next().is_multiple_of(4) {
            path.push('/');
        }
        if path.is_empty() {
            path.push('/');
        }
        let mut query = Vec::new();
        for _ in 0..rng.next() % 4 {
            query.push(format!("{}={}", rng.pick(&query_keys), rng.pick(&values)));
        }
        let uri = if query.is_empty() { path.clone() } else { format!("{path}?{}", query.join("&")) };
        let Ok(uri) = uri.parse::<axum::http::Uri>() else { continue };
        let mut request = axum::http::Request::builder().method(*rng.pick(&methods)).uri(uri);
        if rng.next().is_multiple_of(2) {
            request = request.header(
                "authorization",
                *rng.pick(&[
                    "Bearer x",
                    "Bearer ",
                    "Basic !!!",
                    "Basic dXNlcjpwYXNz",
                    "bearer writer",
                    "Bearer writer",
                ]),
            );
        }
        for (header, choices) in [
            ("content-type", &["application/json", "text/plain", "application/x-www-form-urlencoded", "nonsense"][..]),
            ("accept", &["*/*", "text/html", "application/json", "application/*;q=0.1"][..]),
            ("organization-id", &["o", ""][..]),
            ("api-key", &["k", ""][..]),
            ("X-Trace", &[TRACE, "x"][..]),
            ("cookie", &["a=b", "=; ;=", "sid=%"][..]),
        ] {
            if rng.next().is_multiple_of(2) {
                request = request.header(header, *rng.pick(choices));
            }
        }
        let body = if rng.next().is_multiple_of(5) {
            rng.text(b"{}[]\":,0123456789abcnul \\", 40)
        } else {
            (*rng.pick(&bodies)).to_owned()
        };
        let Ok(request) = request.body(axum::body::Body::from(body)) else { continue };
        let response = router.clone().oneshot(request).await.expect("infallible");
        assert!(response.status().as_u16() < 500, "{name}: {} for round {round}", response.status());
        sent += 1;
    }
    assert!(sent > 2500, "only {sent} requests were sent");
}

/// An implementation that panics answers 500; the connection survives.
#[tokio::test]
async fn a_panicking_implementation_answers_500() {
    let url = serve(basiq::server::router(Scripted::default(), ServerConfig::default())).await;
    // Nothing is queued: the scripted implementation panics.
    let response =
        reqwest::Client::new().get(format!("{url}/jobs/j1")).bearer_auth("good").send().await.expect("an answer");
    assert_eq!(response.status().as_u16(), 500);
}

/// `page` and `page_size` as a list handler received them.
type Paging = (Option<i64>, Option<i64>);

/// Akeneo's jobs: records the paging each list request is handled with.
#[derive(Clone, Default)]
struct AkeneoPaging(Arc<Mutex<Vec<Paging>>>);

impl Authenticate for AkeneoPaging {
    type Principal = ();
    async fn authenticate(&self, _: &str, _: Credential) -> Option<Grant<()>> {
        Some(Grant { principal: (), scopes: Vec::new() })
    }
}

impl akeneo_sdm::server::Api for AkeneoPaging {
    async fn list_jobs(
        &self,
        params: akeneo_sdm::operations::ListJobsParams,
        _: Option<()>,
    ) -> akeneo_sdm::operations::ListJobsResponse {
        self.0.lock().expect("lock").push((params.page, params.page_size));
        let list = akeneo_sdm::models::JobList { count: 0, next: None, previous: None, results: Vec::new() };
        akeneo_sdm::operations::ListJobsResponse::Ok(list)
    }
    async fn get_job(&self, _: uuid::Uuid, _: Option<()>) -> akeneo_sdm::operations::GetJobResponse {
        akeneo_sdm::operations::GetJobResponse::NotFound(akeneo_sdm::models::Error { detail: "none".into() })
    }
    async fn get_job_data(
        &self,
        _: uuid::Uuid,
        _: String,
        _: Option<()>,
    ) -> akeneo_sdm::operations::GetJobDataResponse {
        akeneo_sdm::operations::GetJobDataResponse::NotFound(akeneo_sdm::models::Error { detail: "none".into() })
    }
}

/// The spec's defaults stand in for absent query parameters (Akeneo's
/// `page` 1 and `page_size` 25); a parameter that is sent keeps its value.
#[tokio::test]
async fn absent_parameters_take_the_specs_defaults() {
    let api = AkeneoPaging::default();
    let url = serve(akeneo_sdm::server::router(api.clone(), ServerConfig::default())).await;
    let client = akeneo_sdm::client::Client::builder().base_url(url.as_str()).bearer_auth("t").build().expect("client");
    client.list_jobs(Default::default()).await.expect("listed");
    let params = akeneo_sdm::operations::ListJobsParams { page_size: Some(5), ..Default::default() };
    client.list_jobs(params).await.expect("listed");
    assert_eq!(*api.0.lock().expect("lock"), [(Some(1), Some(25)), (Some(1), Some(5))]);
}
