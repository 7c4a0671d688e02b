//! Every Rust identifier the generator emits is made here: one way to case,
//! sanitize and escape names, and one way to resolve collisions
//! (first come keeps the name, later ones get `2`, `3`, ... in a
//! deterministic order decided by the caller).

use crate::ir::Status;
use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use std::collections::{HashMap, HashSet};

/// Keywords of every edition (strict and reserved): never valid as plain
/// identifiers. Escaped by appending `_` (raw identifiers cannot spell
/// `self`, `super`, `crate` or `Self`, so one rule serves all).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names the generated code itself refers to: a schema with one of
/// these names would shadow them, so it gets the suffix `Model`.
const RESERVED_TYPES: &[&str] = &[
    "Self",
    "String",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "Serialize",
    "Deserialize",
    "Serializer",
    "Deserializer",
    "From",
    "Into",
    "FromStr",
    "Display",
    "ToString",
    "Value",
    "Map",
    "BTreeMap",
    "DateTime",
    "Utc",
    "NaiveDate",
    "Uuid",
    "Send",
    "Sync",
    "Sized",
    "Copy",
    "Iterator",
    // Types the client and server modules define beside the models.
    "Client",
    "ClientBuilder",
    "Api",
];

/// Words for names made only of symbols (`+`, `>=`), so they stay readable.
fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '+' => "plus",
        '-' => "minus",
        '*' => "star",
        '/' => "slash",
        '\\' => "backslash",
        '<' => "lt",
        '>' => "gt",
        '=' => "eq",
        '!' => "not",
        '.' => "dot",
        '@' => "at",
        '#' => "hash",
        '$' => "dollar",
        '%' => "percent",
        '&' => "and",
        '|' => "pipe",
        '~' => "tilde",
        '^' => "caret",
        ':' => "colon",
        '?' => "question",
        ',' => "comma",
        _ => return None,
    })
}

/// Splits a wire name into ASCII words that heck can case: non-ASCII letters
/// become `u` + hex code point, other symbols separate words.
fn words(raw: &str) -> String {
    // "OAuth" is one word, not "O" + "Auth".
    let raw = &raw.replace("OAuth", "Oauth");
    let has_alnum = raw.chars().any(char::is_alphanumeric);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_alphanumeric() {
            out.push_str(&format!(" u{:04x} ", c as u32));
        } else if !has_alnum {
            if let Some(w) = symbol_word(c) {
                out.push(' ');
                out.push_str(w);
                out.push(' ');
            }
        } else {
            out.push(' ');
        }
    }
    out
}

/// `UpperCamelCase` type name, never empty, never a keyword or reserved name.
pub fn type_name(raw: &str) -> String {
    let mut name = words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = "Unnamed".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'T');
    }
    if RESERVED_TYPES.contains(&name.as_str()) {
        name.push_str("Model");
    }
    name
}

/// `UpperCamelCase` enum variant name.
pub fn variant_name(raw: &str) -> String {
    let mut name = words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = "Empty".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" {
        name.push('_');
    }
    name
}

/// `UpperCamelCase` variant name of a numeric enum value: `V1`, `VMinus1`,
/// `V0_5`, `V1E300` (as a string enum names the text `"1"`).
pub fn numeric_variant_name(value: &serde_json::Number) -> String {
    let text = value.to_string();
    let mut name = String::from("V");
    for c in text.chars() {
        match c {
            '-' => name.push_str("Minus"),
            '.' => name.push('_'),
            'e' | 'E' => name.push('E'),
            '+' => {}
            c => name.push(c),
        }
    }
    name
}

