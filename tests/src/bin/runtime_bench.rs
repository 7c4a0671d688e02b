//! Runtime cost of the generated Emporix SEPA Export client and server,
//! against a hand-written pair doing the same job.
//!
//! ```sh
//! cargo run --release -p tests --bin runtime-bench -- [--requests N] [--concurrency C] [--rounds R] [--json]
//! ```
//!
//! Defaults: 3000 requests at concurrency 16 per throughput measurement,
//! 1000 sequential requests per latency measurement, 7 rounds, 1000 warm-up
//! requests (`--samples`, `--warmup`); about 30 s on two cores. `--only
//! generated` (or `hand-written`) measures one pair alone, and `--workload
//! list` (or `create`) one workload, for a profiler (`perf record -e
//! cpu-clock`); the preflight still probes both pairs.
//!
//! Prints a table on stdout (progress goes to stderr). With `--json` the
//! last line is `runtime: {...}`, one JSON object with the keys
//! `{list,create}_{latency_us,throughput,cpu_us}_{generated,handwritten,ratio}`
//! (ratio = generated / hand-written), the settings, `failed_requests` and
//! `token_fetches`. The exit status is 1 when any request failed or any
//! answer was not the expected status and typed body, 2 when the run could
//! not start.
//!
//! # What is compared
//!
//! - **A, generated**: `job_apis::emporix_sepa_export::client::Client`
//!   calling `job_apis::emporix_sepa_export::server::router` over an
//!   implementation of the generated `Api` trait. The spec secures both
//!   operations with OAuth2, so the generated server authorizes every request
//!   through [`Authenticate`] (one bearer token is accepted, granted both
//!   scopes) and the generated client gets its token the way the spec says:
//!   OAuth2 client credentials against a token endpoint (a third, untimed
//!   listener), cached by the client for the rest of the run.
//! - **B, hand-written**: plain `axum` routes and a `reqwest` client over
//!   hand-written serde structs mirroring the same JSON, with the bearer
//!   check written by hand. No generated code.
//!
//! Two workloads, each with the same path, status and JSON on both sides
//! (checked byte for byte before timing starts, see *Fairness*):
//!
//! - **list**: `GET /sepa-export/acme/jobs?siteCode=main&pageSize=100`
//!   answers 200 with 100 jobs (a list built once at start, cloned per
//!   request on both sides: the generated trait returns an owned list); the
//!   client decodes the whole typed list.
//! - **create**: `POST /sepa-export/acme/jobs` with `{"siteCode":"main"}`;
//!   the server decodes the body and answers 201 with `{"id":"job-main"}`.
//!
//! For each pair and workload three numbers are measured:
//!
//! - **latency**: the median duration of sequential requests (one in
//!   flight), from the client call to the typed, checked result;
//! - **throughput**: requests per second while `C` tasks share one client
//!   and keep `C` requests in flight until `N` requests have completed
//!   (in `--slices` slices, see *Fairness*);
//! - **CPU per request** (`cpu_us`): the CPU time (user + system) the whole
//!   process used during those throughput runs, divided by `N`, in µs. Client
//!   and server of a pair run in this one process and nothing else runs
//!   during a measurement, so this is what one request costs the pair, both
//!   ends together. It is read from the process CPU clock
//!   (`CLOCK_PROCESS_CPUTIME_ID`, nanoseconds, every thread; `n/a` where
//!   there is none). Time another process takes from the cores is not counted, so
//!   on a shared machine this is the figure to compare. It still moves with
//!   the machine, though less than wall-clock figures: a virtual CPU the
//!   host deschedules counts as running, another process evicts caches,
//!   and when both workers run at once (an idle machine) they contend for
//!   the allocator's locks, which costs CPU that one worker alone does not
//!   spend. Those move both pairs of a round alike, so its gen/hand ratio
//!   is the median of the per-round ratios rather than the ratio of
//!   medians. It includes what both pairs share: the harness's checks,
//!   tokio's scheduling, hyper on both ends and the kernel's loopback TCP.
//!
//! Every response is checked in full (status, and the typed body equal to
//! the expected value) inside the timed region, on both sides alike. Any
//! failure is counted, reported, and makes the process exit with status 1.
//!
//! # Fairness
//!
//! - Both servers and both clients live in one multi-threaded tokio runtime
//!   (one worker per core), served by the same `serve` function (same
//!   `axum::serve`, `TCP_NODELAY` on accepted sockets), on ephemeral ports
//!   of 127.0.0.1. Both clients are `reqwest::Client`s built by the same
//!   function (same pool, timeout, and the same compiled reqwest).
//! - Before timing, raw `reqwest` probes send identical requests to both
//!   servers and compare status, `Content-Type`, `WWW-Authenticate` and body
//!   bytes: the success bodies and the documented 400/401 error bodies must
//!   be identical, so both sides move the same bytes.
//! - Each pair is warmed up (connections opened, tokens fetched, allocator
//!   and caches primed) before the first round.
//! - Measurements are interleaved: every round runs, for each workload,
//!   A's latency then B's (B then A on odd rounds, so neither side always
//!   runs second), then the throughput requests in `--slices` slices (10 by
//!   default) alternating between the pairs, ABBA... (BAAB... on odd
//!   rounds), each pair's slices summed into its figure. The reported
//!   figure is the median over rounds. Drift of a shared machine therefore
//!   hits both sides alike, down to a fraction of a second for throughput
//!   and CPU; the spread over rounds is printed so noise is visible.
//!
//! What still differs is what the comparison is about: the generated server
//! checks `Accept`, validates parameters and the body against the spec's
//! schemas (reading the body once to check it, once to decode it), asks
//! [`Authenticate`] for scopes (whose [`Grant`] holds them as owned strings:
//! three allocations a request in this implementation) and turns a panic
//! into a 500; the generated client writes parameters in their OpenAPI
//! styles and looks its OAuth2 token up in a cache per request. The
//! hand-written pair does what a careful hand-written pair does: a token
//! comparison, the required-parameter and schema checks of these two
//! operations, a `Content-Type` check and a direct `serde_json` decode. It
//! does less in three places, each cheap: no `Accept` check (406), no
//! scopes, no panic guard.
//!
//! # Without noise
//!
//! Instruction counts and cache misses do not depend on the machine's
//! load. Run one pair and workload under cachegrind at two request counts
//! and divide the differences by the difference of the counts (the start-up
//! cancels out), for each pair:
//!
//! ```sh
//! valgrind --tool=cachegrind --cache-sim=yes runtime-bench --only generated \
//!     --workload create --rounds 1 --slices 1 --samples 10 --warmup 50 --requests 500   # then 2500
//! ```

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use axum::Router;
use chrono::{DateTime, FixedOffset};
use clap::Parser;
use job_apis::emporix_sepa_export as emporix;
use job_apis::support::server::{Authenticate, Credential, Grant, Problem, ServerConfig};
use serde::Serialize;
use std::future::Future;
use std::ops::Range;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// The tenant every request names.
const TENANT: &str = "acme";
/// The site every request names.
const SITE: &str = "main";
/// The one bearer token both servers accept.
const TOKEN: &str = "runtime-bench-token";
/// How many jobs the list workload returns.
const JOB_COUNT: usize = 100;
/// The id both servers answer a create with.
const CREATED_ID: &str = "job-main";
/// Scopes the spec requires (list, create); granted to [`TOKEN`].
const SCOPE_VIEW: &str = "sepaexport.job_view";
const SCOPE_MANAGE: &str = "sepaexport.job_manage";
/// What the token endpoint answers; the client caches it for an hour.
const TOKEN_RESPONSE: &str = r#"{"access_token":"runtime-bench-token","token_type":"bearer","expires_in":3600}"#;
/// How many distinct error messages are kept per measurement.
const KEPT_ERRORS: usize = 5;

