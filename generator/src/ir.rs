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
    /// The security schemes of `components.securitySchemes`, in order.
    pub security_schemes: Vec<SecurityScheme>,
    /// What was approximated (a construct with no Rust type became
    /// `serde_json::Value`), by pointer.
    pub warnings: Vec<Warning>,
    /// Nodes copied in from other files, so that a pointer into them is
    /// reported in their own file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<Origin>,
    /// `types` by name, built on first use by [`Api::type_named`].
    #[serde(skip)]
    pub(crate) type_index: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

impl Api {
    /// The named type `name`, found through an index built once.
    pub fn type_named(&self, name: &str) -> Option<&TypeDef> {
        let index =
            self.type_index.get_or_init(|| self.types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect());
        index.get(name).map(|&i| &self.types[i])
    }

    /// This API with every open struct (one whose schema admits unnamed
    /// properties without typing them) given a JSON map of the properties
    /// it does not name, so a body read and written back keeps them.
    pub fn keeping_unknown_properties(mut self) -> Api {
        for def in &mut self.types {
            if let TypeKind::Struct(s) = &mut def.kind {
                if s.open && s.additional.is_none() {
                    s.additional = Some(TypeRef::Json);
                }
            }
        }
        self
    }

    /// `file#pointer` of a node of this API: the file and pointer it came
    /// from when it was copied in from another file.
    pub fn locate(&self, pointer: &str) -> String {
        let (file, pointer) = locate(&self.source, &self.origins, pointer);
        format!("{file}#{pointer}")
    }
}

/// The file and pointer a pointer of the root document `source` stands
/// for, through the copies listed in `origins`.
pub fn locate(source: &str, origins: &[Origin], pointer: &str) -> (String, String) {
    let within = |o: &&Origin| {
        pointer.starts_with(&o.local) && (pointer.len() == o.local.len() || pointer.as_bytes()[o.local.len()] == b'/')
    };
    // The longest (innermost) copy holding the pointer.
    match origins.iter().filter(within).max_by_key(|o| o.local.len()) {
        Some(o) => (o.file.clone(), format!("{}{}", o.pointer, &pointer[o.local.len()..])),
        None => (source.to_owned(), pointer.to_owned()),
    }
}

/// Where a node copied in from another file came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The pointer of the copy in the root document.
    pub local: String,
    /// The file it came from, as the user should see it.
    pub file: String,
    /// Its pointer in that file.
    pub pointer: String,
}

/// Something the generator approximated, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub pointer: String,
    pub message: String,
}

