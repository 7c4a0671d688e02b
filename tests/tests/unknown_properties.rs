//! Unknown properties, in the `unknown_properties` case generated with
//! `keep_unknown_properties`: what an open schema admits but does not name
//! is kept through decode and encode, on the client and on the server; a
//! closed schema (`additionalProperties: false`) still keeps nothing. And
//! the server's check of a tagged union, which the case's `Shape` is.

use job_apis::support::server::{Authenticate, ServerConfig};
use serde_json::{json, Value};
use tests::unknown_properties::{client, models, operations as ops, server};

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &Value) -> Value {
    let decoded: T = serde_json::from_value(value.clone()).expect("decode");
    serde_json::to_value(decoded).expect("encode")
}

#[test]
fn unnamed_properties_of_an_open_object_are_kept_and_written_back() {
    let sent = json!({
        "id": "n1",
        "color": "red",
        "nested": {"x": [1, 2.5, null], "y": {"z": true}},
        "additional_properties": "a property of that name",
        "archived": null,
        "tags": [{"label": "a", "count": 3}],
    });
    let note: models::Note = serde_json::from_value(sent.clone()).expect("decode");
    assert_eq!(note.additional_properties.get("color"), Some(&json!("red")));
    assert_eq!(note.additional_properties.len(), 2, "named properties stay in their fields: {note:?}");
    assert_eq!(note.additional_properties_2.as_deref(), Some("a property of that name"));
    assert_eq!(note.archived, Some(None), "an explicit null stays distinct from absent");
    assert_eq!(note.tags.as_ref().map(|t| t[0].additional_properties.get("count")), Some(Some(&3)));
    assert_eq!(serde_json::to_value(&note).expect("encode"), sent);
}

#[test]
fn a_closed_object_keeps_nothing_it_does_not_name() {
    let author: models::Author = serde_json::from_value(json!({"name": "ann", "extra": 1})).expect("decode");
    assert_eq!(serde_json::to_value(author).expect("encode"), json!({"name": "ann"}));
}

#[test]
fn union_variants_keep_their_unnamed_properties() {
    let circle = json!({"kind": "Circle", "radius": 2.5, "fill": "blue"});
    assert_eq!(round_trip::<models::Shape>(&circle), circle);
    let other = json!({"kind": "Hexagon", "side": 1.5});
    assert_eq!(round_trip::<models::Shape>(&other), other, "an unknown tag is kept whole");
}

#[derive(Clone, Default)]
struct Notes;

impl Authenticate for Notes {
    type Principal = ();
}

impl server::Api for Notes {
    async fn put_note(&self, body: models::Note, _: Option<()>) -> ops::PutNoteResponse {
        ops::PutNoteResponse::Ok(body)
    }
    async fn post_shape(&self, _: models::Shape, _: Option<()>) -> ops::PostShapeResponse {
        ops::PostShapeResponse::NoContent
    }
}

/// Serves `Notes` on loopback; its address.
async fn serve() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, server::router(Notes, ServerConfig::default())).await;
    });
    addr
}

/// Through the generated server and client: the handler sees what was sent
/// beyond the schema, and the client reads it back.
#[tokio::test]
async fn unnamed_properties_travel_through_server_and_client() {
    let addr = serve().await;
    let api = client::Client::builder().base_url(format!("http://{addr}")).build().expect("client");
    let mut note: models::Note = serde_json::from_value(json!({"id": "n2"})).expect("decode");
    note.additional_properties.insert("revision".into(), json!(7));
    let ops::PutNoteResponse::Ok(stored) = api.put_note(&note).await.expect("put");
    assert_eq!(stored.additional_properties.get("revision"), Some(&json!(7)));
    assert_eq!(stored, note);

    // The server still refuses what a closed schema forbids.
    let refused = reqwest::Client::new()
        .put(format!("http://{addr}/notes"))
        .json(&json!({"id": "n3", "author": {"name": "ann", "extra": 1}}))
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status(), 400);
    let problem: Value = refused.json().await.expect("problem");
    assert!(problem.to_string().contains("/author"), "{problem}");
}

/// The server refuses what a discriminator forbids, with a pointer to the
/// tag: no tag, a tag the spec does not list, a tag that is not a string,
/// and a known tag whose object fails that variant's schema. The client
/// (the models) keeps an unknown tag as data.
#[tokio::test]
async fn the_server_checks_a_tagged_union_by_its_tag() {
    let addr = serve().await;
    let http = reqwest::Client::new();
    let post = |body: Value| http.post(format!("http://{addr}/shapes")).json(&body).send();
    assert_eq!(post(json!({"kind": "Circle", "radius": 1.5})).await.expect("send").status(), 204);
    for (body, message) in [
        (json!({"radius": 1.5}), "is required"),
        (json!({"kind": "Hexagon", "side": 1}), "must be one of: Circle, Square"),
        (json!({"kind": 7}), "must be a string"),
        (json!({"kind": "Circle", "radius": "big"}), "must be a number"),
    ] {
        let response = post(body.clone()).await.expect("send");
        assert_eq!(response.status(), 400, "{body}");
        let problem: Value = response.json().await.expect("problem");
        let text = problem.to_string();
        assert!(text.contains(message), "{body}: {text}");
        let pointer = if message == "must be a number" { "/radius" } else { "/kind" };
        assert!(text.contains(pointer), "{body}: {text}");
    }
    let kept: models::Shape = serde_json::from_value(json!({"kind": "Hexagon"})).expect("the client keeps it");
    assert!(matches!(kept, models::Shape::Other(_)));
}