// ------------------------------------------------------------------ CLI

/// Generated vs hand-written Emporix SEPA Export client and server over loopback.
#[derive(Debug, Parser)]
#[command(name = "runtime-bench")]
struct Args {
    /// Requests per throughput measurement (per pair, workload and round).
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u32).range(1..))]
    requests: u32,
    /// Requests kept in flight during throughput measurements.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    concurrency: u32,
    /// Rounds; each measures every workload and metric once per pair.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// Sequential requests per latency measurement.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    samples: u32,
    /// Warm-up requests per pair and workload before the first round.
    #[arg(long, default_value_t = 1000)]
    warmup: u32,
    /// Also print the results as one final line `runtime: {json}`.
    #[arg(long)]
    json: bool,
    /// Slices each throughput measurement is cut into, run alternately
    /// for the two pairs.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    slices: u32,
    /// Measure one pair only (to profile it); its ratios are then n/a.
    #[arg(long, value_enum)]
    only: Option<Pair>,
    /// Measure one workload only.
    #[arg(long, value_enum)]
    workload: Option<Workload>,
}

/// The two pairs compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Pair {
    Generated,
    HandWritten,
}

impl Args {
    /// The workloads measured.
    fn workloads(&self) -> Vec<Workload> {
        Workload::ALL.into_iter().filter(|w| self.workload.is_none_or(|only| only == *w)).collect()
    }

    /// Whether side 0 (generated) or 1 (hand-written) is measured.
    fn measures(&self, side: usize) -> bool {
        match self.only {
            None => true,
            Some(Pair::Generated) => side == 0,
            Some(Pair::HandWritten) => side == 1,
        }
    }
}

// ------------------------------------------------------------------ data

/// One job as plain data; each pair builds its own typed list from these.
struct Seed {
    job_id: String,
    status: &'static str,
    file_id: Option<String>,
    active: bool,
    orders: i32,
    created_at: DateTime<FixedOffset>,
    completed_at: Option<DateTime<FixedOffset>>,
}

/// 100 jobs: every tenth still running (no file, no completion time).
fn seeds() -> Vec<Seed> {
    // 2024-05-28T09:15:00Z, one job an hour from then.
    const START: i64 = 1_716_887_700;
    let at = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap_or_default().fixed_offset();
    (0..JOB_COUNT)
        .map(|i| {
            let running = i % 10 == 9;
            let created = START + 3600 * i as i64;
            Seed {
                job_id: format!("6655a1c2e4b0f1a2b3c4{i:04x}"),
                status: if running { "IN_PROGRESS" } else { "COMPLETED" },
                file_id: (!running).then(|| format!("6655a1d9e4b0f1a2b3c4{i:04x}")),
                active: running,
                orders: if running { 0 } else { (i as i32 * 37) % 500 + 1 },
                created_at: at(created),
                completed_at: (!running).then(|| at(created + 60 + i as i64)),
            }
        })
        .collect()
}

/// The slice of `len` items a `pageNumber`/`pageSize` pair selects, with
/// the spec's defaults (1 and 16). Shared arithmetic, not generated code.
fn page(len: usize, page_number: Option<i32>, page_size: Option<i32>) -> Range<usize> {
    let size = page_size.unwrap_or(16).max(1) as usize;
    let number = page_number.unwrap_or(1).max(1) as usize;
    let start = (number - 1).saturating_mul(size).min(len);
    start..start.saturating_add(size).min(len)
}

/// An error response with a JSON body, as both sides render refusals.
fn json_error(status: u16, body: Vec<u8>, headers: &[(HeaderName, String)]) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, body).into_response();
    let map = response.headers_mut();
    map.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            map.append(name.clone(), value);
        }
    }
    response
}

// ------------------------------------------------------------------ A: generated

/// The generated server's implementation: a fixed job list, stateless creates.
struct GeneratedApi {
    jobs: Vec<emporix::models::JobDetails>,
}

