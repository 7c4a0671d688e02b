//! The intermediate representation: plain data with every Rust name already
//! resolved. No `openapiv3` types, no token streams. Emitters and templates
//! read it; tests snapshot it.

use serde::Serialize;

/// One API (one spec document), lowered.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// Rust module name of the API (`emporix_sepa_export`).
    pub module: String,
    /// The spec file it came from, as the user named it.
    pub source: String,
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Vec<Server>,
    /// Every named type: component schemas first, in document order, each
    /// followed by the inline types named after it; then operation types.
    pub types: Vec<TypeDef>,
    pub operations: Vec<Operation>,
    /// Every `example` the document gives for a body or a component schema.
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Server {
    pub url: String,
    pub description: Option<String>,
}

/// A named Rust type.
#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    /// Rust type name, unique in the API module.
    pub name: String,
    /// Rustdoc, from the schema's `title` and `description`.
    pub doc: Option<String>,
    /// JSON pointer of the schema it was lowered from.
    pub pointer: String,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// A string enum, with a fallback variant for values not in the spec.
    Enum(StringEnum),
    /// Another name for a type (`pub type X = Vec<Y>;`).
    Alias { target: TypeRef },
}

#[derive(Debug, Clone, Serialize)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Type of the values of properties the schema does not name, kept in a
    /// flattened map (from `additionalProperties`), if the schema allows them.
    pub additional: Option<TypeRef>,
    /// Whether every field may be absent, so `Default` is derivable.
    pub derive_default: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Rust field name (`job_id`, `type_`).
    pub name: String,
    /// Property name on the wire, exact (`jobId`, `type`).
    pub wire_name: String,
    pub doc: Option<String>,
    /// Full Rust type, `Option` included when the field may be absent or null.
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    /// The spec's `default`, applied when the property is absent.
    pub default: Option<Default>,
}

/// A `default` value and the name of the function that produces it.
#[derive(Debug, Clone, Serialize)]
pub struct Default {
    pub function: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct StringEnum {
    pub variants: Vec<Variant>,
    /// Name of the variant that keeps a value the spec does not list.
    pub fallback: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub name: String,
    pub wire_value: String,
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "of", rename_all = "snake_case")]
pub enum TypeRef {
    String,
    I32,
    I64,
    F32,
    F64,
    Bool,
    /// `date-time`: `chrono::DateTime<chrono::Utc>`.
    DateTime,
    /// `date`: `chrono::NaiveDate`.
    Date,
    /// `uuid`: `uuid::Uuid`.
    Uuid,
    /// Any JSON value (`{}`).
    Json,
    /// A free-form JSON object.
    JsonObject,
    Vec(Box<TypeRef>),
    /// A map from property names to values (`additionalProperties: {..}`).
    Map(Box<TypeRef>),
    Option(Box<TypeRef>),
    /// A type defined in the API module.
    Named(String),
}

impl TypeRef {
    pub fn option(self) -> TypeRef {
        match self {
            TypeRef::Option(_) => self,
            other => TypeRef::Option(Box::new(other)),
        }
    }
}

/// One operation: what the models need now, and what client and server
/// stubs read.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Rust method name (snake case) from `operationId`, else method + path.
    pub name: String,
    pub operation_id: Option<String>,
    pub method: String,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<Body>,
    pub responses: Vec<Response>,
    pub pointer: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    pub wire_name: String,
    pub location: Location,
    pub required: bool,
    pub ty: TypeRef,
    pub doc: Option<String>,
    pub default: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, Serialize)]
pub struct Body {
    pub media_type: String,
    pub ty: Option<TypeRef>,
    pub required: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// `200`, `4XX` or `default`.
    pub status: String,
    pub description: String,
    pub body: Option<Body>,
}

/// An `example` and the type it must fit.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub pointer: String,
    pub ty: TypeRef,
    pub value: serde_json::Value,
}
