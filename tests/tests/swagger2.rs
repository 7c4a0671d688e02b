//! Swagger 2.0 end to end: the description of petstore.swagger.io (a real
//! 2.0 document, `tests/swagger2/petstore.json`) generated into a server and
//! a client, the server implemented in memory and served on loopback, and
//! every operation called through the client. What the conversion must get
//! right shows on the wire: `collectionFormat: multi` and `csv` arrays,
//! `formData` as a URL-encoded form and as multipart, a `body` parameter, a
//! header parameter, response headers, the API key and the OAuth2 implicit
//! flow's bearer token, and `host`/`basePath` as the default server.

use job_apis::support::server::{Authenticate, Credential, Grant, ServerConfig};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tests::petstore::{client, models, operations as ops, server};

#[derive(Clone, Default)]
struct Store {
    pets: Arc<Mutex<BTreeMap<i64, models::Pet>>>,
    orders: Arc<Mutex<BTreeMap<i64, models::Order>>>,
    users: Arc<Mutex<BTreeMap<String, models::User>>>,
    /// What the server saw that the typed arguments do not show.
    seen: Arc<Mutex<Vec<String>>>,
}

impl Store {
    fn saw(&self, what: String) {
        self.seen.lock().expect("lock").push(what);
    }
}

impl Authenticate for Store {
    type Principal = String;
    async fn authenticate(&self, scheme: &str, credential: Credential) -> Option<Grant<String>> {
        match (scheme, credential) {
            ("petstore_auth", Credential::Bearer(token)) if token == "implicit-token" => {
                Some(Grant { principal: "oauth".into(), scopes: vec!["read:pets".into(), "write:pets".into()] })
            }
            ("api_key", Credential::ApiKey(key)) if key == "special-key" => {
                Some(Grant { principal: "key".into(), scopes: Vec::new() })
            }
            _ => None,
        }
    }
}