/// `snake_case` field, function or parameter name.
pub fn field_name(raw: &str) -> String {
    let mut name = words(raw).to_snake_case();
    if name.is_empty() {
        name = "value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// `snake_case` module name.
pub fn module_name(raw: &str) -> String {
    field_name(raw)
}

/// Package names Cargo refuses or that clash with its own directories and
/// the standard crates, beside the keywords.
const RESERVED_CRATES: &[&str] =
    &["test", "std", "core", "alloc", "proc_macro", "build", "deps", "examples", "incremental"];

/// `kebab-case` crate name that Cargo accepts: ASCII letters, digits and
/// `-`, starting with a letter, never a keyword or a reserved name.
pub fn crate_name(raw: &str) -> String {
    let snake = words(raw).to_snake_case();
    let mut name = if snake.is_empty() { "api".to_owned() } else { snake.replace('_', "-") };
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "api-");
    }
    if crate_name_problem(&name).is_some() {
        name.push_str("-api");
    }
    name
}

/// Why Cargo would refuse a package name, if it would.
pub fn crate_name_problem(name: &str) -> Option<String> {
    let Some(first) = name.chars().next() else {
        return Some("the crate name is empty".to_owned());
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Some(format!("crate name `{}` must start with an ASCII letter or `_`", name.escape_debug()));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return Some(format!(
            "crate name `{}` holds `{}`: use ASCII letters, digits, `-` and `_`",
            name.escape_debug(),
            bad.escape_debug()
        ));
    }
    let as_ident = name.replace('-', "_");
    if KEYWORDS.contains(&as_ident.as_str()) || RESERVED_CRATES.contains(&as_ident.as_str()) {
        return Some(format!("crate name `{name}` is reserved by Rust or Cargo"));
    }
    None
}

/// One namespace (the types of a module, the fields of a struct, the
/// variants of an enum). Names are claimed in the caller's deterministic
/// order; a taken name gets the smallest free numeric suffix.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    used: HashSet<String>,
    /// Per stem, the suffix to try next: claiming many names that collide
    /// stays linear instead of probing `2, 3, ...` from the start each time.
    next_suffix: HashMap<String, usize>,
}

impl Scope {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope where `names` are already taken.
    pub fn with_reserved<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Scope { used: names.into_iter().map(str::to_owned).collect(), next_suffix: HashMap::new() }
    }

    /// Claims `base`, or `base2`, `base3`, ... if taken. Snake-case names
    /// get `_2` so they stay snake case.
    pub fn claim(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let sep = if base.contains('_') || base.starts_with(|c: char| c.is_ascii_lowercase()) { "_" } else { "" };
        let stem = base.trim_end_matches('_').to_owned();
        let mut n = self.next_suffix.get(&stem).copied().unwrap_or(2);
        loop {
            let candidate = format!("{stem}{sep}{n}");
            n += 1;
            if self.used.insert(candidate.clone()) {
                self.next_suffix.insert(stem, n);
                return candidate;
            }
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(name)
    }
}

/// The generated server's handler of an operation (`handle_get_job`):
/// operation names are unique snake case, so handler names are too.
pub fn handler_name(operation: &str) -> String {
    format!("handle_{}", operation.trim_start_matches('_'))
}

/// The statics a server handler declares in its body: `OPERATION` (the
/// operation's requirements), `BODY` (its body's schema) and one per
/// parameter, named for it (`JOB_ID`). A parameter whose name is taken
/// (one called `operation`, or `schemes`, the module's list that the
/// handler uses) gets the next free suffix (`OPERATION2`).
pub struct HandlerStatics {
    pub operation: &'static str,
    pub body: &'static str,
    pub parameters: Vec<String>,
}

pub fn handler_statics<'a>(parameters: impl IntoIterator<Item = &'a str>) -> HandlerStatics {
    let mut scope = Scope::with_reserved(["OPERATION", "BODY", "SCHEMES"]);
    let parameters = parameters.into_iter().map(|p| scope.claim(p.to_shouty_snake_case())).collect();
    HandlerStatics { operation: "OPERATION", body: "BODY", parameters }
}