impl Authenticate for GeneratedApi {
    type Principal = ();

    async fn authenticate(&self, _scheme: &str, credential: Credential) -> Option<Grant<()>> {
        match credential {
            Credential::Bearer(token) if token == TOKEN => {
                Some(Grant { principal: (), scopes: vec![SCOPE_VIEW.to_owned(), SCOPE_MANAGE.to_owned()] })
            }
            _ => None,
        }
    }
}

impl emporix::server::Api for GeneratedApi {
    async fn get_sepa_export_list_jobs(
        &self,
        _tenant: String,
        _site_code: String,
        params: emporix::operations::GetSepaExportListJobsParams,
        _principal: Option<()>,
    ) -> emporix::operations::GetSepaExportListJobsResponse {
        let range = page(self.jobs.len(), params.page_number, params.page_size);
        emporix::operations::GetSepaExportListJobsResponse::Ok(self.jobs[range].to_vec())
    }

    async fn post_sepa_export_create_job(
        &self,
        _tenant: String,
        body: emporix::models::CreateJob,
        _principal: Option<()>,
    ) -> emporix::operations::PostSepaExportCreateJobResponse {
        let id = format!("job-{}", body.site_code);
        emporix::operations::PostSepaExportCreateJobResponse::Created(emporix::models::JobId { id })
    }

    /// Refusals in the shapes the spec documents for 400, 401 and 403.
    fn problem(&self, problem: Problem) -> Response {
        use emporix::models as m;
        let body = match problem.status {
            400 => serde_json::to_vec(&m::BadRequest400 {
                message: Some(problem.detail.clone()),
                embedded: Some(m::BadRequest400Embedded {
                    errors: Some(
                        problem
                            .errors
                            .iter()
                            .map(|e| m::BadRequest400EmbeddedErrorsItem {
                                message: Some(e.detail.clone()),
                                path: Some(e.pointer.clone()),
                            })
                            .collect(),
                    ),
                }),
            }),
            401 => serde_json::to_vec(&m::Unauthorized401 {
                fault: Some(m::Unauthorized401Fault { faultstring: Some(problem.detail.clone()), detail: None }),
            }),
            403 => serde_json::to_vec(&m::ErrorMessage {
                code: 403,
                status: "Forbidden".into(),
                message: problem.detail.clone(),
                details: None,
                resource_id: None,
            }),
            _ => return problem.into_response(),
        };
        json_error(problem.status, body.unwrap_or_default(), &problem.headers)
    }
}

fn generated_jobs(seeds: &[Seed]) -> Vec<emporix::models::JobDetails> {
    seeds
        .iter()
        .map(|s| emporix::models::JobDetails {
            job_id: Some(s.job_id.clone()),
            status: Some(s.status.to_owned()),
            site_code: Some(SITE.to_owned()),
            file_id: s.file_id.clone(),
            active: Some(s.active),
            orders_exported_count: Some(s.orders),
            created_at: Some(s.created_at),
            completed_at: s.completed_at,
        })
        .collect()
}

/// A's client side: the generated client and what it must receive.
#[derive(Clone)]
struct Generated {
    client: emporix::client::Client,
    expected: Arc<Vec<emporix::models::JobDetails>>,
}

impl Side for Generated {
    async fn call(&self, workload: Workload) -> Result<(), String> {
        use emporix::operations::{GetSepaExportListJobsResponse as List, PostSepaExportCreateJobResponse as Create};
        match workload {
            Workload::List => {
                let params = emporix::operations::GetSepaExportListJobsParams {
                    page_size: Some(JOB_COUNT as i32),
                    ..Default::default()
                };
                match self.client.get_sepa_export_list_jobs(TENANT, SITE, params).await {
                    Ok(List::Ok(jobs)) if jobs == *self.expected => Ok(()),
                    Ok(List::Ok(jobs)) => Err(format!("200 with an unexpected list of {} jobs", jobs.len())),
                    Ok(other) => Err(format!("list answered {}, expected 200", other.status())),
                    Err(e) => Err(format!("list failed: {e}")),
                }
            }
            Workload::Create => {
                let body = emporix::models::CreateJob { site_code: SITE.to_owned() };
                match self.client.post_sepa_export_create_job(TENANT, &body).await {
                    Ok(Create::Created(job)) if job.id == CREATED_ID => Ok(()),
                    Ok(Create::Created(job)) => Err(format!("201 with unexpected id {:?}", job.id)),
                    Ok(other) => Err(format!("create answered {}, expected 201", other.status())),
                    Err(e) => Err(format!("create failed: {e}")),
                }
            }
        }
    }
}

// ------------------------------------------------------------------ B: hand-written

