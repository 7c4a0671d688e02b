//! The generated clients against a local HTTP mock (loopback only): the
//! exact request each operation sends, every documented status decoded into
//! its variant, undocumented statuses and malformed bodies kept as errors,
//! hostile parameters, and OAuth2 token handling.

use job_apis::support::client::{Error, OAuth2ClientCredentials};
use job_apis::{akeneo_sdm, basiq, elastic_path, emporix_sepa_export as emporix, gormic_bi};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn reply(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// Mounts one mock that answers any request with `status` and `body`.
async fn answer(server: &MockServer, status: u16, body: &Value) {
    server.reset().await;
    Mock::given(wiremock::matchers::any()).respond_with(reply(status, body)).mount(server).await;
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn basiq_error() -> Value {
    json!({"type": "list", "correlationId": "c1", "data": [{"type": "error", "code": "parameter-not-valid", "title": "Bad", "detail": "bad id"}]})
}

fn basiq_job() -> Value {
    json!({
        "type": "job", "id": "j1", "created": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:05Z",
        "steps": [{"title": "verify-credentials", "status": "failed",
                   "result": {"code": "a-code-added-later", "title": "New", "details": "Vendor added a code"}}],
        "links": {"self": "https://au-api.basiq.io/jobs/j1"}
    })
}

#[tokio::test]
async fn basiq_get_job_sends_the_exact_request_and_decodes_every_status() {
    let server = MockServer::start().await;
    let client =
        basiq::client::Client::builder().base_url(server.uri()).application("app-token").build().expect("client");

    Mock::given(method("GET"))
        .and(path("/jobs/j1"))
        .and(header("authorization", "Bearer app-token"))
        .respond_with(reply(200, &basiq_job()))
        .expect(1)
        .mount(&server)
        .await;
    let response = client.get_jobs("j1").await.expect("200");
    let basiq::operations::GetJobsResponse::Ok(job) = response else { panic!("{response:?}") };
    // An enum value the spec does not list decodes and is written back unchanged.
    let code = job.steps[0].result.as_ref().and_then(|r| r.code.clone()).expect("code");
    assert_eq!(code, basiq::models::JobStepFailureCode::Unknown("a-code-added-later".into()));
    assert_eq!(serde_json::to_value(&job).expect("encode"), basiq_job());
    server.verify().await;

    use basiq::operations::GetJobsResponse as R;
    for (status, check) in [
        (400, (|r: &R| matches!(r, R::BadRequest(_))) as fn(&R) -> bool),
        (403, |r| matches!(r, R::Forbidden(_))),
        (404, |r| matches!(r, R::NotFound(_))),
        (500, |r| matches!(r, R::InternalServerError(_))),
        (503, |r| matches!(r, R::ServiceUnavailable(e) if e.correlation_id == "c1")),
    ] {
        answer(&server, status, &basiq_error()).await;
        let response = client.get_jobs("j1").await.expect("documented status");
        assert!(check(&response), "{status}: {response:?}");
        assert_eq!(response.status(), status);
        assert!(!response.is_success());
    }
}

#[tokio::test]
async fn basiq_list_user_jobs_with_filter() {
    let server = MockServer::start().await;
    let client = basiq::client::Client::builder().base_url(server.uri()).application("t").build().expect("client");
    let mut item = basiq_job();
    item["institution"] = json!({"id": "AU001", "type": "institution", "links": {"self": "https://x/AU001"}});
    let list = json!({"type": "list", "size": 1, "data": [item], "links": {"self": "https://x/users/u1/jobs"}});
    Mock::given(method("GET"))
        .and(path("/users/u1/jobs"))
        .and(query_param("filter", "connection.id.eq('ab63cd')"))
        .respond_with(reply(200, &list))
        .expect(1)
        .mount(&server)
        .await;
    let params = basiq::operations::GetUserJobsParams { filter: Some("connection.id.eq('ab63cd')".into()) };
    let jobs = client.get_user_jobs("u1", params).await.expect("200").into_result().expect("success");
    assert_eq!(jobs.size, 1);
    server.verify().await;
    // No filter: no query string at all.
    answer(&server, 200, &list).await;
    client.get_user_jobs("u1", Default::default()).await.expect("200");
    assert_eq!(received(&server).await[0].url.query(), None);
}

#[tokio::test]
async fn elastic_path_get_job() {
    let server = MockServer::start().await;
    let client = elastic_path::client::Client::builder()
        .base_url(format!("{}/v2", server.uri()))
        .bearer_auth("ep")
        .build()
        .expect("client");
    let job = json!({"data": {"id": "974c9db4-38da-4dbf-90c2-33eed5f3e77c", "type": "job", "job_type": "order_export", "status": "processing"}});
    Mock::given(method("GET"))
        .and(path("/v2/jobs/974c9db4"))
        .and(header("authorization", "Bearer ep"))
        .respond_with(reply(200, &job))
        .expect(1)
        .mount(&server)
        .await;
    let response = client.get_job("974c9db4").await.expect("200");
    let elastic_path::operations::GetJobResponse::Ok(body) = response else { panic!("{response:?}") };
    assert_eq!(body.data.map(|d| d.status), Some(elastic_path::models::JobStatus::Processing));
    server.verify().await;

    let errors = json!({"errors": [{"status": 404, "title": "Not Found", "detail": "No job"}]});
    for status in [404, 500] {
        answer(&server, status, &errors).await;
        let response = client.get_job("x").await.expect("documented");
        assert_eq!(response.status(), status);
        let err = response.into_result().expect_err("not a success");
        assert!(matches!(
            err,
            elastic_path::operations::GetJobResponse::NotFound(_)
                | elastic_path::operations::GetJobResponse::InternalServerError(_)
        ));
    }
}

#[tokio::test]
async fn akeneo_operations_keep_trailing_slashes_and_send_every_filter() {
    let server = MockServer::start().await;
    let client = akeneo_sdm::client::Client::builder()
        .base_url(format!("{}/api/v1", server.uri()))
        .bearer_auth("ak")
        .build()
        .expect("client");
    let id: uuid::Uuid = "3f6c2a9e-8b41-4d7a-9c0e-5b2f1d8a7e64".parse().expect("uuid");

    Mock::given(method("GET"))
        .and(path("/api/v1/jobs/"))
        .and(query_param("status", "done"))
        .and(query_param("project", "17"))
        .and(query_param("page", "2"))
        .and(query_param("page_size", "10"))
        .and(query_param("created_after", "2022-01-01T00:00:00Z"))
        .and(header("authorization", "Bearer ak"))
        .respond_with(reply(200, &json!({"count": 1, "results": [{"status": "done"}], "next": null, "previous": null})))
        .expect(1)
        .mount(&server)
        .await;
    let params = akeneo_sdm::operations::ListJobsParams {
        status: Some(akeneo_sdm::models::JobStatus::Done),
        project: Some(17),
        page: Some(2),
        page_size: Some(10),
        created_after: Some("2022-01-01T00:00:00Z".parse().expect("time")),
        created_before: None,
    };
    let list = client.list_jobs(params).await.expect("200").into_result().expect("ok");
    assert_eq!(list.count, 1);
    assert_eq!(list.next, Some(None), "an explicit null is kept apart from absence");
    server.verify().await;

    server.reset().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/jobs/{id}/")))
        .respond_with(reply(200, &json!({"status": "running", "step": {"id": 1}})))
        .expect(1)
        .mount(&server)
        .await;
    let job = client.get_job(&id).await.expect("200").into_result().expect("ok");
    assert_eq!(job.status, akeneo_sdm::models::JobStatus::Running);
    server.verify().await;

    server.reset().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/jobs/{id}/data/json/")))
        .respond_with(reply(200, &json!([{"col1": "a", "col2": 2}])))
        .expect(1)
        .mount(&server)
        .await;
    let rows = client.get_job_data(&id, "json").await.expect("200").into_result().expect("ok");
    assert_eq!(rows[0]["col2"], json!(2));
    server.verify().await;

    for status in [401, 404] {
        answer(&server, status, &json!({"detail": "nope"})).await;
        assert_eq!(client.get_job(&id).await.expect("documented").status(), status);
        assert_eq!(client.list_jobs(Default::default()).await.expect("documented").status(), status);
        assert_eq!(client.get_job_data(&id, "x").await.expect("documented").status(), status);
    }
}

#[tokio::test]
async fn gormic_sends_api_key_and_organization_header() {
    let server = MockServer::start().await;
    let client = gormic_bi::client::Client::builder().base_url(server.uri()).api_key("k-123").build().expect("client");
    let job = json!({"app": "bi", "service": "jobs", "warnings": [], "instanceId": "i", "requestId": "r",
                     "data": {"job": {"status": "completed", "submittedAt": "2024-01-01", "id": "job-1"}}});
    Mock::given(method("GET"))
        .and(path("/v1/bi/jobs/job-1"))
        .and(header("api-key", "k-123"))
        .and(header("organization-id", "org-9"))
        .respond_with(reply(200, &job))
        .expect(1)
        .mount(&server)
        .await;
    let response = client.jobs_get("job-1", "org-9").await.expect("200").into_result().expect("ok");
    assert_eq!(response.data.job.status, gormic_bi::models::GetJobDataJobStatus::Completed);
    server.verify().await;

    server.reset().await;
    let submit = json!({"params": {"uid": "sales", "lang": "en", "template": "excel-auto"}});
    Mock::given(method("POST"))
        .and(path("/v1/bi/jobs"))
        .and(header("content-type", "application/json"))
        .and(header("organization-id", "org-9"))
        .and(body_json(&submit))
        .respond_with(reply(200, &json!({"app": "bi", "service": "jobs", "warnings": [], "instanceId": "i", "requestId": "r", "data": {"jobId": "job-2"}})))
        .expect(1)
        .mount(&server)
        .await;
    let body: gormic_bi::models::SubmitJobApiRequest = serde_json::from_value(submit.clone()).expect("body");
    let created = client.jobs_submit("org-9", &body).await.expect("200").into_result().expect("ok");
    assert_eq!(created.data.job_id, "job-2");
    server.verify().await;

    answer(&server, 400, &json!({"error": {"code": "NOT_ALLOWED"}})).await;
    let response = client.jobs_submit("org-9", &body).await.expect("400 is documented");
    let gormic_bi::operations::JobsSubmitResponse::BadRequest(error) = response else { panic!("{response:?}") };
    assert_eq!(error.error.code, gormic_bi::models::SubmitJobErrorCodesEnum::NotAllowed);
}

#[tokio::test]
async fn header_values_with_cr_lf_are_refused_and_nothing_is_sent() {
    let server = MockServer::start().await;
    answer(&server, 200, &json!({})).await;
    let client = gormic_bi::client::Client::builder().base_url(server.uri()).api_key("k").build().expect("client");
    let err = client.jobs_get("job-1", "org\r\nX-Injected: yes").await.expect_err("CR/LF refused");
    assert!(matches!(&err, Error::InvalidParameter { name, .. } if name == "organization-id"), "{err}");
    assert!(received(&server).await.is_empty(), "no request may leave");
}

#[tokio::test]
async fn hostile_path_parameters_never_change_the_path() {
    let server = MockServer::start().await;
    let client = basiq::client::Client::builder().base_url(server.uri()).application("t").build().expect("client");
    for hostile in ["../admin", "a/b", "a?b=c", "%2F", "#x", "a b", "ünïcødé", "..%2F", "a;b", "+"] {
        answer(&server, 200, &basiq_job()).await;
        client.get_jobs(hostile).await.expect("sent");
        let requests = received(&server).await;
        let url = &requests[0].url;
        let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
        assert_eq!(segments.len(), 2, "{hostile:?} changed the path: {url}");
        assert_eq!(segments[0], "jobs");
        let decoded = percent_encoding::percent_decode_str(segments[1]).decode_utf8().expect("utf8");
        assert_eq!(decoded, hostile, "{url}");
        assert_eq!(url.query(), None, "{hostile:?} leaked into the query: {url}");
        assert_eq!(url.fragment(), None);
    }
    for unsendable in ["..", ".", ""] {
        server.reset().await;
        let err = client.get_jobs(unsendable).await.expect_err("dot segments cannot be sent");
        assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
        assert!(received(&server).await.is_empty());
    }
}

#[tokio::test]
async fn undocumented_status_and_malformed_body_are_errors_with_raw_bytes() {
    let server = MockServer::start().await;
    let client =
        elastic_path::client::Client::builder().base_url(server.uri()).bearer_auth("t").build().expect("client");
    server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(418).set_body_string("short and stout").insert_header("x-tea", "earl grey"))
        .mount(&server)
        .await;
    let err = client.get_job("j").await.expect_err("418 is not documented");
    let raw = err.response().expect("kept");
    assert_eq!((raw.status, &raw.body[..]), (418, &b"short and stout"[..]));
    assert_eq!(raw.headers.get("x-tea").map(|v| v.as_bytes()), Some(&b"earl grey"[..]));
    assert!(matches!(err, Error::UnexpectedStatus(_)));

    server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"data": {"id": 42"#, "application/json"))
        .mount(&server)
        .await;
    let err = client.get_job("j").await.expect_err("malformed body");
    assert!(
        matches!(&err, Error::InvalidBody { response, .. } if response.status == 200 && &response.body[..] == br#"{"data": {"id": 42"#),
        "{err}"
    );
    assert_eq!(err.status(), Some(200));
}

/// Emporix: scopes per operation, one token fetch reused, a refresh after
/// expiry, a retry after a 401, and no secret in any output.
#[tokio::test]
async fn emporix_oauth2_client_credentials() {
    let server = MockServer::start().await;
    let token_url = format!("{}/oauth/token", server.uri());
    let credentials = OAuth2ClientCredentials::new("client-1", "s3cr3t-value").token_url(token_url);
    let client = emporix::client::Client::builder().base_url(server.uri()).oauth2(credentials).build().expect("client");
    assert!(!format!("{client:?}").contains("s3cr3t-value"), "Debug shows no secret");

    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("scope=sepaexport.job_view"))
        .and(body_string_contains("client_id=client-1"))
        .respond_with(reply(200, &json!({"access_token": "view-token", "token_type": "Bearer", "expires_in": 3600})))
        .expect(1)
        .named("view token")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("scope=sepaexport.job_manage"))
        .respond_with(reply(200, &json!({"access_token": "manage-token", "expires_in": 1})))
        .named("manage token")
        .mount(&server)
        .await;
    let jobs = json!([{"jobId": "j1", "status": "COMPLETED", "siteCode": "main", "active": false, "ordersExportedCount": 3,
                       "createdAt": "2024-05-01T10:00:00Z", "completedAt": "2024-05-01T10:01:00Z"}]);
    Mock::given(method("GET"))
        .and(path("/sepa-export/my%20tenant/jobs"))
        .and(query_param("siteCode", "main"))
        .and(query_param("pageSize", "5"))
        .and(query_param("sort", "ASC"))
        .and(header("authorization", "Bearer view-token"))
        .respond_with(reply(200, &jobs))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/sepa-export/my%20tenant/jobs"))
        .and(header("authorization", "Bearer manage-token"))
        .and(body_json(json!({"siteCode": "main"})))
        .respond_with(reply(201, &json!({"id": "new-job"})))
        .mount(&server)
        .await;

    let params = emporix::operations::GetSepaExportListJobsParams {
        page_size: Some(5),
        sort: Some(emporix::models::GetSepaExportListJobsSort::Asc),
        ..Default::default()
    };
    for _ in 0..2 {
        let list = client
            .get_sepa_export_list_jobs("my tenant", "main", params.clone())
            .await
            .expect("200")
            .into_result()
            .expect("ok");
        assert_eq!(list[0].orders_exported_count, Some(3));
    }
    let create = emporix::models::CreateJob { site_code: "main".into() };
    let created =
        client.post_sepa_export_create_job("my tenant", &create).await.expect("201").into_result().expect("ok");
    assert_eq!(created.id, "new-job");

    let token_calls = |requests: &[Request], scope: &str| {
        requests
            .iter()
            .filter(|r| r.url.path() == "/oauth/token" && String::from_utf8_lossy(&r.body).contains(scope))
            .count()
    };
    assert_eq!(token_calls(&received(&server).await, "job_view"), 1, "the view token is fetched once and reused");
    assert_eq!(token_calls(&received(&server).await, "job_manage"), 1);

    // The manage token lives 1 s: after it expires, the next call fetches a new one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    client.post_sepa_export_create_job("my tenant", &create).await.expect("201");
    assert_eq!(token_calls(&received(&server).await, "job_manage"), 2, "refreshed after expiry");
    server.verify().await;
}

#[tokio::test]
async fn oauth2_retries_once_after_a_401_with_a_fresh_token() {
    let server = MockServer::start().await;
    let credentials = OAuth2ClientCredentials::new("c", "s3cr3t").token_url(format!("{}/token", server.uri()));
    let client = emporix::client::Client::builder().base_url(server.uri()).oauth2(credentials).build().expect("client");
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(reply(200, &json!({"access_token": "revoked", "expires_in": 3600})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(reply(200, &json!({"access_token": "fresh", "expires_in": 3600})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer revoked"))
        .respond_with(reply(401, &json!({"fault": {"faultstring": "Invalid access token"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer fresh"))
        .respond_with(reply(200, &json!([])))
        .mount(&server)
        .await;
    let response = client.get_sepa_export_list_jobs("t", "s", Default::default()).await.expect("retried");
    assert_eq!(response.status(), 200);

    // A token endpoint that refuses: the error names the status, never the secret.
    server.reset().await;
    Mock::given(method("POST")).respond_with(reply(401, &json!({"error": "invalid_client"}))).mount(&server).await;
    let credentials = OAuth2ClientCredentials::new("c", "s3cr3t").token_url(format!("{}/token", server.uri()));
    let client = emporix::client::Client::builder().base_url(server.uri()).oauth2(credentials).build().expect("client");
    let err = client.get_sepa_export_list_jobs("t", "s", Default::default()).await.expect_err("token refused");
    assert!(matches!(err, Error::Token { status: Some(401), .. }), "{err}");
    assert!(!err.to_string().contains("s3cr3t") && !format!("{err:?}").contains("s3cr3t"));
}

/// Emporix's 400/401/403/409 bodies decode into their variants.
#[tokio::test]
async fn emporix_error_statuses() {
    let server = MockServer::start().await;
    let credentials = OAuth2ClientCredentials::new("c", "s").token_url(format!("{}/oauth/token", server.uri()));
    let client = emporix::client::Client::builder().base_url(server.uri()).oauth2(credentials).build().expect("client");
    use emporix::operations::PostSepaExportCreateJobResponse as R;
    let create = emporix::models::CreateJob { site_code: "main".into() };
    for (status, body) in [
        (400, json!({"message": "Bad", "_embedded": {"errors": [{"message": "m", "path": "siteCode"}]}})),
        (401, json!({"fault": {"faultstring": "expired", "detail": {"errorcode": "x"}}})),
        (403, json!({"code": 403, "status": "Forbidden", "message": "scope"})),
        (409, json!({"message": "Another job is in progress."})),
    ] {
        server.reset().await;
        Mock::given(path("/oauth/token"))
            .respond_with(reply(200, &json!({"access_token": "t", "expires_in": 3600})))
            .mount(&server)
            .await;
        Mock::given(path("/sepa-export/t/jobs")).respond_with(reply(status, &body)).mount(&server).await;
        let response = client.post_sepa_export_create_job("t", &create).await.expect("documented");
        assert_eq!(response.status(), status);
        let ok = match &response {
            R::BadRequest(b) => b
                .embedded
                .as_ref()
                .and_then(|e| e.errors.as_ref())
                .is_some_and(|e| e[0].path.as_deref() == Some("siteCode")),
            R::Unauthorized(u) => u.fault.is_some(),
            R::Forbidden(f) => f.code == 403,
            R::Conflict(c) => c.message.starts_with("Another"),
            R::Created(_) => false,
        };
        assert!(ok, "{response:?}");
    }
}

/// Parameter styles, through the runtime the generated methods use.
#[tokio::test]
async fn parameter_styles_follow_the_spec() {
    use job_apis::support::client::{CoreBuilder, Method, Request, Style};
    let server = MockServer::start().await;
    answer(&server, 204, &json!(null)).await;
    let core = CoreBuilder::new(&server.uri()).build().expect("core");
    let mut request = Request::new(Method::GET);
    request.path("/items/");
    request.path_param("ids", &vec!["a b", "c/d"], Style::Simple, false).expect("path");
    request.path("/");
    request.path_param("m", &vec![1, 2], Style::Matrix, true).expect("matrix");
    request.query_param("form", &vec!["x", "y"], Style::Form, true).expect("form");
    request.query_param("csv", &vec!["x", "y,z"], Style::Form, false).expect("csv");
    request.query_param("space", &vec!["a", "b"], Style::SpaceDelimited, false).expect("space");
    request.query_param("pipe", &vec!["a", "b"], Style::PipeDelimited, false).expect("pipe");
    request.query_param("filter", &json!({"status": "done", "n": 3}), Style::DeepObject, true).expect("deep");
    request.query_param("absent", &Option::<String>::None, Style::Form, true).expect("none");
    request.query_param("amp", &"a&b=c d+e", Style::Form, true).expect("amp");
    request.cookie_param("session", &"abc", true).expect("cookie");
    request.header_param("x-list", &vec![1, 2, 3], false).expect("header");
    core.execute(request, &[]).await.expect("sent");
    let requests = received(&server).await;
    let url = &requests[0].url;
    assert_eq!(url.path(), "/items/a%20b,c%2Fd/;m=1;m=2");
    assert_eq!(
        url.query(),
        Some("form=x&form=y&csv=x,y%2Cz&space=a%20b&pipe=a%7Cb&filter%5Bstatus%5D=done&filter%5Bn%5D=3&amp=a%26b%3Dc%20d%2Be")
    );
    assert_eq!(requests[0].headers.get("cookie").map(|v| v.as_bytes()), Some(&b"session=abc"[..]));
    assert_eq!(requests[0].headers.get("x-list").map(|v| v.as_bytes()), Some(&b"1,2,3"[..]));
}

/// Typed response headers: strings, numbers and lists parse; a bad value is
/// an error that keeps the raw response.
#[tokio::test]
async fn response_headers_are_typed() {
    use job_apis::support::client::{CoreBuilder, Method, Request};
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-remaining", "42")
                .insert_header("x-page", "next-token")
                .insert_header("x-ids", "1, 2,3")
                .insert_header("x-bad", "forty-two"),
        )
        .mount(&server)
        .await;
    let core = CoreBuilder::new(&server.uri()).build().expect("core");
    let response = core.execute(Request::new(Method::GET), &[]).await.expect("sent");
    assert_eq!(response.required_header::<i64>("x-remaining").expect("number"), 42);
    assert_eq!(response.header::<String>("x-page").expect("string"), Some("next-token".into()));
    assert_eq!(response.header::<Vec<i64>>("x-ids").expect("list"), Some(vec![1, 2, 3]));
    assert_eq!(response.header::<i64>("x-absent").expect("absent"), None);
    assert!(response.required_header::<i64>("x-absent").is_err());
    let err = response.header::<i64>("x-bad").expect_err("not a number");
    assert!(err.to_string().contains("response header `x-bad`"), "{err}");
    assert_eq!(err.status(), Some(200));
}