impl server::Api for Store {
    async fn update_pet(&self, body: models::Pet, _: Option<String>) -> ops::UpdatePetResponse {
        let Some(id) = body.id else { return ops::UpdatePetResponse::BadRequest };
        let mut pets = self.pets.lock().expect("lock");
        match pets.get_mut(&id) {
            Some(pet) => {
                *pet = body;
                ops::UpdatePetResponse::BadRequest
            }
            None => ops::UpdatePetResponse::NotFound,
        }
    }
    async fn add_pet(&self, body: models::Pet, principal: Option<String>) -> ops::AddPetResponse {
        self.saw(format!("add_pet by {principal:?}"));
        if let Some(id) = body.id {
            self.pets.lock().expect("lock").insert(id, body);
        }
        // The spec documents no success for this operation, only 405.
        ops::AddPetResponse::MethodNotAllowed
    }
    async fn find_pets_by_status(
        &self,
        status: Vec<models::FindPetsByStatusStatusItem>,
        _: Option<String>,
    ) -> ops::FindPetsByStatusResponse {
        let wanted: Vec<String> = status.iter().map(|s| s.as_str().to_owned()).collect();
        self.saw(format!("status {wanted:?}"));
        let pets = self.pets.lock().expect("lock");
        let found = pets
            .values()
            .filter(|p| p.status.as_ref().is_some_and(|s| wanted.iter().any(|w| w == s.as_str())))
            .cloned()
            .collect();
        ops::FindPetsByStatusResponse::Ok(found)
    }
    async fn find_pets_by_tags(&self, tags: Vec<String>, _: Option<String>) -> ops::FindPetsByTagsResponse {
        self.saw(format!("tags {tags:?}"));
        let pets = self.pets.lock().expect("lock");
        let found = pets
            .values()
            .filter(|p| p.tags.iter().flatten().any(|t| t.name.as_ref().is_some_and(|n| tags.contains(n))))
            .cloned()
            .collect();
        ops::FindPetsByTagsResponse::Ok(found)
    }
    async fn get_pet_by_id(&self, pet_id: i64, _: Option<String>) -> ops::GetPetByIdResponse {
        match self.pets.lock().expect("lock").get(&pet_id) {
            Some(pet) => ops::GetPetByIdResponse::Ok(pet.clone()),
            None => ops::GetPetByIdResponse::NotFound,
        }
    }
    async fn update_pet_with_form(
        &self,
        pet_id: i64,
        body: Option<models::UpdatePetWithFormRequest>,
        _: Option<String>,
    ) -> ops::UpdatePetWithFormResponse {
        let mut pets = self.pets.lock().expect("lock");
        if let (Some(pet), Some(form)) = (pets.get_mut(&pet_id), body) {
            if let Some(name) = form.name {
                pet.name = name;
            }
            self.saw(format!("form status {:?}", form.status));
        }
        ops::UpdatePetWithFormResponse::MethodNotAllowed
    }
    async fn delete_pet(&self, pet_id: i64, params: ops::DeletePetParams, _: Option<String>) -> ops::DeletePetResponse {
        self.saw(format!("delete {pet_id} api_key header {:?}", params.api_key));
        match self.pets.lock().expect("lock").remove(&pet_id) {
            Some(_) => ops::DeletePetResponse::BadRequest,
            None => ops::DeletePetResponse::NotFound,
        }
    }
    async fn upload_file(&self, pet_id: i64, body: Option<Vec<u8>>, _: Option<String>) -> ops::UploadFileResponse {
        let body = body.unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        let has_file = text.contains("name=\"file\"") && text.contains("PNG-BYTES");
        let has_metadata = text.contains("name=\"additionalMetadata\"") && text.contains("a photo");
        ops::UploadFileResponse::Ok(models::ApiResponse {
            code: Some(200),
            type_: Some(format!("pet {pet_id}")),
            message: Some(format!("file {has_file}, metadata {has_metadata}")),
        })
    }
    async fn get_inventory(&self, principal: Option<String>) -> ops::GetInventoryResponse {
        let mut counts = BTreeMap::new();
        for pet in self.pets.lock().expect("lock").values() {
            let status = pet.status.as_ref().map_or("none", |s| s.as_str()).to_owned();
            *counts.entry(status).or_insert(0) += 1;
        }
        counts.insert(format!("by {}", principal.unwrap_or_default()), 0);
        ops::GetInventoryResponse::Ok(counts)
    }
    async fn place_order(&self, body: models::Order, _: Option<String>) -> ops::PlaceOrderResponse {
        let id = body.id.unwrap_or(1);
        self.orders.lock().expect("lock").insert(id, body.clone());
        ops::PlaceOrderResponse::Ok(body)
    }
    async fn get_order_by_id(&self, order_id: i64, _: Option<String>) -> ops::GetOrderByIdResponse {
        match self.orders.lock().expect("lock").get(&order_id) {
            Some(order) => ops::GetOrderByIdResponse::Ok(order.clone()),
            None => ops::GetOrderByIdResponse::NotFound,
        }
    }
    async fn delete_order(&self, order_id: i64, _: Option<String>) -> ops::DeleteOrderResponse {
        match self.orders.lock().expect("lock").remove(&order_id) {
            Some(_) => ops::DeleteOrderResponse::BadRequest,
            None => ops::DeleteOrderResponse::NotFound,
        }
    }
    async fn create_user(&self, body: models::User, _: Option<String>) -> ops::CreateUserResponse {
        let name = body.username.clone().unwrap_or_default();
        self.users.lock().expect("lock").insert(name, body);
        ops::CreateUserResponse::Default { status: 200 }
    }
    async fn create_users_with_array_input(
        &self,
        body: Vec<models::User>,
        _: Option<String>,
    ) -> ops::CreateUsersWithArrayInputResponse {
        let count = body.len();
        for user in body {
            self.users.lock().expect("lock").insert(user.username.clone().unwrap_or_default(), user);
        }
        self.saw(format!("array of {count}"));
        ops::CreateUsersWithArrayInputResponse::Default { status: 201 }
    }
    async fn create_users_with_list_input(
        &self,
        body: Vec<models::User>,
        _: Option<String>,
    ) -> ops::CreateUsersWithListInputResponse {
        self.saw(format!("list of {}", body.len()));
        ops::CreateUsersWithListInputResponse::Default { status: 202 }
    }
    async fn login_user(&self, username: String, password: String, _: Option<String>) -> ops::LoginUserResponse {
        if password != "secret" {
            return ops::LoginUserResponse::BadRequest;
        }
        let expires = chrono::DateTime::parse_from_rfc3339("2030-01-02T03:04:05Z").expect("date");
        ops::LoginUserResponse::Ok {
            body: format!("session for {username}"),
            headers: ops::LoginUserOkHeaders { x_rate_limit: Some(100), x_expires_after: Some(expires) },
        }
    }
    async fn logout_user(&self, _: Option<String>) -> ops::LogoutUserResponse {
        ops::LogoutUserResponse::Default { status: 204 }
    }
    async fn get_user_by_name(&self, username: String, _: Option<String>) -> ops::GetUserByNameResponse {
        match self.users.lock().expect("lock").get(&username) {
            Some(user) => ops::GetUserByNameResponse::Ok(user.clone()),
            None => ops::GetUserByNameResponse::NotFound,
        }
    }
    async fn update_user(&self, username: String, body: models::User, _: Option<String>) -> ops::UpdateUserResponse {
        let mut users = self.users.lock().expect("lock");
        match users.get_mut(&username) {
            Some(user) => {
                *user = body;
                ops::UpdateUserResponse::BadRequest
            }
            None => ops::UpdateUserResponse::NotFound,
        }
    }
    async fn delete_user(&self, username: String, _: Option<String>) -> ops::DeleteUserResponse {
        match self.users.lock().expect("lock").remove(&username) {
            Some(_) => ops::DeleteUserResponse::BadRequest,
            None => ops::DeleteUserResponse::NotFound,
        }
    }
}

