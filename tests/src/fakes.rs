//! In-memory fakes of the five job APIs, built on the generated server
//! stubs: they serve the specs' examples and keep the jobs clients create.
//! Any non-empty credential is accepted and granted every scope, so a fake
//! is easy to develop against; the generated router still enforces that a
//! credential is present and every request is valid.

use job_apis::support::server::{Authenticate, Credential, Grant, Problem, ServerConfig};
use job_apis::{akeneo_sdm, basiq, elastic_path, emporix_sepa_export as emporix, gormic_bi};
use serde::de::DeserializeOwned;
use std::sync::Mutex;

/// The examples of one spec, by the end of their JSON pointer.
pub struct Examples(Vec<generator::ir::Example>);

impl Examples {
    fn load(source: &str, text: &str) -> Self {
        let api = generator::load(&generator::SpecInput::new(source, text)).unwrap_or_else(|e| panic!("{e}"));
        Examples(api.examples)
    }

    /// The example whose pointer ends with `suffix`, typed.
    pub fn get<T: DeserializeOwned>(&self, suffix: &str) -> T {
        let example =
            self.0.iter().find(|e| e.pointer.ends_with(suffix)).unwrap_or_else(|| panic!("no example at …{suffix}"));
        serde_json::from_value(example.value.clone()).unwrap_or_else(|e| panic!("example …{suffix}: {e}"))
    }
}

/// Every scope any of the five specs defines.
const ALL_SCOPES: &[&str] = &["sepaexport.job_view", "sepaexport.job_manage", "sepaexport.media_view"];

/// Accepts any non-empty credential, with every scope.
fn grant_any(credential: Credential) -> Option<Grant<String>> {
    let who = match credential {
        Credential::Bearer(token) | Credential::ApiKey(token) => token,
        Credential::Basic { username, .. } => username,
    };
    (!who.is_empty()).then(|| Grant { principal: who, scopes: ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect() })
}

macro_rules! accept_any_credential {
    ($($fake:ty),*) => {$(
        impl Authenticate for $fake {
            type Principal = String;
            async fn authenticate(&self, _scheme: &str, credential: Credential) -> Option<Grant<String>> {
                grant_any(credential)
            }
        }
    )*};
}

accept_any_credential!(Emporix, Basiq, ElasticPath, Akeneo, Gormic);

