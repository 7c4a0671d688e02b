//! Every `example` in the five job API specs (and in the multi-file and
//! Swagger 2.0 cases) deserializes into the type the
//! generator gave its node and serializes back to the same JSON.
//!
//! "Same" is exact, except that two RFC 3339 timestamps denoting the same
//! instant are equal: chrono writes fractional seconds in groups of three
//! digits (`.12Z` comes back as `.120Z`).

use job_apis::*;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use tests::spec;

type Check = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| format!("deserialize: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("serialize: {e}"))
}

/// The Rust type of each example's node, as the IR names it, per module.
fn table() -> Vec<(&'static str, &'static str, Check)> {
    vec![
        ("akeneo_sdm", "JobList", round_trip::<akeneo_sdm::models::JobList>),
        ("akeneo_sdm", "Error", round_trip::<akeneo_sdm::models::Error>),
        ("akeneo_sdm", "Job", round_trip::<akeneo_sdm::models::Job>),
        ("akeneo_sdm", "Vec<JobDataRow>", round_trip::<Vec<akeneo_sdm::models::JobDataRow>>),
        ("basiq", "JobData", round_trip::<basiq::models::JobData>),
        ("basiq", "ErrorList", round_trip::<basiq::models::ErrorList>),
        ("basiq", "JobsResponseResource", round_trip::<basiq::models::JobsResponseResource>),
        ("elastic_path", "JobResponse", round_trip::<elastic_path::models::JobResponse>),
        ("elastic_path", "ErrorResponse", round_trip::<elastic_path::models::ErrorResponse>),
        ("emporix_sepa_export", "Vec<JobDetails>", round_trip::<Vec<emporix_sepa_export::models::JobDetails>>),
        ("emporix_sepa_export", "BadRequest400", round_trip::<emporix_sepa_export::models::BadRequest400>),
        ("emporix_sepa_export", "Unauthorized401", round_trip::<emporix_sepa_export::models::Unauthorized401>),
        ("emporix_sepa_export", "ErrorMessage", round_trip::<emporix_sepa_export::models::ErrorMessage>),
        ("emporix_sepa_export", "CreateJob", round_trip::<emporix_sepa_export::models::CreateJob>),
        ("emporix_sepa_export", "JobId", round_trip::<emporix_sepa_export::models::JobId>),
        ("emporix_sepa_export", "ResponseMessage", round_trip::<emporix_sepa_export::models::ResponseMessage>),
        ("gormic_bi", "GetJobApiResponse", round_trip::<gormic_bi::models::GetJobApiResponse>),
        ("gormic_bi", "SubmitJobApiRequest", round_trip::<gormic_bi::models::SubmitJobApiRequest>),
        ("gormic_bi", "SubmitJobApiResponse", round_trip::<gormic_bi::models::SubmitJobApiResponse>),
        ("gormic_bi", "SubmitJobApiError", round_trip::<gormic_bi::models::SubmitJobApiError>),
        ("multi_file", "Error", round_trip::<tests::multi_file::models::Error>),
        ("multi_file", "Error2", round_trip::<tests::multi_file::models::Error2>),
        ("multi_file", "Pet", round_trip::<tests::multi_file::models::Pet>),
        ("multi_file", "Owner", round_trip::<tests::multi_file::models::Owner>),
        ("swagger2", "Pet", round_trip::<tests::swagger2::models::Pet>),
        ("swagger2", "Vec<Pet>", round_trip::<Vec<tests::swagger2::models::Pet>>),
    ]
}

/// Renders an IR type the way the table spells it.
fn type_text(ty: &generator::ir::TypeRef) -> String {
    use generator::ir::TypeRef as T;
    match ty {
        T::Named(n) => n.clone(),
        T::Vec(inner) => format!("Vec<{}>", type_text(inner)),
        T::Option(inner) => format!("Option<{}>", type_text(inner)),
        other => format!("{other:?}"),
    }
}

/// Timestamps compare by instant and offset, whatever digits their fraction
/// is spelled with (`Z` and `+00:00` are the same offset); everything else
/// exactly.
fn normalize(value: &Value) -> Value {
    match value {
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)),
            Err(_) => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect()),
        other => other.clone(),
    }
}