/// A way to authenticate, from `components.securitySchemes`.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityScheme {
    /// The key in `securitySchemes` (what requirements refer to).
    pub key: String,
    /// Rust name of the client builder method that configures it.
    pub method: String,
    pub description: Option<String>,
    pub kind: SecurityKind,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SecurityKind {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <base64(user:password)>`.
    Basic,
    /// A key in a header, query parameter or cookie.
    ApiKey { location: Location, name: String },
    /// OAuth2 client credentials: a token fetched from `token_url`.
    OAuth2ClientCredentials { token_url: String, scopes: Vec<String> },
    /// An access token the caller obtains (OAuth2's implicit, password and
    /// authorization-code flows, OpenID Connect), sent as a bearer token.
    /// `flows` names how it is obtained, for the docs.
    AccessToken { flows: Vec<String> },
    /// A scheme the client cannot drive (mutual TLS, other HTTP schemes);
    /// credentials for it are never attached.
    Unsupported { what: String },
}

/// One scheme of a security requirement, with the scopes it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemeUse {
    pub scheme: String,
    pub scopes: Vec<String>,
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
    /// What a server checks of a JSON value of this type.
    pub check: Check,
}

/// The constraints of a schema a server validates a JSON value against:
/// types, enums, formats, bounds, lengths, patterns, item counts, required
/// and unknown properties. Named types are referred to, not repeated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Check {
    Any,
    /// The check of a named type of the module.
    Ref {
        name: String,
    },
    Nullable {
        inner: Box<Check>,
    },
    Boolean,
    Integer {
        minimum: Option<f64>,
        maximum: Option<f64>,
        exclusive_minimum: bool,
        exclusive_maximum: bool,
        int32: bool,
        /// The spec's `enum`, if any: only these values pass.
        values: Vec<i64>,
    },
    Number {
        minimum: Option<f64>,
        maximum: Option<f64>,
        exclusive_minimum: bool,
        exclusive_maximum: bool,
        /// The spec's `enum`, if any (finite values only).
        values: Vec<f64>,
    },
    String {
        min_length: Option<u64>,
        max_length: Option<u64>,
        pattern: Option<String>,
        format: Option<String>,
        values: Vec<String>,
    },
    Array {
        items: Box<Check>,
        min_items: Option<u64>,
        max_items: Option<u64>,
        unique_items: bool,
    },
    Object {
        properties: Vec<PropertyCheck>,
        required: Vec<String>,
        additional: Additional,
    },
    /// A union with a discriminator: the object must carry `property`, a
    /// string listed in `variants`, and pass that variant's check.
    Tagged {
        property: String,
        /// `(tag value, check)`, a variant once per tag value.
        variants: Vec<(String, Check)>,
    },
    /// A `readOnly` property, which a request must not send.
    ReadOnly,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropertyCheck {
    pub name: String,
    pub check: Check,
}

/// What a server does with properties a schema does not name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "check", rename_all = "snake_case")]
pub enum Additional {
    Allow,
    Deny,
    Check(Box<Check>),
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// A string enum, with a fallback variant for values not in the spec.
    Enum(StringEnum),
    /// An integer or number enum, with a fallback variant (holding an
    /// `i64` or the runtime's `Number`) for values not in the spec.
    NumericEnum(NumericEnum),
    /// Another name for a type (`pub type X = Vec<Y>;`).
    Alias { target: TypeRef },
    /// One of several shapes (`oneOf`/`anyOf`), tried in order.
    Union(Union),
}

#[derive(Debug, Clone, Serialize)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    /// With a discriminator, the variant is chosen by the tag property's
    /// value; without, the variants are tried in order.
    pub discriminator: Option<Discriminator>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Discriminator {
    /// The tag property (`kind`).
    pub property: String,
    /// Name of the variant keeping an object with an unknown tag value.
    pub fallback: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnionVariant {
    pub name: String,
    pub ty: TypeRef,
    /// Tag values that select this variant (with a discriminator).
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Type of the values of properties the schema does not name, kept in a
    /// flattened map (from `additionalProperties`), if the schema allows them.
    pub additional: Option<TypeRef>,
    /// Whether the schema admits properties it does not name without
    /// typing them (no `additionalProperties`): they are ignored on decode
    /// unless the crate keeps unknown properties
    /// ([`Api::keeping_unknown_properties`]).
    pub open: bool,
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
    /// The spec's `default`: the field stays `Option` (absent stays absent
    /// on the wire) and an accessor method returns the value or the default.
    pub default: Option<Default>,
    /// `readOnly` or `writeOnly`: the property travels one way only.
    pub one_way: Option<OneWay>,
}

/// A property that travels one way: written by the server only
/// (`readOnly`: a client does not send it, a server refuses it in a
/// request) or by the client only (`writeOnly`: a server does not send it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OneWay {
    ReadOnly,
    WriteOnly,
}

/// A `default` value and the name of the method that applies it.
#[derive(Debug, Clone, Serialize)]
pub struct Default {
    pub accessor: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct NumericEnum {
    /// `(variant name, value)`, each value once, in the spec's order; an
    /// integral value of a number enum is written as an integer.
    pub variants: Vec<(String, serde_json::Number)>,
    /// `integer` (values and fallback `i64`) or `number` (the runtime's
    /// `Number`).
    pub integer: bool,
    /// Name of the variant that keeps a value the spec does not list.
    pub fallback: String,
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
    /// `date-time`: `chrono::DateTime<chrono::FixedOffset>`, so the offset the
    /// sender wrote comes back as it was (`-07:00` stays `-07:00`).
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
    /// A value kept on the heap to end a recursive type (`Box<T>`).
    Boxed(Box<TypeRef>),
    /// Raw bytes (binary bodies).
    Bytes,
    /// `format: byte`: bytes written as base64 text (`support::Base64`).
    Base64,
    /// A multipart form the caller builds.
    Multipart,
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
    pub method: Method,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// In document order (the order of the response enum's variants).
    pub responses: Vec<Response>,
    /// Indices into `responses` in the order a status is matched against
    /// them: codes, then ranges, then `default`.
    #[serde(skip)]
    pub match_order: Vec<usize>,
    /// Alternatives (any one suffices) of combined schemes (all needed).
    /// Empty: no authentication. An empty alternative: auth is optional.
    pub security: Vec<Vec<SchemeUse>>,
    /// The path template split into literals and path parameters.
    pub path_parts: Vec<PathPart>,
    /// Name of the enum of this operation's responses.
    pub response_type: String,
    /// Name of the struct of its optional parameters, if it has any.
    pub params_type: Option<String>,
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
    pub style: Style,
    pub explode: bool,
    pub check: Check,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PathPart {
    Literal(String),
    /// The Rust name of a path parameter of the operation.
    Param(String),
}

/// How a parameter value is written (OpenAPI `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    /// The style OpenAPI gives a parameter here when the spec names none.
    pub fn default_style(self) -> Style {
        match self {
            Location::Path | Location::Header => Style::Simple,
            Location::Query | Location::Cookie => Style::Form,
        }
    }
}

