//! Servers of the `limits` and `server_rules` cases that the hardening
//! tests and `hardening-bench` attack alike.

use crate::{limits, server_rules};
use job_apis::support::server::{Authenticate, Credential, Grant};
use std::time::Duration;

/// `limits`: the bearer token `good` is let in; `GET /things/slow`
/// answers after 1.5 s.
#[derive(Clone, Default)]
pub struct Limits;

impl Authenticate for Limits {
    type Principal = String;
    async fn authenticate(&self, _scheme: &str, credential: Credential) -> Option<Grant<String>> {
        matches!(credential, Credential::Bearer(ref t) if t == "good")
            .then(|| Grant { principal: "tester".into(), scopes: Vec::new() })
    }
}

impl limits::server::Api for Limits {
    async fn post_open(&self, _body: limits::models::Open, _: Option<String>) -> limits::operations::PostOpenResponse {
        limits::operations::PostOpenResponse::NoContent
    }
    async fn upload(&self, _body: Vec<u8>, _: Option<String>) -> limits::operations::UploadResponse {
        limits::operations::UploadResponse::NoContent
    }
    async fn post_secure(
        &self,
        body: limits::models::Open,
        _: Option<String>,
    ) -> limits::operations::PostSecureResponse {
        limits::operations::PostSecureResponse::Ok(body)
    }
    async fn get_thing(
        &self,
        id: String,
        params: limits::operations::GetThingParams,
        _: Option<String>,
    ) -> limits::operations::GetThingResponse {
        if id == "slow" {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        let p = params;
        limits::operations::GetThingResponse::Ok(limits::models::Thing {
            id,
            q: p.q,
            ids: p.ids,
            one: p.x_one,
            many: p.x_many,
            c: p.c,
        })
    }
}

/// `server_rules`: every credential is let in with the `items.write` scope.
#[derive(Clone)]
pub struct Rules;

impl Authenticate for Rules {
    type Principal = ();
    async fn authenticate(&self, _: &str, _: Credential) -> Option<Grant<()>> {
        Some(Grant { principal: (), scopes: vec!["items.write".into()] })
    }
}

impl server_rules::server::Api for Rules {
    async fn put_item(
        &self,
        _: String,
        _: uuid::Uuid,
        _: server_rules::operations::PutItemParams,
        body: server_rules::models::Item,
        _: Option<()>,
    ) -> server_rules::operations::PutItemResponse {
        server_rules::operations::PutItemResponse::Ok(body)
    }
    async fn either(&self, _: Option<()>) -> server_rules::operations::EitherResponse {
        server_rules::operations::EitherResponse::NoContent
    }
    async fn both(&self, _: Option<()>) -> server_rules::operations::BothResponse {
        server_rules::operations::BothResponse::NoContent
    }
}