#[test]
fn every_example_round_trips() {
    let table = table();
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in [
        "specs/akeneo-sdm.yaml",
        "specs/basiq.yaml",
        "specs/elastic-path.yaml",
        "specs/emporix-sepa-export.json",
        "specs/gormic-bi.yaml",
        // A spec over several files, and a Swagger 2.0 document.
        "tests/cases/multi_file.yaml",
        "tests/cases/swagger2.yaml",
    ] {
        let api = generator::load(&spec(file)).unwrap_or_else(|e| panic!("{e}"));
        assert!(!api.examples.is_empty(), "{file} has no examples");
        for example in &api.examples {
            let ty = type_text(&example.ty);
            let Some((_, _, check)) = table.iter().find(|(m, t, _)| *m == api.module && *t == ty) else {
                failures.push(format!(
                    "{file}#{}: no round-trip entry for type `{ty}`: add it to the table",
                    example.pointer
                ));
                continue;
            };
            checked += 1;
            match check(&example.value) {
                Ok(back) if normalize(&back) == normalize(&example.value) => {}
                Ok(back) => failures.push(format!(
                    "{file}#{}: round trip changed the JSON\n  before: {}\n  after:  {}",
                    example.pointer, example.value, back
                )),
                Err(e) => failures.push(format!("{file}#{}: {e}", example.pointer)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 25, "only {checked} examples checked");
}

/// A step code Basiq adds after this crate was generated decodes into the
/// fallback variant and is written back unchanged.
#[test]
fn unknown_enum_values_round_trip() {
    use basiq::models::JobStepFailureCode as Code;
    let known: Code = serde_json::from_value(Value::from("job-timed-out")).expect("known code");
    assert_eq!(known, Code::JobTimedOut);
    let new: Code = serde_json::from_value(Value::from("brand-new-code")).expect("unknown code decodes");
    assert_eq!(new, Code::Unknown("brand-new-code".into()));
    assert_eq!(serde_json::to_value(&new).expect("serialize"), Value::from("brand-new-code"));
    assert_eq!(new.as_str(), "brand-new-code");
    assert_eq!("job-timed-out".parse::<Code>(), Ok(Code::JobTimedOut));
    assert!(Code::VALUES.len() > 20);
    for (wire, variant) in Code::VALUES {
        assert_eq!(Code::from(*wire), *variant, "{wire} is found in the table");
        assert_eq!(variant.as_str(), *wire);
    }
}

/// The decision on malformed timestamps: a `date-time` that is not RFC 3339
/// fails the deserialization of the whole body with an error naming where
/// it is (the client keeps the raw body in its error); it never panics and
/// never becomes a silently wrong value.
#[test]
fn malformed_timestamp_is_an_error_not_a_panic() {
    use emporix_sepa_export::models::JobDetails;
    let body = r#"{"jobId": "j1", "createdAt": "yesterday at noon"}"#;
    let err = serde_json::from_str::<JobDetails>(body).expect_err("malformed timestamp must not decode");
    assert!(err.is_data(), "{err}");
    assert_eq!(err.line(), 1);
    assert!(err.column() >= body.find("yesterday").unwrap_or(0), "{err}");
    let ok: JobDetails =
        serde_json::from_str(r#"{"createdAt": "2024-01-02T03:04:05+02:00"}"#).expect("offset timestamps decode");
    // The offset the sender wrote is kept, not converted to UTC.
    assert_eq!(ok.created_at.map(|t| t.to_rfc3339()), Some("2024-01-02T03:04:05+02:00".to_owned()));
}

/// Absent and `null` stay distinct for optional nullable properties.
#[test]
fn absent_and_null_stay_distinct() {
    use akeneo_sdm::models::JobList;
    let with_null: JobList = serde_json::from_str(r#"{"count": 0, "results": [], "previous": null}"#).expect("decode");
    assert_eq!(with_null.previous, Some(None));
    assert_eq!(with_null.next, None);
    let back = serde_json::to_value(&with_null).expect("encode");
    assert_eq!(back, serde_json::json!({"count": 0, "results": [], "previous": null}));
}
