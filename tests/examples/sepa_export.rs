//! Create a SEPA export job with Emporix, then poll it until it is finished.
//!
//! ```sh
//! EMPORIX_CLIENT_ID=... EMPORIX_CLIENT_SECRET=... EMPORIX_TENANT=my-tenant \
//!     cargo run -p tests --example sepa_export
//! ```
//!
//! `EMPORIX_BASE_URL` points it elsewhere (a local fake, a staging host).

use job_apis::emporix_sepa_export::client::Client;
use job_apis::emporix_sepa_export::models::CreateJob;
use job_apis::emporix_sepa_export::operations::{
    GetSepaExportListJobsParams, GetSepaExportListJobsResponse, PostSepaExportCreateJobResponse,
};
use job_apis::support::client::OAuth2ClientCredentials;
use std::time::Duration;

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = OAuth2ClientCredentials::new(env("EMPORIX_CLIENT_ID")?, env("EMPORIX_CLIENT_SECRET")?);
    let mut builder = Client::builder().oauth2(credentials);
    if let Ok(url) = std::env::var("EMPORIX_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    let tenant = env("EMPORIX_TENANT")?;
    let site = std::env::var("EMPORIX_SITE").unwrap_or_else(|_| "main".into());

    let job_id = match client.post_sepa_export_create_job(&tenant, &CreateJob { site_code: site.clone() }).await? {
        PostSepaExportCreateJobResponse::Created(job) => job.id,
        PostSepaExportCreateJobResponse::Conflict(busy) => return Err(format!("busy: {}", busy.message).into()),
        other => return Err(format!("could not create the job: {other:?}").into()),
    };
    println!("created job {job_id}");

    loop {
        let params = GetSepaExportListJobsParams { page_size: Some(50), ..Default::default() };
        let jobs = match client.get_sepa_export_list_jobs(&tenant, &site, params).await? {
            GetSepaExportListJobsResponse::Ok(jobs) => jobs,
            other => return Err(format!("could not list jobs: {other:?}").into()),
        };
        let job = jobs.iter().find(|j| j.job_id.as_deref() == Some(job_id.as_str()));
        match job {
            Some(job) if job.completed_at.is_some() || job.active == Some(false) => {
                println!(
                    "job {job_id} finished: status {}, {} orders exported, file {}",
                    job.status.as_deref().unwrap_or("unknown"),
                    job.orders_exported_count.unwrap_or(0),
                    job.file_id.as_deref().unwrap_or("none"),
                );
                return Ok(());
            }
            Some(job) => println!("job {job_id}: {}", job.status.as_deref().unwrap_or("pending")),
            None => println!("job {job_id} not listed yet"),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