/// Response variants are named for their status (`Ok`, `NotFound`,
/// `ClientError` for `4XX`, `Default`), so matching reads like HTTP; a code
/// without a common name is `Status` and its number.
pub fn status_variant(status: Status) -> String {
    let name = match status {
        Status::Code(code) => match code {
            100 => "Continue",
            101 => "SwitchingProtocols",
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            203 => "NonAuthoritativeInformation",
            204 => "NoContent",
            205 => "ResetContent",
            206 => "PartialContent",
            207 => "MultiStatus",
            300 => "MultipleChoices",
            301 => "MovedPermanently",
            302 => "Found",
            303 => "SeeOther",
            304 => "NotModified",
            307 => "TemporaryRedirect",
            308 => "PermanentRedirect",
            400 => "BadRequest",
            401 => "Unauthorized",
            402 => "PaymentRequired",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            408 => "RequestTimeout",
            409 => "Conflict",
            410 => "Gone",
            411 => "LengthRequired",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            414 => "UriTooLong",
            415 => "UnsupportedMediaType",
            416 => "RangeNotSatisfiable",
            417 => "ExpectationFailed",
            418 => "ImATeapot",
            422 => "UnprocessableEntity",
            423 => "Locked",
            424 => "FailedDependency",
            425 => "TooEarly",
            426 => "UpgradeRequired",
            428 => "PreconditionRequired",
            429 => "TooManyRequests",
            431 => "RequestHeaderFieldsTooLarge",
            451 => "UnavailableForLegalReasons",
            500 => "InternalServerError",
            501 => "NotImplemented",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            other => return format!("Status{other}"),
        },
        Status::Range(class) => match class {
            1 => "Informational",
            2 => "Success",
            3 => "Redirection",
            4 => "ClientError",
            5 => "ServerError",
            other => return format!("Status{other}XX"),
        },
        Status::Default => "Default",
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_statics_never_take_each_others_names() {
        let names = handler_statics(["job_id", "operation", "schemes", "body", "operation2", "r#type"]);
        assert_eq!((names.operation, names.body), ("OPERATION", "BODY"));
        assert_eq!(names.parameters, ["JOB_ID", "OPERATION2", "SCHEMES2", "BODY2", "OPERATION22", "R_TYPE"]);
    }

    #[test]
    fn wire_names_become_identifiers() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("ref"), "ref_");
        assert_eq!(field_name("organization-id"), "organization_id");
        assert_eq!(field_name("_embedded"), "embedded");
        assert_eq!(field_name("api-key"), "api_key");
        assert_eq!(field_name("2fa"), "_2fa");
        assert_eq!(field_name("café"), "caf_u00e9");
        assert_eq!(field_name("jobId"), "job_id");
        assert_eq!(field_name("OAuth2"), "oauth2");
        assert_eq!(type_name("errorMessage"), "ErrorMessage");
        assert_eq!(type_name("BadRequest_400"), "BadRequest400");
        assert_eq!(type_name("String"), "StringModel");
        assert_eq!(type_name("3dModel"), "T3dModel");
        assert_eq!(type_name(""), "Unnamed");
        assert_eq!(variant_name("in-progress"), "InProgress");
        assert_eq!(variant_name(">="), "GtEq");
        assert_eq!(variant_name("1"), "V1");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(crate_name("123"), "api-123");
        assert_eq!(crate_name("Fn"), "fn-api");
        assert_eq!(crate_name("Test"), "test-api");
        assert_eq!(crate_name("My\u{7f}API\n"), "my-api");
        assert_eq!(crate_name(""), "api");
        assert!(crate_name_problem("job-apis").is_none());
        assert!(crate_name_problem("9lives").is_some());
        assert!(crate_name_problem("a b").is_some());
        assert!(crate_name_problem("").is_some());
    }

    #[test]
    fn collisions_get_numeric_suffixes_in_claim_order() {
        let mut scope = Scope::new();
        assert_eq!(scope.claim(type_name("job")), "Job");
        assert_eq!(scope.claim(type_name("JOB")), "Job2");
        assert_eq!(scope.claim(type_name("Job")), "Job3");
        let mut fields = Scope::new();
        assert_eq!(fields.claim(field_name("foo-bar")), "foo_bar");
        assert_eq!(fields.claim(field_name("foo_bar")), "foo_bar_2");
        assert_eq!(fields.claim(field_name("type")), "type_");
        assert_eq!(fields.claim(field_name("type_")), "type_2");
    }
}