/// A refused request rendered in the API's own documented error format
/// (`application/json`), keeping the problem's status and headers.
fn documented_problem(problem: &Problem, body: &impl serde::Serialize) -> axum::response::Response {
    let status = axum::http::StatusCode::from_u16(problem.status).unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    let mut response =
        axum::response::IntoResponse::into_response((status, serde_json::to_string(body).unwrap_or_default()));
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    for (name, value) in &problem.headers {
        if let Ok(value) = axum::http::HeaderValue::from_str(value) {
            headers.append(name.clone(), value);
        }
    }
    response
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------- Emporix

/// Emporix SEPA Export: one job may run at a time; a running job finishes
/// the next time the list is read.
pub struct Emporix {
    jobs: Mutex<Vec<emporix::models::JobDetails>>,
    next_id: Mutex<u64>,
}

impl Emporix {
    pub fn new() -> Self {
        let examples =
            Examples::load("specs/emporix-sepa-export.json", include_str!("../../specs/emporix-sepa-export.json"));
        let mut jobs: Vec<emporix::models::JobDetails> =
            examples.get("/get/responses/200/content/application~1json/example");
        // The example's running job has long finished by the time the fake starts.
        for job in jobs.iter_mut().filter(|j| j.active == Some(true)) {
            job.active = Some(false);
            job.status = Some("COMPLETED".into());
        }
        Emporix { jobs: Mutex::new(jobs), next_id: Mutex::new(1) }
    }
}

impl Default for Emporix {
    fn default() -> Self {
        Self::new()
    }
}

impl emporix::server::Api for Emporix {
    async fn get_sepa_export_list_jobs(
        &self,
        _tenant: String,
        site_code: String,
        params: emporix::operations::GetSepaExportListJobsParams,
        _principal: Option<String>,
    ) -> emporix::operations::GetSepaExportListJobsResponse {
        let mut jobs = lock(&self.jobs);
        for job in jobs.iter_mut().filter(|j| j.active == Some(true)) {
            job.active = Some(false);
            job.status = Some("COMPLETED".into());
            job.completed_at = Some(chrono::Utc::now().fixed_offset());
            job.orders_exported_count = Some(job.orders_exported_count.unwrap_or(0) + 1);
        }
        let mut listed: Vec<_> =
            jobs.iter().filter(|j| j.site_code.as_deref().is_none_or(|s| s == site_code)).cloned().collect();
        if params.sort.as_ref().is_none_or(|s| s.as_str() == "DESC") {
            listed.reverse();
        }
        let size = params.page_size.unwrap_or(16).max(1) as usize;
        let page = params.page_number.unwrap_or(1).max(1) as usize;
        let page_items = listed.into_iter().skip((page - 1) * size).take(size).collect();
        emporix::operations::GetSepaExportListJobsResponse::Ok(page_items)
    }

    async fn post_sepa_export_create_job(
        &self,
        _tenant: String,
        body: emporix::models::CreateJob,
        _principal: Option<String>,
    ) -> emporix::operations::PostSepaExportCreateJobResponse {
        let mut jobs = lock(&self.jobs);
        if jobs.iter().any(|j| j.active == Some(true)) {
            return emporix::operations::PostSepaExportCreateJobResponse::Conflict(emporix::models::ResponseMessage {
                message: "Another job is in progress. You can have only one job at the same time.".into(),
            });
        }
        let mut next = lock(&self.next_id);
        let id = format!("fake-job-{}", *next);
        *next += 1;
        jobs.push(emporix::models::JobDetails {
            job_id: Some(id.clone()),
            status: Some("IN_PROGRESS".into()),
            site_code: Some(body.site_code),
            file_id: Some(format!("{id}.xml")),
            active: Some(true),
            orders_exported_count: Some(0),
            created_at: Some(chrono::Utc::now().fixed_offset()),
            completed_at: None,
        });
        emporix::operations::PostSepaExportCreateJobResponse::Created(emporix::models::JobId { id })
    }

    /// Errors in the shapes Emporix documents for 400, 401 and 403.
    fn problem(&self, problem: Problem) -> axum::response::Response {
        use emporix::models as m;
        match problem.status {
            400 => {
                let errors = problem
                    .errors
                    .iter()
                    .map(|e| m::BadRequest400EmbeddedErrorsItem {
                        message: Some(e.detail.clone()),
                        path: Some(e.pointer.clone()),
                    })
                    .collect();
                let body = m::BadRequest400 {
                    message: Some(problem.detail.clone()),
                    embedded: Some(m::BadRequest400Embedded { errors: Some(errors) }),
                };
                documented_problem(&problem, &body)
            }
            401 => {
                let fault = m::Unauthorized401Fault { faultstring: Some(problem.detail.clone()), detail: None };
                documented_problem(&problem, &m::Unauthorized401 { fault: Some(fault) })
            }
            403 => {
                let body = m::ErrorMessage {
                    code: 403,
                    status: "Forbidden".into(),
                    message: problem.detail.clone(),
                    details: None,
                    resource_id: None,
                };
                documented_problem(&problem, &body)
            }
            _ => axum::response::IntoResponse::into_response(problem),
        }
    }
}

// ---------------------------------------------------------------- Basiq

/// Basiq: the example jobs by id; other ids are 404.
pub struct Basiq {
    examples: Examples,
}

impl Basiq {
    pub fn new() -> Self {
        Basiq { examples: Examples::load("specs/basiq.yaml", include_str!("../../specs/basiq.yaml")) }
    }
}

impl Default for Basiq {
    fn default() -> Self {
        Self::new()
    }
}

impl basiq::server::Api for Basiq {
    async fn get_jobs(&self, job_id: String, _principal: Option<String>) -> basiq::operations::GetJobsResponse {
        for name in ["inProgress", "failed"] {
            let job: basiq::models::JobData = self.examples.get(&format!("/examples/{name}/value"));
            if job.id == job_id {
                return basiq::operations::GetJobsResponse::Ok(job);
            }
        }
        basiq::operations::GetJobsResponse::NotFound(
            self.examples.get("/components/responses/NotFound/content/application~1json/example"),
        )
    }

    async fn get_user_jobs(
        &self,
        _user_id: String,
        _params: basiq::operations::GetUserJobsParams,
        _principal: Option<String>,
    ) -> basiq::operations::GetUserJobsResponse {
        basiq::operations::GetUserJobsResponse::Ok(
            self.examples.get("~1jobs/get/responses/200/content/application~1json/example"),
        )
    }

    /// Errors in Basiq's documented error list.
    fn problem(&self, problem: Problem) -> axum::response::Response {
        use basiq::models as m;
        if !matches!(problem.status, 400 | 403 | 404) {
            return axum::response::IntoResponse::into_response(problem);
        }
        let item = |detail: &str, parameter: Option<&str>| m::ErrorItem {
            type_: "error".into(),
            code: "parameter-not-valid".into(),
            title: problem.title.clone(),
            detail: detail.to_owned(),
            source: parameter.map(|p| m::ErrorSource { parameter: Some(p.to_owned()) }),
        };
        let mut data: Vec<m::ErrorItem> = problem.errors.iter().map(|e| item(&e.detail, Some(&e.pointer))).collect();
        if data.is_empty() {
            data.push(item(&problem.detail, None));
        }
        documented_problem(&problem, &m::ErrorList { type_: "list".into(), correlation_id: "fake".into(), data })
    }
}

// ---------------------------------------------------------------- Elastic Path

/// Elastic Path: the example jobs by id; other ids are 404.
pub struct ElasticPath {
    examples: Examples,
}

impl ElasticPath {
    pub fn new() -> Self {
        ElasticPath {
            examples: Examples::load("specs/elastic-path.yaml", include_str!("../../specs/elastic-path.yaml")),
        }
    }
}

impl Default for ElasticPath {
    fn default() -> Self {
        Self::new()
    }
}

impl elastic_path::server::Api for ElasticPath {
    async fn get_job(&self, job_id: String, _principal: Option<String>) -> elastic_path::operations::GetJobResponse {
        for name in ["from-schema", "default"] {
            let job: elastic_path::models::JobResponse =
                self.examples.get(&format!("/200/content/application~1json/examples/{name}/value"));
            if job.data.as_ref().is_some_and(|d| d.id.to_string() == job_id) {
                return elastic_path::operations::GetJobResponse::Ok(job);
            }
        }
        elastic_path::operations::GetJobResponse::NotFound(self.examples.get("/404/content/application~1json/example"))
    }
}

// ---------------------------------------------------------------- Akeneo

/// Akeneo SDM: the example jobs (listed, fetched by id) and the example data.
pub struct Akeneo {
    examples: Examples,
}

impl Akeneo {
    pub fn new() -> Self {
        Akeneo { examples: Examples::load("specs/akeneo-sdm.yaml", include_str!("../../specs/akeneo-sdm.yaml")) }
    }

    fn jobs(&self) -> Vec<akeneo_sdm::models::Job> {
        ["done", "error"].iter().map(|n| self.examples.get(&format!("/examples/{n}/value"))).collect()
    }

    fn not_found(&self) -> akeneo_sdm::models::Error {
        self.examples.get("/components/responses/NotFound/content/application~1json/example")
    }
}

impl Default for Akeneo {
    fn default() -> Self {
        Self::new()
    }
}

impl akeneo_sdm::server::Api for Akeneo {
    async fn list_jobs(
        &self,
        params: akeneo_sdm::operations::ListJobsParams,
        _principal: Option<String>,
    ) -> akeneo_sdm::operations::ListJobsResponse {
        let mut list: akeneo_sdm::models::JobList =
            self.examples.get("~1jobs~1/get/responses/200/content/application~1json/example");
        if let Some(status) = &params.status {
            list.results.retain(|j| &j.status == status);
            list.count = list.results.len() as i64;
        }
        akeneo_sdm::operations::ListJobsResponse::Ok(list)
    }

    async fn get_job(&self, job_id: uuid::Uuid, _principal: Option<String>) -> akeneo_sdm::operations::GetJobResponse {
        match self.jobs().into_iter().find(|j| j.id == Some(job_id)) {
            Some(job) => akeneo_sdm::operations::GetJobResponse::Ok(job),
            None => akeneo_sdm::operations::GetJobResponse::NotFound(self.not_found()),
        }
    }

    async fn get_job_data(
        &self,
        job_id: uuid::Uuid,
        _output_format_id: String,
        _principal: Option<String>,
    ) -> akeneo_sdm::operations::GetJobDataResponse {
        if self.jobs().iter().any(|j| j.id == Some(job_id)) {
            akeneo_sdm::operations::GetJobDataResponse::Ok(
                self.examples.get("~1data~1{output_format_id}~1/get/responses/200/content/application~1json/example"),
            )
        } else {
            akeneo_sdm::operations::GetJobDataResponse::NotFound(self.not_found())
        }
    }
}

// ---------------------------------------------------------------- Gormic

/// Gormic BI: submitted jobs are kept and complete when first read.
pub struct Gormic {
    examples: Examples,
    submitted: Mutex<Vec<String>>,
}

impl Gormic {
    pub fn new() -> Self {
        Gormic {
            examples: Examples::load("specs/gormic-bi.yaml", include_str!("../../specs/gormic-bi.yaml")),
            submitted: Mutex::new(Vec::new()),
        }
    }
}

impl Default for Gormic {
    fn default() -> Self {
        Self::new()
    }
}

impl gormic_bi::server::Api for Gormic {
    async fn jobs_get(
        &self,
        uid: String,
        _organization_id: String,
        _principal: Option<String>,
    ) -> gormic_bi::operations::JobsGetResponse {
        // The spec documents only 200: an unknown id is reported as a
        // pending job rather than with an undocumented status.
        let known = lock(&self.submitted).contains(&uid);
        let mut response: gormic_bi::models::GetJobApiResponse =
            self.examples.get(if known { "/examples/completed/value" } else { "/examples/pending/value" });
        response.data.job.id = uid;
        gormic_bi::operations::JobsGetResponse::Ok(response)
    }

    async fn jobs_submit(
        &self,
        _organization_id: String,
        _body: gormic_bi::models::SubmitJobApiRequest,
        _principal: Option<String>,
    ) -> gormic_bi::operations::JobsSubmitResponse {
        let mut submitted = lock(&self.submitted);
        let id = format!("fake-job-{}", submitted.len() + 1);
        submitted.push(id.clone());
        let mut response: gormic_bi::models::SubmitJobApiResponse =
            self.examples.get("/post/responses/200/content/application~1json/example");
        response.data.job_id = id;
        gormic_bi::operations::JobsSubmitResponse::Ok(response)
    }
}

/// The router of the named fake (`emporix`, `basiq`, `elastic-path`,
/// `akeneo`, `gormic`).
pub fn router(name: &str) -> Option<axum::Router> {
    let config = ServerConfig::default();
    Some(match name {
        "emporix" => emporix::server::router(Emporix::new(), config),
        "basiq" => basiq::server::router(Basiq::new(), config),
        "elastic-path" => elastic_path::server::router(ElasticPath::new(), config),
        "akeneo" => akeneo_sdm::server::router(Akeneo::new(), config),
        "gormic" => gormic_bi::server::router(Gormic::new(), config),
        _ => return None,
    })
}

/// The names [`router`] knows.
pub const NAMES: &[&str] = &["emporix", "basiq", "elastic-path", "akeneo", "gormic"];