/// B's types: what someone writes by hand from the spec's JSON.
mod hand {
    use chrono::{DateTime, FixedOffset};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Job {
        #[serde(rename = "jobId", skip_serializing_if = "Option::is_none")]
        pub job_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub status: Option<String>,
        #[serde(rename = "siteCode", skip_serializing_if = "Option::is_none")]
        pub site_code: Option<String>,
        #[serde(rename = "fileId", skip_serializing_if = "Option::is_none")]
        pub file_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub active: Option<bool>,
        #[serde(rename = "ordersExportedCount", skip_serializing_if = "Option::is_none")]
        pub orders_exported_count: Option<i32>,
        #[serde(rename = "createdAt", skip_serializing_if = "Option::is_none")]
        pub created_at: Option<DateTime<FixedOffset>>,
        #[serde(rename = "completedAt", skip_serializing_if = "Option::is_none")]
        pub completed_at: Option<DateTime<FixedOffset>>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct CreateJob {
        #[serde(rename = "siteCode")]
        pub site_code: String,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct JobId {
        pub id: String,
    }

    #[derive(Debug, Serialize)]
    pub struct BadRequest {
        pub message: String,
        #[serde(rename = "_embedded")]
        pub embedded: BadRequestEmbedded,
    }

    #[derive(Debug, Serialize)]
    pub struct BadRequestEmbedded {
        pub errors: Vec<FieldError>,
    }

    #[derive(Debug, Serialize)]
    pub struct FieldError {
        pub message: String,
        pub path: String,
    }

    #[derive(Debug, Serialize)]
    pub struct Unauthorized {
        pub fault: Fault,
    }

    #[derive(Debug, Serialize)]
    pub struct Fault {
        pub faultstring: String,
    }
}

fn hand_jobs(seeds: &[Seed]) -> Vec<hand::Job> {
    seeds
        .iter()
        .map(|s| hand::Job {
            job_id: Some(s.job_id.clone()),
            status: Some(s.status.to_owned()),
            site_code: Some(SITE.to_owned()),
            file_id: s.file_id.clone(),
            active: Some(s.active),
            orders_exported_count: Some(s.orders),
            created_at: Some(s.created_at),
            completed_at: s.completed_at,
        })
        .collect()
}

/// B's server state.
struct HandState {
    jobs: Vec<hand::Job>,
    token: String,
}

fn hand_router(state: HandState) -> Router {
    Router::new()
        .route("/sepa-export/{tenant}/jobs", axum::routing::get(hand_list).post(hand_create))
        .with_state(Arc::new(state))
}

/// `None` when the request carries `Authorization: Bearer <the token>`,
/// else the documented 401 with a challenge naming the scope.
fn hand_unauthorized(headers: &HeaderMap, token: &str, scope: &str) -> Option<Response> {
    let presented =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if presented == Some(token) {
        return None;
    }
    let body = hand::Unauthorized { fault: hand::Fault { faultstring: "missing or invalid credentials".into() } };
    let challenge = format!("Bearer realm=\"OAuth2\", scope=\"{scope}\"");
    Some(json_error(401, serde_json::to_vec(&body).unwrap_or_default(), &[(header::WWW_AUTHENTICATE, challenge)]))
}

/// The documented 400, one entry per failing field.
fn hand_bad_request(errors: Vec<hand::FieldError>) -> Response {
    let body = hand::BadRequest {
        message: format!("{} invalid field(s) in the request", errors.len()),
        embedded: hand::BadRequestEmbedded { errors },
    };
    json_error(400, serde_json::to_vec(&body).unwrap_or_default(), &[])
}

fn field_error(path: &str, message: &str) -> hand::FieldError {
    hand::FieldError { message: message.to_owned(), path: path.to_owned() }
}

fn hand_json(status: StatusCode, body: &(impl Serialize + ?Sized)) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A positive `int32` query value.
fn positive(value: &str, path: &str, errors: &mut Vec<hand::FieldError>) -> Option<i32> {
    match value.parse::<i32>() {
        Ok(n) if n >= 1 => Some(n),
        Ok(_) => {
            errors.push(field_error(path, "must be at least 1"));
            None
        }
        Err(_) => {
            errors.push(field_error(path, "must be an integer"));
            None
        }
    }
}

async fn hand_list(
    State(state): State<Arc<HandState>>,
    Path(_tenant): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = hand_unauthorized(&headers, &state.token, SCOPE_VIEW) {
        return refusal;
    }
    let mut errors = Vec::new();
    let (mut site_code, mut page_number, mut page_size) = (None, None, None);
    for pair in query.as_deref().unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_encoding::percent_decode_str(&value.replace('+', " ")).decode_utf8_lossy().into_owned();
        match key {
            "siteCode" => site_code = Some(value),
            "pageNumber" => page_number = positive(&value, "/query/pageNumber", &mut errors),
            "pageSize" => page_size = positive(&value, "/query/pageSize", &mut errors),
            "sort" if value != "ASC" && value != "DESC" => {
                errors.push(field_error("/query/sort", "must be one of: ASC, DESC"));
            }
            _ => {}
        }
    }
    if site_code.is_none() {
        errors.push(field_error("/query/siteCode", "is required"));
    }
    if !errors.is_empty() {
        return hand_bad_request(errors);
    }
    // Cloned like A's, whose trait method must return an owned list.
    let range = page(state.jobs.len(), page_number, page_size);
    hand_json(StatusCode::OK, &state.jobs[range].to_vec())
}

async fn hand_create(
    State(state): State<Arc<HandState>>,
    Path(_tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = hand_unauthorized(&headers, &state.token, SCOPE_MANAGE) {
        return refusal;
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    let job: hand::CreateJob = match serde_json::from_slice(&body) {
        Ok(job) => job,
        Err(e) => return hand_bad_request(vec![field_error("/body", &format!("not valid JSON: {e}"))]),
    };
    if job.site_code.is_empty() {
        return hand_bad_request(vec![field_error("/body/siteCode", "must be at least 1 characters long")]);
    }
    hand_json(StatusCode::CREATED, &hand::JobId { id: format!("job-{}", job.site_code) })
}

/// B's client: what someone writes by hand with reqwest.
#[derive(Clone)]
struct HandClient {
    http: reqwest::Client,
    base_url: Arc<str>,
    token: Arc<str>,
}

#[derive(Debug)]
enum HandError {
    Http(reqwest::Error),
    Status(StatusCode),
}

impl std::fmt::Display for HandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandError::Http(e) => write!(f, "request failed: {e}"),
            HandError::Status(s) => write!(f, "unexpected status {}", s.as_u16()),
        }
    }
}

impl From<reqwest::Error> for HandError {
    fn from(e: reqwest::Error) -> Self {
        HandError::Http(e)
    }
}

impl HandClient {
    async fn list_jobs(&self, tenant: &str, site_code: &str, page_size: u32) -> Result<Vec<hand::Job>, HandError> {
        let response = self
            .http
            .get(format!("{}/sepa-export/{tenant}/jobs", self.base_url))
            .bearer_auth(&self.token)
            .query(&[("siteCode", site_code), ("pageSize", &page_size.to_string())])
            .send()
            .await?;
        if response.status() != StatusCode::OK {
            return Err(HandError::Status(response.status()));
        }
        Ok(response.json().await?)
    }