/// Serves the store under the spec's `basePath` (`/v2`), as the real API is.
async fn serve(store: Store) -> String {
    let app = axum::Router::new().nest("/v2", server::router(store, ServerConfig::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/v2")
}

fn pet(id: i64, name: &str, status: models::PetStatus, tag: &str) -> models::Pet {
    models::Pet {
        id: Some(id),
        category: Some(models::Category { id: Some(1), name: Some("dogs".into()) }),
        name: name.into(),
        photo_urls: vec![format!("https://example.com/{name}.png")],
        tags: Some(vec![models::Tag { id: Some(id), name: Some(tag.into()) }]),
        status: Some(status),
    }
}

/// `host`, `basePath` and `schemes` (here only `http`) make the server.
#[test]
fn host_and_base_path_are_the_default_server() {
    assert_eq!(client::Client::DEFAULT_BASE_URL, "http://petstore.swagger.io/v2");
}

#[tokio::test]
async fn every_operation_over_the_wire() {
    let store = Store::default();
    let base = serve(store.clone()).await;
    let api = client::Client::builder()
        .base_url(&base)
        .petstore_auth("implicit-token")
        .api_key("special-key")
        .build()
        .expect("client");

    // `body` parameters, sent as JSON, under the OAuth2 implicit flow's token.
    for p in [
        pet(1, "Rex", models::PetStatus::Available, "good"),
        pet(2, "Tom", models::PetStatus::Sold, "calm"),
        pet(3, "Kit", models::PetStatus::Pending, "good"),
    ] {
        let answer = api.add_pet(client::AddPetBody::Json(p)).await.expect("add");
        assert_eq!(answer, ops::AddPetResponse::MethodNotAllowed);
    }
    assert_eq!(store.pets.lock().expect("lock").len(), 3);
    assert!(store.seen.lock().expect("lock").contains(&"add_pet by Some(\"oauth\")".to_owned()));

    // `collectionFormat: multi` (status=a&status=b) and `csv` (tags=a,b).
    let status = vec![models::FindPetsByStatusStatusItem::Available, models::FindPetsByStatusStatusItem::Sold];
    let ops::FindPetsByStatusResponse::Ok(found) = api.find_pets_by_status(&status).await.expect("by status") else {
        panic!("by status")
    };
    assert_eq!(found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Rex", "Tom"]);
    let ops::FindPetsByTagsResponse::Ok(found) =
        api.find_pets_by_tags(&vec!["good".into(), "none".into()]).await.expect("by tags")
    else {
        panic!("by tags")
    };
    assert_eq!(found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Rex", "Kit"]);

    assert_eq!(
        api.get_pet_by_id(2).await.expect("get"),
        ops::GetPetByIdResponse::Ok(pet(2, "Tom", models::PetStatus::Sold, "calm"))
    );
    assert_eq!(api.get_pet_by_id(99).await.expect("get missing"), ops::GetPetByIdResponse::NotFound);

    // `formData` fields as a URL-encoded form.
    let form = models::UpdatePetWithFormRequest { name: Some("Rexy".into()), status: Some("sold".into()) };
    assert_eq!(
        api.update_pet_with_form(1, Some(&form)).await.expect("form"),
        ops::UpdatePetWithFormResponse::MethodNotAllowed
    );
    assert_eq!(store.pets.lock().expect("lock")[&1].name, "Rexy");

    // A `formData` file: multipart.
    let upload = job_apis::support::client::Multipart::new()
        .text("additionalMetadata", "a photo")
        .part("file", job_apis::support::client::Part::bytes(b"PNG-BYTES".to_vec()).file_name("rex.png"));
    let ops::UploadFileResponse::Ok(uploaded) = api.upload_file(1, Some(upload)).await.expect("upload");
    assert_eq!(uploaded.message.as_deref(), Some("file true, metadata true"));
    assert_eq!(uploaded.type_.as_deref(), Some("pet 1"));

    // The API key (`securityDefinitions` of type apiKey, in a header).
    let ops::GetInventoryResponse::Ok(inventory) = api.get_inventory().await.expect("inventory");
    assert_eq!(inventory.get("available"), Some(&1));
    assert_eq!(inventory.get("by key"), Some(&0));

    // A header parameter.
    let params = ops::DeletePetParams { api_key: Some("header-value".into()) };
    assert_eq!(api.delete_pet(3, params).await.expect("delete"), ops::DeletePetResponse::BadRequest);
    assert!(store.seen.lock().expect("lock").contains(&"delete 3 api_key header Some(\"header-value\")".to_owned()));

    // The store: a `date-time` inside a body.
    let order = models::Order {
        id: Some(7),
        pet_id: Some(1),
        quantity: Some(2),
        ship_date: Some(chrono::DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").expect("date")),
        status: Some(models::OrderStatus::Placed),
        complete: Some(false),
    };
    assert_eq!(api.place_order(&order).await.expect("order"), ops::PlaceOrderResponse::Ok(order.clone()));
    assert!(!models::Order { complete: None, ..order.clone() }.complete(), "absent reads as the default, false");
    assert_eq!(api.get_order_by_id(7).await.expect("get order"), ops::GetOrderByIdResponse::Ok(order));
    assert_eq!(api.delete_order(7).await.expect("delete order"), ops::DeleteOrderResponse::BadRequest);
    assert_eq!(api.get_order_by_id(7).await.expect("gone"), ops::GetOrderByIdResponse::NotFound);

    // Users: `default` responses carry their status; response headers are typed.
    let user = |name: &str| models::User {
        username: Some(name.into()),
        email: Some(format!("{name}@example.com")),
        ..Default::default()
    };
    assert_eq!(api.create_user(&user("ann")).await.expect("user"), ops::CreateUserResponse::Default { status: 200 });
    assert_eq!(
        api.create_users_with_array_input(&vec![user("bob"), user("cy")]).await.expect("array"),
        ops::CreateUsersWithArrayInputResponse::Default { status: 201 }
    );
    assert_eq!(
        api.create_users_with_list_input(&vec![user("dee")]).await.expect("list"),
        ops::CreateUsersWithListInputResponse::Default { status: 202 }
    );
    assert_eq!(api.get_user_by_name("bob").await.expect("bob"), ops::GetUserByNameResponse::Ok(user("bob")));
    let ops::LoginUserResponse::Ok { body, headers } = api.login_user("ann", "secret").await.expect("login") else {
        panic!("login")
    };
    assert_eq!(body, "session for ann");
    assert_eq!(headers.x_rate_limit, Some(100));
    assert_eq!(headers.x_expires_after.map(|t| t.to_rfc3339()), Some("2030-01-02T03:04:05+00:00".into()));
    assert_eq!(api.login_user("ann", "wrong").await.expect("bad login"), ops::LoginUserResponse::BadRequest);
    assert_eq!(api.update_user("cy", &user("cy2")).await.expect("update"), ops::UpdateUserResponse::BadRequest);
    assert_eq!(api.delete_user("nobody").await.expect("delete user"), ops::DeleteUserResponse::NotFound);
    assert_eq!(api.logout_user().await.expect("logout"), ops::LogoutUserResponse::Default { status: 204 });
}

/// Without credentials, or with a wrong token, the server refuses (401) and
/// the client returns the status as data; with the right one it answers.
#[tokio::test]
async fn security_is_enforced() {
    let base = serve(Store::default()).await;
    let anonymous = client::Client::builder().base_url(&base).build().expect("client");
    match anonymous.get_inventory().await {
        Err(job_apis::support::client::Error::UnexpectedStatus(raw)) => assert_eq!(raw.status, 401),
        other => panic!("expected a 401, got {other:?}"),
    }
    let wrong = client::Client::builder().base_url(&base).petstore_auth("stolen").build().expect("client");
    match wrong.get_pet_by_id(1).await {
        Err(job_apis::support::client::Error::UnexpectedStatus(raw)) => assert_eq!(raw.status, 401),
        other => panic!("expected a 401, got {other:?}"),
    }
    let keyed = client::Client::builder().base_url(&base).api_key("special-key").build().expect("client");
    assert!(matches!(keyed.get_pet_by_id(1).await, Ok(ops::GetPetByIdResponse::NotFound)));
}