impl Style {
    /// Whether OpenAPI explodes a parameter of this style when the spec
    /// does not say: form style only.
    pub fn explodes_by_default(self) -> bool {
        self == Style::Form
    }
}

/// A request body: one or more media types.
#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    pub required: bool,
    pub description: Option<String>,
    /// Name of the enum over media types when there are several.
    pub enum_type: Option<String>,
    pub variants: Vec<Body>,
    /// Index into `variants` of the one the server reads.
    #[serde(skip)]
    pub served: usize,
}

impl RequestBody {
    /// The body the server reads.
    pub fn served(&self) -> Option<&Body> {
        self.variants.get(self.served)
    }
}

/// A body in one media type.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    pub media_type: String,
    pub encoding: Encoding,
    /// The Rust type of the body (for JSON and forms, the schema's type;
    /// `Vec<u8>` or `String` for binary and text).
    pub ty: TypeRef,
    /// Variant name when the body is one of several media types.
    pub variant: String,
    pub check: Check,
    /// The first example the spec gives for this body, if any.
    pub example: Option<serde_json::Value>,
}

/// How a body is put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Json,
    Form,
    Multipart,
    Text,
    Binary,
}

#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// `200`, `4XX` or `default`.
    pub status: Status,
    /// The variant of the operation's response enum (`Ok`, `NotFound`).
    pub variant: String,
    /// What the variant holds.
    #[serde(skip)]
    pub shape: VariantShape,
    pub description: String,
    pub body: Option<Body>,
    /// Name of the struct of typed response headers, if the spec declares any.
    pub headers_type: Option<String>,
    pub headers: Vec<ResponseHeader>,
}

/// An HTTP method an operation is declared under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// The method of a path item's key (`get`, `post`, ...).
    pub fn from_key(key: &str) -> Option<Method> {
        Some(match key {
            "get" => Method::Get,
            "put" => Method::Put,
            "post" => Method::Post,
            "delete" => Method::Delete,
            "options" => Method::Options,
            "head" => Method::Head,
            "patch" => Method::Patch,
            "trace" => Method::Trace,
            _ => return None,
        })
    }

    /// The method as sent on the wire: `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

/// A response's status as the spec documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// One code: `404`.
    Code(u16),
    /// A class of codes: `4XX` is `Range(4)`.
    Range(u16),
    /// Any status no other response documents.
    Default,
}

impl Status {
    /// The one code this status stands for; `None` for ranges and `default`.
    pub fn code(self) -> Option<u16> {
        match self {
            Status::Code(code) => Some(code),
            Status::Range(_) | Status::Default => None,
        }
    }

    /// Whether a response variant must keep the actual code (a range or
    /// `default` stands for several).
    pub fn keeps_code(self) -> bool {
        self.code().is_none()
    }

    /// Whether every code this status stands for is 2xx.
    pub fn is_success(self) -> bool {
        match self {
            Status::Code(code) => (200..300).contains(&code),
            Status::Range(class) => class == 2,
            Status::Default => false,
        }
    }

    /// The lowest and highest code this status stands for: `404` is
    /// `(404, 404)`, `4XX` is `(400, 499)`, `default` is `None`.
    pub fn bounds(self) -> Option<(u16, u16)> {
        match self {
            Status::Code(code) => Some((code, code)),
            Status::Range(class) => Some((class * 100, class * 100 + 99)),
            Status::Default => None,
        }
    }

    /// How specific a status is: codes match before ranges, ranges before
    /// `default`.
    pub fn precedence(self) -> u8 {
        match self {
            Status::Code(_) => 0,
            Status::Range(_) => 1,
            Status::Default => 2,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Code(code) => write!(f, "{code}"),
            Status::Range(class) => write!(f, "{class}XX"),
            Status::Default => f.write_str("default"),
        }
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The shape of a response enum's variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VariantShape {
    /// `NoContent`: nothing but the status.
    #[default]
    Unit,
    /// `Ok(Body)`: the body alone.
    Body,
    /// `ClientError { status, body, headers }`: the fields it has, when it
    /// keeps the status (ranges, `default`) or has headers.
    Fields { status: bool, body: bool, headers: bool },
}

impl VariantShape {
    /// The shape of a response with these parts.
    pub fn of(status: Status, body: bool, headers: bool) -> VariantShape {
        match (status.keeps_code() || headers, body) {
            (true, _) => VariantShape::Fields { status: status.keeps_code(), body, headers },
            (false, true) => VariantShape::Body,
            (false, false) => VariantShape::Unit,
        }
    }
}

/// A response header the spec declares.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseHeader {
    pub name: String,
    pub wire_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub doc: Option<String>,
}

/// An `example` and the type it must fit.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub pointer: String,
    pub ty: TypeRef,
    pub value: serde_json::Value,
}