    async fn create_job(&self, tenant: &str, body: &hand::CreateJob) -> Result<hand::JobId, HandError> {
        let response = self
            .http
            .post(format!("{}/sepa-export/{tenant}/jobs", self.base_url))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        if response.status() != StatusCode::CREATED {
            return Err(HandError::Status(response.status()));
        }
        Ok(response.json().await?)
    }
}

/// B's client side: the hand-written client and what it must receive.
#[derive(Clone)]
struct Hand {
    client: HandClient,
    expected: Arc<Vec<hand::Job>>,
}

impl Side for Hand {
    async fn call(&self, workload: Workload) -> Result<(), String> {
        match workload {
            Workload::List => match self.client.list_jobs(TENANT, SITE, JOB_COUNT as u32).await {
                Ok(jobs) if jobs == *self.expected => Ok(()),
                Ok(jobs) => Err(format!("200 with an unexpected list of {} jobs", jobs.len())),
                Err(e) => Err(format!("list failed: {e}")),
            },
            Workload::Create => {
                let body = hand::CreateJob { site_code: SITE.to_owned() };
                match self.client.create_job(TENANT, &body).await {
                    Ok(job) if job.id == CREATED_ID => Ok(()),
                    Ok(job) => Err(format!("201 with unexpected id {:?}", job.id)),
                    Err(e) => Err(format!("create failed: {e}")),
                }
            }
        }
    }
}

// ------------------------------------------------------------------ serving

/// Serves `router` on an ephemeral port of 127.0.0.1 (`TCP_NODELAY` on
/// every accepted socket, as reqwest sets it on its side); returns the base URL.
async fn serve(router: Router) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("server at {addr} stopped: {e}");
        }
    });
    Ok(format!("http://{addr}"))
}

/// The OAuth2 token endpoint the generated client fetches its token from;
/// counts fetches.
fn token_router(fetches: Arc<AtomicUsize>) -> Router {
    Router::new().route(
        "/oauth/token",
        axum::routing::post(move || {
            fetches.fetch_add(1, Ordering::Relaxed);
            async { ([(header::CONTENT_TYPE, "application/json")], TOKEN_RESPONSE) }
        }),
    )
}

/// Both clients' HTTP client: reqwest defaults (pooled keep-alive
/// connections, `TCP_NODELAY`) and a timeout, so a stuck server fails
/// requests instead of hanging the run.
fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build()
}

// ------------------------------------------------------------------ measuring

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Workload {
    List,
    Create,
}

impl Workload {
    const ALL: [Workload; 2] = [Workload::List, Workload::Create];

    fn name(self) -> &'static str {
        match self {
            Workload::List => "list",
            Workload::Create => "create",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    Latency,
    Throughput,
    /// CPU time per request during a throughput measurement.
    Cpu,
}

/// One pair's client side: performs one request of a workload and checks
/// the typed answer in full.
trait Side: Clone + Send + Sync + 'static {
    fn call(&self, workload: Workload) -> impl Future<Output = Result<(), String>> + Send;
}

/// Outcomes of requests: counts, and the first distinct error messages.
#[derive(Debug, Default)]
struct Tally {
    ok: u64,
    failed: u64,
    errors: Vec<String>,
}

impl Tally {
    fn record(&mut self, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.ok += 1,
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, error: String) {
        self.failed += 1;
        if self.errors.len() < KEPT_ERRORS && !self.errors.contains(&error) {
            self.errors.push(error);
        }
    }

    fn merge(&mut self, other: Tally) {
        self.ok += other.ok;
        self.failed += other.failed;
        for e in other.errors {
            if self.errors.len() < KEPT_ERRORS && !self.errors.contains(&e) {
                self.errors.push(e);
            }
        }
    }
}

/// Median of the successful requests' latencies in µs, `samples` requests
/// one after the other.
async fn sequential<S: Side>(side: S, workload: Workload, samples: usize) -> (Option<f64>, Tally) {
    let mut tally = Tally::default();
    let mut latencies = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let outcome = side.call(workload).await;
        let elapsed = started.elapsed();
        if outcome.is_ok() {
            latencies.push(elapsed.as_secs_f64() * 1e6);
        }
        tally.record(outcome);
    }
    (median(&mut latencies), tally)
}

/// CPU time (user + system) of the whole process so far, to the
/// nanosecond: `CLOCK_PROCESS_CPUTIME_ID`. (The `/proc` counters will not
/// do: the kernel brings a running thread's count up to date only at a
/// scheduler tick, every 4 ms on the machine this was written on, which is
/// a large share of a slice.) `None` where the clock cannot be read.
#[cfg(unix)]
fn cpu_time() -> Option<Duration> {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_gettime` only writes the `timespec` it is given, which
    // lives for the whole call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    let (seconds, nanos) = (u64::try_from(now.tv_sec).ok()?, u32::try_from(now.tv_nsec).ok()?);
    (status == 0).then(|| Duration::new(seconds, nanos))
}

#[cfg(not(unix))]
fn cpu_time() -> Option<Duration> {
    None
}

/// A throughput run, or several summed: requests, wall time, CPU time
/// (`None` when it could not be read) and outcomes.
#[derive(Debug)]
struct Run {
    requests: usize,
    elapsed: Duration,
    cpu: Option<Duration>,
    tally: Tally,
}

impl Run {
    fn new() -> Self {
        Run { requests: 0, elapsed: Duration::ZERO, cpu: Some(Duration::ZERO), tally: Tally::default() }
    }

    fn add(&mut self, other: Run) {
        self.requests += other.requests;
        self.elapsed += other.elapsed;
        self.cpu = self.cpu.zip(other.cpu).map(|(a, b)| a + b);
        self.tally.merge(other.tally);
    }

    /// Requests per second, when every request succeeded.
    fn rate(&self) -> Option<f64> {
        let seconds = self.elapsed.as_secs_f64();
        (seconds > 0.0 && self.tally.failed == 0).then(|| self.requests as f64 / seconds)
    }

    /// CPU µs per request, when every request succeeded.
    fn cpu_us(&self) -> Option<f64> {
        let cpu = self.cpu.filter(|_| self.tally.failed == 0 && self.requests > 0)?;
        Some(cpu.as_secs_f64() * 1e6 / self.requests as f64)
    }
}

/// `total` requests kept `concurrency` in flight: that many tasks share one
/// client and take requests from a common counter until all have completed.
async fn concurrent<S: Side>(side: S, workload: Workload, total: usize, concurrency: usize) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu_time();
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.min(total) {
        let (side, next) = (side.clone(), next.clone());
        workers.spawn(async move {
            let mut tally = Tally::default();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                tally.record(side.call(workload).await);
            }
            tally
        });
    }
    let mut tally = Tally::default();
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(worker) => tally.merge(worker),
            Err(e) => tally.fail(format!("a request task failed: {e}")),
        }
    }
    let elapsed = started.elapsed();
    let cpu = cpu_before.zip(cpu_time()).map(|(before, after)| after.saturating_sub(before));
    Run { requests: total, elapsed, cpu, tally }
}

/// Runs a measurement on a worker thread of the runtime, like every other
/// task, so both sides run under the same scheduling.
async fn on_worker<T: Send + 'static>(measurement: impl Future<Output = T> + Send + 'static) -> Result<T, Tally> {
    tokio::spawn(measurement).await.map_err(|e| {
        let mut tally = Tally::default();
        tally.fail(format!("the measurement task failed: {e}"));
        tally
    })
}

/// Median latency in µs over `samples` sequential requests.
async fn latency<S: Side>(side: &S, workload: Workload, samples: usize) -> (Option<f64>, Tally) {
    on_worker(sequential(side.clone(), workload, samples)).await.unwrap_or_else(|tally| (None, tally))
}

/// One throughput run of `total` requests.
async fn throughput<S: Side>(side: &S, workload: Workload, total: usize, concurrency: usize) -> Run {
    on_worker(concurrent(side.clone(), workload, total, concurrency)).await.unwrap_or_else(|tally| Run {
        requests: total,
        tally,
        ..Run::new()
    })
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] })
}

// ------------------------------------------------------------------ preflight

/// One raw request sent to both servers.
struct Probe {
    name: &'static str,
    post: bool,
    path_and_query: &'static str,
    token: Option<&'static str>,
    content_type: Option<&'static str>,
    body: &'static str,
    status: u16,
    /// Whether body, `Content-Type` and `WWW-Authenticate` must be identical.
    same_bytes: bool,
}

const PROBES: &[Probe] = &[
    Probe {
        name: "list",
        post: false,
        path_and_query: "/sepa-export/acme/jobs?siteCode=main&pageSize=100",
        token: Some(TOKEN),
        content_type: None,
        body: "",
        status: 200,
        same_bytes: true,
    },
    Probe {
        name: "list, default page",
        post: false,
        path_and_query: "/sepa-export/acme/jobs?siteCode=main",
        token: Some(TOKEN),
        content_type: None,
        body: "",
        status: 200,
        same_bytes: true,
    },
    Probe {
        name: "create",
        post: true,
        path_and_query: "/sepa-export/acme/jobs",
        token: Some(TOKEN),
        content_type: Some("application/json"),
        body: r#"{"siteCode":"main"}"#,
        status: 201,
        same_bytes: true,
    },
    Probe {
        name: "list without a token",
        post: false,
        path_and_query: "/sepa-export/acme/jobs?siteCode=main",
        token: None,
        content_type: None,
        body: "",
        status: 401,
        same_bytes: true,
    },
    Probe {
        name: "list with a wrong token",
        post: false,
        path_and_query: "/sepa-export/acme/jobs?siteCode=main",
        token: Some("forged"),
        content_type: None,
        body: "",
        status: 401,
        same_bytes: true,
    },
    Probe {
        name: "create without a token",
        post: true,
        path_and_query: "/sepa-export/acme/jobs",
        token: None,
        content_type: Some("application/json"),
        body: r#"{"siteCode":"main"}"#,
        status: 401,
        same_bytes: true,
    },
    Probe {
        name: "list without siteCode",
        post: false,
        path_and_query: "/sepa-export/acme/jobs",
        token: Some(TOKEN),
        content_type: None,
        body: "",
        status: 400,
        same_bytes: true,
    },
    Probe {
        name: "create with an empty siteCode",
        post: true,
        path_and_query: "/sepa-export/acme/jobs",
        token: Some(TOKEN),
        content_type: Some("application/json"),
        body: r#"{"siteCode":""}"#,
        status: 400,
        same_bytes: true,
    },
    Probe {
        name: "create with a text body",
        post: true,
        path_and_query: "/sepa-export/acme/jobs",
        token: Some(TOKEN),
        content_type: Some("text/plain"),
        body: "main",
        status: 415,
        same_bytes: false,
    },
];

/// What a probe received: status, the compared headers, the body.
type Received = (u16, Option<String>, Option<String>, Bytes);

async fn probe(http: &reqwest::Client, base_url: &str, p: &Probe) -> Result<Received, String> {
    let url = format!("{base_url}{}", p.path_and_query);
    let mut request = if p.post { http.post(url).body(p.body) } else { http.get(url) };
    if let Some(token) = p.token {
        request = request.bearer_auth(token);
    }
    if let Some(ct) = p.content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    let response = request.send().await.map_err(|e| format!("{}: {e}", p.name))?;
    let text = |name: HeaderName| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (content_type, challenge) = (text(header::CONTENT_TYPE), text(header::WWW_AUTHENTICATE));
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| format!("{}: {e}", p.name))?;
    Ok((status, content_type, challenge, body))
}

/// Sends every probe to both servers; returns the size of the list body.
async fn preflight(http: &reqwest::Client, generated_url: &str, hand_url: &str, tally: &mut Tally) -> usize {
    let mut list_bytes = 0;
    for p in PROBES {
        let (a, b) = match (probe(http, generated_url, p).await, probe(http, hand_url, p).await) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                tally.fail(format!("preflight {e}"));
                continue;
            }
        };
        if a.0 != p.status || b.0 != p.status {
            tally.fail(format!(
                "preflight {}: expected {}, generated {} and hand-written {}",
                p.name, p.status, a.0, b.0
            ));
        } else if p.same_bytes && a != b {
            tally.fail(format!(
                "preflight {}: the answers differ\n  generated:    {:?} {:?} {}\n  hand-written: {:?} {:?} {}",
                p.name,
                a.1,
                a.2,
                String::from_utf8_lossy(&a.3),
                b.1,
                b.2,
                String::from_utf8_lossy(&b.3)
            ));
        } else {
            tally.record(Ok(()));
        }
        if p.name == "list" {
            list_bytes = a.3.len();
        }
    }
    list_bytes
}

// ------------------------------------------------------------------ reporting

/// Per-round values of one pair, workload and metric.
#[derive(Debug, Default)]
struct Series(Vec<f64>);

impl Series {
    fn median(&self) -> Option<f64> {
        median(&mut self.0.clone())
    }

    /// (max − min) / median over the rounds, in percent.
    fn spread(&self) -> Option<f64> {
        let m = self.median()?;
        let max = self.0.iter().copied().fold(f64::MIN, f64::max);
        let min = self.0.iter().copied().fold(f64::MAX, f64::min);
        (m > 0.0).then(|| (max - min) / m * 100.0)
    }
}

/// Results indexed by workload, metric and side (0 generated, 1 hand-written).
#[derive(Debug, Default)]
struct Results {
    series: [[[Series; 2]; 3]; 2],
    /// Per workload, each round's generated / hand-written CPU per request.
    cpu_ratios: [Series; 2],
}

impl Results {
    /// Generated / hand-written: the ratio of the medians, except for CPU
    /// per request, where it is the median of the per-round ratios (both
    /// pairs measured back to back), which drift between rounds does not move.
    fn ratio(&self, w: Workload, m: Metric) -> Option<f64> {
        match m {
            Metric::Cpu => self.cpu_ratios[w as usize].median(),
            _ => ratio(self.get(w, m, 0).median(), self.get(w, m, 1).median()),
        }
    }

    fn get(&self, w: Workload, m: Metric, side: usize) -> &Series {
        &self.series[w as usize][m as usize][side]
    }

    fn push(&mut self, w: Workload, m: Metric, side: usize, value: f64) {
        self.series[w as usize][m as usize][side].0.push(value);
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn cell(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.decimals$}"))
}

fn print_table(results: &Results) {
    println!(
        "{:<8} {:<22} {:>12} {:>14} {:>10} {:>16}",
        "workload", "metric", "generated", "hand-written", "gen/hand", "spread gen/hand"
    );
    for w in Workload::ALL {
        for (m, label, decimals) in [
            (Metric::Latency, "median latency (µs)", 1),
            (Metric::Throughput, "throughput (req/s)", 0),
            (Metric::Cpu, "CPU per request (µs)", 1),
        ] {
            let (a, b) = (results.get(w, m, 0), results.get(w, m, 1));
            let spread = format!("{}% / {}%", cell(a.spread(), 0), cell(b.spread(), 0));
            let ratio = results.ratio(w, m).map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}x"));
            println!(
                "{:<8} {:<22} {:>12} {:>14} {:>10} {:>16}",
                w.name(),
                label,
                cell(a.median(), decimals),
                cell(b.median(), decimals),
                ratio,
                spread
            );
        }
    }
    println!(
        "gen/hand: above 1 means the generated pair takes longer (latency), serves more (throughput) or uses more CPU."
    );
    println!(
        "CPU per request: user + system time of the process (both clients and servers) over a throughput run, per request;"
    );
    println!(
        "  its gen/hand is the median of the per-round ratios (spread list {}%, create {}%).",
        cell(results.cpu_ratios[Workload::List as usize].spread(), 0),
        cell(results.cpu_ratios[Workload::Create as usize].spread(), 0)
    );
    println!("spread: (max - min) / median of the per-round values.");
}

fn json_line(results: &Results, args: &Args, failed: u64, token_fetches: usize) -> String {
    let mut map = serde_json::Map::new();
    let number = |v: Option<f64>| v.map_or(serde_json::Value::Null, |v| serde_json::json!((v * 100.0).round() / 100.0));
    for w in Workload::ALL {
        for (m, key) in [(Metric::Latency, "latency_us"), (Metric::Throughput, "throughput"), (Metric::Cpu, "cpu_us")] {
            let (a, b) = (results.get(w, m, 0).median(), results.get(w, m, 1).median());
            map.insert(format!("{}_{key}_generated", w.name()), number(a));
            map.insert(format!("{}_{key}_handwritten", w.name()), number(b));
            map.insert(format!("{}_{key}_ratio", w.name()), number(results.ratio(w, m)));
        }
    }
    map.insert("requests".into(), args.requests.into());
    map.insert("concurrency".into(), args.concurrency.into());
    map.insert("rounds".into(), args.rounds.into());
    map.insert("samples".into(), args.samples.into());
    map.insert("failed_requests".into(), failed.into());
    map.insert("token_fetches".into(), token_fetches.into());
    serde_json::Value::Object(map).to_string()
}

// ------------------------------------------------------------------ main

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("runtime-bench: cannot start the tokio runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let started = Instant::now();
    let seeds = seeds();
    let generated_list = generated_jobs(&seeds);
    let hand_list = hand_jobs(&seeds);

    let token_fetches = Arc::new(AtomicUsize::new(0));
    let servers = async {
        let token_url = serve(token_router(token_fetches.clone())).await?;
        let generated_url =
            serve(emporix::server::router(GeneratedApi { jobs: generated_list.clone() }, ServerConfig::default()))
                .await?;
        let hand_url = serve(hand_router(HandState { jobs: hand_list.clone(), token: TOKEN.to_owned() })).await?;
        Ok::<_, std::io::Error>((token_url, generated_url, hand_url))
    };
    let (token_url, generated_url, hand_url) = match servers.await {
        Ok(urls) => urls,
        Err(e) => {
            eprintln!("runtime-bench: cannot listen on 127.0.0.1: {e}");
            return ExitCode::from(2);
        }
    };
    let clients = || -> Result<(Generated, Hand, reqwest::Client), String> {
        let credentials = job_apis::support::client::OAuth2ClientCredentials::new("runtime-bench", "secret")
            .token_url(format!("{token_url}/oauth/token"));
        let client = emporix::client::Client::builder()
            .base_url(&generated_url)
            .http_client(http_client().map_err(|e| e.to_string())?)
            .oauth2(credentials)
            .build()
            .map_err(|e| e.to_string())?;
        let hand = HandClient {
            http: http_client().map_err(|e| e.to_string())?,
            base_url: Arc::from(hand_url.as_str()),
            token: Arc::from(TOKEN),
        };
        Ok((
            Generated { client, expected: Arc::new(generated_list.clone()) },
            Hand { client: hand, expected: Arc::new(hand_list.clone()) },
            http_client().map_err(|e| e.to_string())?,
        ))
    };
    let (generated, hand, probe_client) = match clients() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("runtime-bench: cannot build the clients: {e}");
            return ExitCode::from(2);
        }
    };

    let (requests, concurrency) = (args.requests as usize, args.concurrency as usize);
    let mut tally = Tally::default();
    let list_bytes = preflight(&probe_client, &generated_url, &hand_url, &mut tally).await;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("runtime-bench: Emporix SEPA Export, generated pair (A) vs hand-written pair (B), loopback TCP");
    println!(
        "list: {JOB_COUNT} jobs, {list_bytes} bytes of JSON; create: 201 {{\"id\":...}}; one tokio runtime, {workers} workers"
    );
    println!(
        "per round and side: latency over {} sequential requests, throughput over {requests} requests at concurrency {concurrency} in {} alternating slices; {} rounds, medians over rounds",
        args.samples, args.slices.min(args.requests), args.rounds
    );

    let warmup = args.warmup as usize;
    if warmup > 0 {
        eprintln!("warming up ({warmup} concurrent + {} sequential requests per pair and workload)", warmup / 4);
        for w in args.workloads() {
            if args.measures(0) {
                tally.merge(throughput(&generated, w, warmup, concurrency).await.tally);
                tally.merge(latency(&generated, w, warmup / 4).await.1);
            }
            if args.measures(1) {
                tally.merge(throughput(&hand, w, warmup, concurrency).await.tally);
                tally.merge(latency(&hand, w, warmup / 4).await.1);
            }
        }
    }

    let slices = (args.slices as usize).min(requests);
    let mut results = Results::default();
    for round in 0..args.rounds {
        eprintln!("round {}/{}", round + 1, args.rounds);
        for w in args.workloads() {
            // Latency: one side then the other, the generated side first
            // on even rounds.
            for second in [false, true] {
                let side = usize::from((round % 2 == 0) == second);
                if !args.measures(side) {
                    continue;
                }
                let (value, outcome) = if side == 0 {
                    latency(&generated, w, args.samples as usize).await
                } else {
                    latency(&hand, w, args.samples as usize).await
                };
                tally.merge(outcome);
                if let Some(value) = value {
                    results.push(w, Metric::Latency, side, value);
                }
            }
            // Throughput: the requests in slices, alternating between the
            // sides (ABBA...), summed per side.
            let mut runs = [Run::new(), Run::new()];
            for slice in 0..slices {
                let count = requests * (slice + 1) / slices - requests * slice / slices;
                for second in [false, true] {
                    let side = usize::from((round + slice as u32).is_multiple_of(2) == second);
                    if !args.measures(side) {
                        continue;
                    }
                    runs[side].add(if side == 0 {
                        throughput(&generated, w, count, concurrency).await
                    } else {
                        throughput(&hand, w, count, concurrency).await
                    });
                }
            }
            let mut cpu = [None, None];
            for (side, run) in runs.into_iter().enumerate() {
                if let Some(rate) = run.rate() {
                    results.push(w, Metric::Throughput, side, rate);
                }
                cpu[side] = run.cpu_us();
                if let Some(cpu_us) = cpu[side] {
                    results.push(w, Metric::Cpu, side, cpu_us);
                }
                tally.merge(run.tally);
            }
            if let Some(r) = ratio(cpu[0], cpu[1]) {
                results.cpu_ratios[w as usize].0.push(r);
                if std::env::var_os("RB_TRACE").is_some() {
                    eprintln!("TRACE {} {:?} {r:.3}", w.name(), cpu);
                }
            }
        }
    }

    println!();
    print_table(&results);
    let fetches = token_fetches.load(Ordering::Relaxed);
    println!(
        "{} requests checked, {} failed; the generated client fetched {fetches} OAuth2 token(s) (one per scope set); {:.1} s",
        tally.ok + tally.failed,
        tally.failed,
        started.elapsed().as_secs_f64()
    );
    for e in &tally.errors {
        println!("error: {e}");
    }
    if args.json {
        println!("runtime: {}", json_line(&results, &args, tally.failed, fetches));
    }
    if tally.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
