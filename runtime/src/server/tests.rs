//! Unit tests of the server runtime.

use super::*;

use serde_json::json;

// ---------------------------------------------------------------- fixtures

/// The routes of a small API: parameters within a segment, a literal after
/// a parameter, and two methods on one path.
static ROUTES: &[Route] = &[
    Route { method: Method::GET, operation: "get_item", path: &[Segment::Literal("/items/"), Segment::Param("id")] },
    Route {
        method: Method::GET,
        operation: "get_file",
        path: &[Segment::Literal("/files/"), Segment::Param("name"), Segment::Literal(".json")],
    },
    Route { method: Method::GET, operation: "list_items", path: &[Segment::Literal("/items")] },
    Route { method: Method::POST, operation: "create_item", path: &[Segment::Literal("/items")] },
];

fn parts(method: &str, uri: &str, headers: &[(&str, &[u8])]) -> axum::http::request::Parts {
    let mut builder = axum::http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, HeaderValue::from_bytes(value).expect("a header value"));
    }
    builder.body(()).expect("a request").into_parts().0
}

/// The request as the router reads it (path, query and cookies decoded).
fn incoming(uri: &str, headers: &[(&str, &str)]) -> Incoming {
    let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    let (_, incoming) = route(ROUTES, parts("GET", uri, &headers)).expect("the request is routed");
    incoming
}

/// A required parameter read as the generated handlers read it: its value,
/// or every failure reported.
fn read<T: DeserializeOwned>(
    req: &Incoming,
    location: Location,
    name: &'static str,
    schema: &'static Schema,
    style: Style,
    explode: bool,
) -> Result<T, Vec<FieldError>> {
    let mut errors = Vec::new();
    let value = req.param::<T>(param(location, name, schema, style, explode, Presence::Required), &mut errors);
    match (value, errors.is_empty()) {
        (Some(value), true) => Ok(value),
        (None, false) => Err(errors),
        (Some(_), false) => panic!("a value and failures at once: {errors:?}"),
        (None, true) => panic!("neither a value nor a failure"),
    }
}

/// A parameter as the generated servers declare it.
fn param(
    location: Location,
    name: &'static str,
    schema: &'static Schema,
    style: Style,
    explode: bool,
    presence: Presence,
) -> &'static Input {
    Box::leak(Box::new(Input { param: Param { name, location, style, explode }, presence, schema }))
}

fn pointers(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.pointer.as_str()).collect()
}

fn field(pointer: &str, detail: &str) -> FieldError {
    FieldError { pointer: pointer.to_owned(), detail: detail.to_owned() }
}

static STRINGS: Schema =
    Schema::Array { items: &Schema::STRING, min_items: None, max_items: None, unique_items: false };
static INTEGERS: Schema =
    Schema::Array { items: &Schema::INTEGER, min_items: None, max_items: None, unique_items: false };
static BOOLEAN: Schema = Schema::Boolean;
/// `{"n": integer, "s": string}`, other keys allowed.
static PAIR: Schema = Schema::Object {
    properties: &[("n", &Schema::INTEGER), ("s", &Schema::STRING)],
    required: &[],
    additional: Additional::Allow,
};

// ---------------------------------------------------------------- parameters

#[test]
fn path_parameters_are_percent_decoded_within_their_segment() {
    let req = incoming("/items/a%2Fb%3Fc%23d%25e%20f+g%C3%A9%E2%82%AC", &[]);
    assert_eq!(
        read::<String>(&req, Location::Path, "id", &Schema::STRING, Style::Simple, false),
        Ok("a/b?c#d%e f+gé€".into())
    );
    // An escaped `/` stays in its segment; a real one is another path.
    assert!(match_path(ROUTES[0].path, "/items/a/b").is_none());
    assert_eq!(match_path(ROUTES[0].path, "/items/a%2Fb"), Some(vec![("id", "a%2Fb")]));
    // The parameter must not be empty.
    assert!(match_path(ROUTES[0].path, "/items/").is_none());
}

#[test]
fn a_parameter_before_a_literal_in_its_segment() {
    assert_eq!(match_path(ROUTES[1].path, "/files/report.json"), Some(vec![("name", "report")]));
    assert_eq!(match_path(ROUTES[1].path, "/files/a%2Eb.json"), Some(vec![("name", "a%2Eb")]));
    assert!(match_path(ROUTES[1].path, "/files/.json").is_none());
    assert!(match_path(ROUTES[1].path, "/files/report.txt").is_none());
    assert!(match_path(ROUTES[1].path, "/files/a/b.json").is_none());
}

#[test]
fn path_parameters_in_simple_label_and_matrix_styles() {
    let at = |uri: &str| incoming(uri, &[]);
    let path = Location::Path;
    // simple
    assert_eq!(read::<i64>(&at("/items/-42"), path, "id", &Schema::INTEGER, Style::Simple, false), Ok(-42));
    assert_eq!(read::<Vec<i64>>(&at("/items/3,4,5"), path, "id", &INTEGERS, Style::Simple, false), Ok(vec![3, 4, 5]));
    assert_eq!(
        read::<Value>(&at("/items/n,7,s,x%20y"), path, "id", &PAIR, Style::Simple, false),
        Ok(json!({"n": 7, "s": "x y"}))
    );
    assert_eq!(
        read::<Value>(&at("/items/n=7,s=x"), path, "id", &PAIR, Style::Simple, true),
        Ok(json!({"n": 7, "s": "x"}))
    );
    // label
    assert_eq!(read::<String>(&at("/items/.abc"), path, "id", &Schema::STRING, Style::Label, false), Ok("abc".into()));
    assert_eq!(
        read::<Vec<String>>(&at("/items/.a,b%20c"), path, "id", &STRINGS, Style::Label, false),
        Ok(vec!["a".into(), "b c".into()])
    );
    assert_eq!(read::<Vec<i64>>(&at("/items/.3.4.5"), path, "id", &INTEGERS, Style::Label, true), Ok(vec![3, 4, 5]));
    assert_eq!(
        read::<Value>(&at("/items/.n=1.s=t"), path, "id", &PAIR, Style::Label, true),
        Ok(json!({"n": 1, "s": "t"}))
    );
    // matrix
    assert_eq!(read::<i64>(&at("/items/;id=5"), path, "id", &Schema::INTEGER, Style::Matrix, false), Ok(5));
    assert_eq!(
        read::<Vec<i64>>(&at("/items/;id=3,4,5"), path, "id", &INTEGERS, Style::Matrix, false),
        Ok(vec![3, 4, 5])
    );
    assert_eq!(
        read::<String>(&at("/items/;id=a%3Bb%3Dc"), path, "id", &Schema::STRING, Style::Matrix, false),
        Ok("a;b=c".into())
    );
}

#[test]
fn query_parameters_in_every_style() {
    let query = Location::Query;
    let req = incoming("/items?ids=1&ids=2&csv=1,2,3&space=1%202+3&pipe=4|5%7C6", &[]);
    assert_eq!(read::<Vec<i64>>(&req, query, "ids", &INTEGERS, Style::Form, true), Ok(vec![1, 2]));
    assert_eq!(read::<Vec<i64>>(&req, query, "csv", &INTEGERS, Style::Form, false), Ok(vec![1, 2, 3]));
    assert_eq!(read::<Vec<i64>>(&req, query, "space", &INTEGERS, Style::SpaceDelimited, false), Ok(vec![1, 2, 3]));
    assert_eq!(read::<Vec<i64>>(&req, query, "pipe", &INTEGERS, Style::PipeDelimited, false), Ok(vec![4, 5, 6]));

    // deepObject, escaped brackets or not; other parameters are not taken.
    let req = incoming("/items?filter%5Bn%5D=10&filter[s]=a%20b&other[n]=1", &[]);
    assert_eq!(read::<Value>(&req, query, "filter", &PAIR, Style::DeepObject, true), Ok(json!({"n": 10, "s": "a b"})));

    // An exploded form object is made of the query keys it names.
    let req = incoming("/items?n=3&s=x&page=2", &[]);
    assert_eq!(read::<Value>(&req, query, "pair", &PAIR, Style::Form, true), Ok(json!({"n": 3, "s": "x"})));
    let req = incoming("/items?pair=n,3,s,x%20y", &[]);
    assert_eq!(read::<Value>(&req, query, "pair", &PAIR, Style::Form, false), Ok(json!({"n": 3, "s": "x y"})));
}

#[test]
fn query_text_is_form_decoded() {
    let req = incoming("/items?q=a+b%2Bc%26d%3De%23f%25g%C3%A9&a%20b=1", &[]);
    assert_eq!(
        read::<String>(&req, Location::Query, "q", &Schema::STRING, Style::Form, true),
        Ok("a b+c&d=e#f%gé".into())
    );
    // Keys are decoded too.
    assert_eq!(read::<i64>(&req, Location::Query, "a b", &Schema::INTEGER, Style::Form, true), Ok(1));
}

#[test]
fn parameters_are_coerced_to_their_schema_types() {
    let req = incoming("/items?i=-7&n=2.5&b=true&f=false&s=12", &[]);
    let query = Location::Query;
    assert_eq!(read::<Value>(&req, query, "i", &Schema::INTEGER, Style::Form, true), Ok(json!(-7)));
    assert_eq!(read::<Value>(&req, query, "n", &Schema::NUMBER, Style::Form, true), Ok(json!(2.5)));
    assert_eq!(read::<Value>(&req, query, "b", &BOOLEAN, Style::Form, true), Ok(json!(true)));
    assert_eq!(read::<Value>(&req, query, "f", &BOOLEAN, Style::Form, true), Ok(json!(false)));
    // A string schema keeps digits as text.
    assert_eq!(read::<Value>(&req, query, "s", &Schema::STRING, Style::Form, true), Ok(json!("12")));
}

#[test]
fn parameters_that_do_not_coerce_are_named_by_pointer() {
    let req = incoming("/items?page=ten&flag=True&ids=1,2,x&pair=n,seven&ratio=NaNa", &[]);
    let query = Location::Query;
    assert_eq!(
        read::<i64>(&req, query, "page", &Schema::INTEGER, Style::Form, true),
        Err(vec![field("/query/page", "must be an integer, not a string")])
    );
    assert_eq!(
        read::<bool>(&req, query, "flag", &BOOLEAN, Style::Form, true),
        Err(vec![field("/query/flag", "must be a boolean, not a string")])
    );
    assert_eq!(
        read::<Vec<i64>>(&req, query, "ids", &INTEGERS, Style::Form, false),
        Err(vec![field("/query/ids/2", "must be an integer, not a string")])
    );
    assert_eq!(
        read::<Value>(&req, query, "pair", &PAIR, Style::Form, false),
        Err(vec![field("/query/pair/n", "must be an integer, not a string")])
    );
    assert_eq!(
        read::<f64>(&req, query, "ratio", &Schema::NUMBER, Style::Form, true),
        Err(vec![field("/query/ratio", "must be a number, not a string")])
    );
    // Integer out of the 32-bit range, and bounds, apply to parameters too.
    let req = incoming("/items?small=2147483648&limit=0", &[]);
    static LIMIT: Schema = Schema::Integer {
        minimum: Some(1.0),
        maximum: Some(100.0),
        exclusive_minimum: false,
        exclusive_maximum: false,
        int32: true,
        values: &[],
    };
    assert_eq!(
        read::<i32>(&req, query, "small", &Schema::INT32, Style::Form, true),
        Err(vec![field("/query/small", "must fit in 32 bits")])
    );
    assert_eq!(
        read::<i32>(&req, query, "limit", &LIMIT, Style::Form, true),
        Err(vec![field("/query/limit", "must be at least 1")])
    );
}

#[test]
fn string_parameters_are_checked_against_their_schema() {
    static CODE: Schema =
        Schema::String { min_length: Some(2), max_length: Some(3), pattern: Some("^[a-z]+$"), values: &[] };
    static SORT: Schema =
        Schema::String { min_length: None, max_length: None, pattern: None, values: &["asc", "desc"] };
    let req = incoming("/items?code=abc&long=abcd&digits=12&sort=desc&bad=up", &[]);
    let query = Location::Query;
    assert_eq!(read::<String>(&req, query, "code", &CODE, Style::Form, true), Ok("abc".into()));
    assert_eq!(
        read::<String>(&req, query, "long", &CODE, Style::Form, true),
        Err(vec![field("/query/long", "must be at most 3 characters long")])
    );
    assert_eq!(
        read::<String>(&req, query, "digits", &CODE, Style::Form, true),
        Err(vec![field("/query/digits", "must match the pattern `^[a-z]+$`")])
    );
    assert_eq!(read::<String>(&req, query, "sort", &SORT, Style::Form, true), Ok("desc".into()));
    assert_eq!(
        read::<String>(&req, query, "bad", &SORT, Style::Form, true),
        Err(vec![field("/query/bad", "must be one of: asc, desc")])
    );
}

#[test]
fn absent_and_repeated_parameters() {
    let req = incoming("/items?page=1&page=2&ids=1&ids=2", &[("x-one", "a"), ("x-one", "b")]);
    let mut errors = Vec::new();
    // Absent: an error only when required.
    assert_eq!(
        req.param::<i64>(
            param(Location::Query, "size", &Schema::INTEGER, Style::Form, true, Presence::Optional),
            &mut errors
        ),
        None
    );
    assert!(errors.is_empty());
    assert_eq!(
        req.param::<i64>(
            param(Location::Query, "size", &Schema::INTEGER, Style::Form, true, Presence::Required),
            &mut errors
        ),
        None
    );
    assert_eq!(errors, vec![field("/query/size", "is required")]);
    // A single value given twice is refused, never first or last wins.
    assert_eq!(
        read::<i64>(&req, Location::Query, "page", &Schema::INTEGER, Style::Form, true),
        Err(vec![field("/query/page", "is given more than once")])
    );
    assert_eq!(
        read::<Vec<i64>>(&req, Location::Query, "ids", &INTEGERS, Style::Form, false),
        Err(vec![field("/query/ids", "is given more than once")])
    );
    assert_eq!(
        read::<String>(&req, Location::Header, "x-one", &Schema::STRING, Style::Simple, false),
        Err(vec![field("/header/x-one", "is given more than once")])
    );
    // A key of an object given twice.
    let req = incoming("/items?filter[n]=1&filter[n]=2", &[]);
    assert_eq!(
        read::<Value>(&req, Location::Query, "filter", &PAIR, Style::DeepObject, true),
        Err(vec![field("/query/filter/n", "is given more than once")])
    );
    // Failures of several parameters are all kept.
    let req = incoming("/items?a=x&b=y", &[]);
    let mut errors = Vec::new();
    req.param::<i64>(param(Location::Query, "a", &Schema::INTEGER, Style::Form, true, Presence::Required), &mut errors);
    req.param::<i64>(param(Location::Query, "b", &Schema::INTEGER, Style::Form, true, Presence::Required), &mut errors);
    req.param::<i64>(param(Location::Query, "c", &Schema::INTEGER, Style::Form, true, Presence::Required), &mut errors);
    assert_eq!(pointers(&errors), ["/query/a", "/query/b", "/query/c"]);
}

#[test]
fn header_parameters() {
    let req = incoming(
        "/items",
        &[("x-raw", "a%20b/c?d#e"), ("x-ids", "1,2"), ("x-lines", "1"), ("x-lines", "2,3"), ("x-pair", "n=5,s=t")],
    );
    let header = Location::Header;
    // Header values are not percent-decoded.
    assert_eq!(read::<String>(&req, header, "x-raw", &Schema::STRING, Style::Simple, false), Ok("a%20b/c?d#e".into()));
    assert_eq!(read::<String>(&req, header, "X-Raw", &Schema::STRING, Style::Simple, false), Ok("a%20b/c?d#e".into()));
    assert_eq!(read::<Vec<i64>>(&req, header, "x-ids", &INTEGERS, Style::Simple, false), Ok(vec![1, 2]));
    // The lines of a list are one list.
    assert_eq!(read::<Vec<i64>>(&req, header, "x-lines", &INTEGERS, Style::Simple, false), Ok(vec![1, 2, 3]));
    assert_eq!(read::<Value>(&req, header, "x-pair", &PAIR, Style::Simple, true), Ok(json!({"n": 5, "s": "t"})));

    let (_, req) = route(ROUTES, parts("GET", "/items", &[("x-bin", b"caf\xe9")])).expect("routed");
    assert_eq!(
        read::<String>(&req, header, "x-bin", &Schema::STRING, Style::Simple, false),
        Err(vec![field("/header/x-bin", "is not UTF-8 text")])
    );
}

#[test]
fn cookie_parameters() {
    let req = incoming("/items", &[("cookie", "session=a%3Bb%3Dc+d%C3%A9; ids=1,2"), ("cookie", "twice=1; twice=2")]);
    let cookie = Location::Cookie;
    // Cookie values are percent-decoded; `+` is not a space there.
    assert_eq!(read::<String>(&req, cookie, "session", &Schema::STRING, Style::Form, false), Ok("a;b=c+dé".into()));
    assert_eq!(read::<Vec<i64>>(&req, cookie, "ids", &INTEGERS, Style::Form, false), Ok(vec![1, 2]));
    assert_eq!(
        read::<i64>(&req, cookie, "twice", &Schema::INTEGER, Style::Form, false),
        Err(vec![field("/cookie/twice", "is given more than once")])
    );
}

#[test]
fn escapes_that_are_not_utf8_are_refused_with_their_pointer() {
    let refused = |uri: &str, headers: &[(&str, &[u8])]| match route(ROUTES, parts("GET", uri, headers)) {
        Ok(_) => panic!("{uri} was accepted"),
        Err(problem) => (problem.status, problem.errors),
    };
    let detail = "percent-escapes that are not UTF-8";
    assert_eq!(refused("/items/%FF", &[]), (400, vec![field("/path/id", detail)]));
    assert_eq!(refused("/items?q=%C3", &[]), (400, vec![field("/query/q", detail)]));
    assert_eq!(refused("/items?a%FFb=1", &[]), (400, vec![field("/query/a%FFb", detail)]));
    assert_eq!(refused("/items", &[("cookie", b"id=%E2%82")]), (400, vec![field("/cookie/id", detail)]));
}

#[test]
fn parameter_names_are_escaped_in_pointers() {
    let req = incoming("/items?a%2Fb~c=x", &[]);
    assert_eq!(
        read::<i64>(&req, Location::Query, "a/b~c", &Schema::INTEGER, Style::Form, true),
        Err(vec![field("/query/a~1b~0c", "must be an integer, not a string")])
    );
}

// ---------------------------------------------------------------- validator

/// Every failure of `value`; the streaming check must agree with it.
fn failures(value: Value, schema: &'static Schema) -> Vec<FieldError> {
    let mut errors = Vec::new();
    validate(&value, schema, "/body", &mut errors);
    let text = serde_json::to_vec(&value).expect("JSON text");
    assert_eq!(valid_json(&text, schema), errors.is_empty(), "the streaming check disagrees on {value}: {errors:?}");
    errors
}

/// As `failures`, for schemas with `uniqueItems`, which the streaming check
/// leaves to the tree: it must never accept a failing value.
fn failures_unique(value: Value, schema: &'static Schema) -> Vec<FieldError> {
    let mut errors = Vec::new();
    validate(&value, schema, "/body", &mut errors);
    let text = serde_json::to_vec(&value).expect("JSON text");
    assert!(!valid_json(&text, schema) || errors.is_empty(), "the streaming check accepts {value}: {errors:?}");
    errors
}

fn details(errors: &[FieldError]) -> Vec<(&str, &str)> {
    errors.iter().map(|e| (e.pointer.as_str(), e.detail.as_str())).collect()
}

#[test]
fn integers_and_their_bounds() {
    static RANGE: Schema = Schema::Integer {
        minimum: Some(1.0),
        maximum: Some(10.0),
        exclusive_minimum: false,
        exclusive_maximum: false,
        int32: false,
        values: &[],
    };
    static OPEN: Schema = Schema::Integer {
        minimum: Some(1.0),
        maximum: Some(10.0),
        exclusive_minimum: true,
        exclusive_maximum: true,
        int32: false,
        values: &[],
    };
    for ok in [json!(1), json!(10), json!(5)] {
        assert_eq!(failures(ok, &RANGE), []);
    }
    assert_eq!(details(&failures(json!(0), &RANGE)), [("/body", "must be at least 1")]);
    assert_eq!(details(&failures(json!(11), &RANGE)), [("/body", "must be at most 10")]);
    assert_eq!(details(&failures(json!(1), &OPEN)), [("/body", "must be greater than 1")]);
    assert_eq!(details(&failures(json!(10), &OPEN)), [("/body", "must be less than 10")]);
    assert_eq!(failures(json!(2), &OPEN), []);
    assert_eq!(failures(json!(9), &OPEN), []);
    assert_eq!(details(&failures(json!(1.5), &RANGE)), [("/body", "must be an integer")]);
    assert_eq!(details(&failures(json!("5"), &RANGE)), [("/body", "must be an integer, not a string")]);
    assert_eq!(details(&failures(json!(null), &RANGE)), [("/body", "must be an integer, not null")]);
    // 32 bits
    assert_eq!(failures(json!(i32::MAX), &Schema::INT32), []);
    assert_eq!(failures(json!(i32::MIN), &Schema::INT32), []);
    assert_eq!(details(&failures(json!(i64::from(i32::MAX) + 1), &Schema::INT32)), [("/body", "must fit in 32 bits")]);
    assert_eq!(details(&failures(json!(i64::from(i32::MIN) - 1), &Schema::INT32)), [("/body", "must fit in 32 bits")]);
    assert_eq!(failures(json!(i64::MIN), &Schema::INTEGER), []);
}

/// An integer or number `enum` admits its values only: `1.0` is the
/// number `1` and `-0` is `0`; the streaming check agrees with the tree.
#[test]
fn integer_and_number_enums_admit_their_values_only() {
    static LEVELS: Schema = Schema::Integer {
        minimum: None,
        maximum: None,
        exclusive_minimum: false,
        exclusive_maximum: false,
        int32: false,
        values: &[1, 2, 3],
    };
    static RATES: Schema = Schema::Number {
        minimum: None,
        maximum: None,
        exclusive_minimum: false,
        exclusive_maximum: false,
        values: &[0.0, 0.5, 1.0],
    };
    for ok in [json!(1), json!(3)] {
        assert_eq!(failures(ok.clone(), &LEVELS), []);
        assert!(valid_json(ok.to_string().as_bytes(), &LEVELS));
    }
    for ok in [json!(0.5), json!(1), json!(1.0), json!(-0.0), json!(0)] {
        assert_eq!(failures(ok.clone(), &RATES), [], "{ok}");
        assert!(valid_json(ok.to_string().as_bytes(), &RATES), "{ok}");
    }
    assert_eq!(details(&failures(json!(7), &LEVELS)), [("/body", "must be one of: 1, 2, 3")]);
    assert_eq!(details(&failures(json!(0.25), &RATES)), [("/body", "must be one of: 0, 0.5, 1")]);
    assert!(!valid_json(b"7", &LEVELS));
    assert!(!valid_json(b"0.25", &RATES));
}

#[test]
fn numbers_and_their_bounds() {
    static OPEN: Schema = Schema::Number {
        minimum: Some(0.0),
        maximum: Some(1.0),
        exclusive_minimum: true,
        exclusive_maximum: false,
        values: &[],
    };
    assert_eq!(failures(json!(0.5), &OPEN), []);
    assert_eq!(failures(json!(1), &OPEN), []);
    assert_eq!(failures(json!(1.0), &OPEN), []);
    assert_eq!(details(&failures(json!(0), &OPEN)), [("/body", "must be greater than 0")]);
    assert_eq!(details(&failures(json!(0.0), &OPEN)), [("/body", "must be greater than 0")]);
    assert_eq!(details(&failures(json!(-0.1), &OPEN)), [("/body", "must be greater than 0")]);
    assert_eq!(details(&failures(json!(1.000001), &OPEN)), [("/body", "must be at most 1")]);
    assert_eq!(details(&failures(json!(true), &OPEN)), [("/body", "must be a number, not a boolean")]);
    assert_eq!(failures(json!(12345678901234_u64), &Schema::NUMBER), []);
}

#[test]
fn strings_lengths_patterns_and_values() {
    static CODE: Schema =
        Schema::String { min_length: Some(3), max_length: Some(4), pattern: Some("^[a-zé]+$"), values: &[] };
    static COLOR: Schema =
        Schema::String { min_length: None, max_length: None, pattern: None, values: &["blue", "green", "red"] };
    assert_eq!(failures(json!("abc"), &CODE), []);
    // Lengths count characters, not bytes.
    assert_eq!(failures(json!("ééé"), &CODE), []);
    assert_eq!(details(&failures(json!("ab"), &CODE)), [("/body", "must be at least 3 characters long")]);
    assert_eq!(details(&failures(json!("abcde"), &CODE)), [("/body", "must be at most 4 characters long")]);
    assert_eq!(details(&failures(json!("ab1"), &CODE)), [("/body", "must match the pattern `^[a-zé]+$`")]);
    // Every rule broken is reported.
    assert_eq!(
        details(&failures(json!("ABCDEF"), &CODE)),
        [("/body", "must be at most 4 characters long"), ("/body", "must match the pattern `^[a-zé]+$`")]
    );
    assert_eq!(failures(json!("green"), &COLOR), []);
    assert_eq!(details(&failures(json!("Green"), &COLOR)), [("/body", "must be one of: blue, green, red")]);
    assert_eq!(details(&failures(json!(3), &COLOR)), [("/body", "must be a string, not a number")]);
}

#[test]
fn all_string_rules_fail_together() {
    static ALL: Schema =
        Schema::String { min_length: Some(5), max_length: None, pattern: Some("^x"), values: &["xxxxx", "xxxxxx"] };
    assert_eq!(
        details(&failures(json!("ab"), &ALL)),
        [
            ("/body", "must be at least 5 characters long"),
            ("/body", "must match the pattern `^x`"),
            ("/body", "must be one of: xxxxx, xxxxxx"),
        ]
    );
}

#[test]
fn a_pattern_the_regex_crate_cannot_compile_is_not_checked() {
    static LOOKAHEAD: Schema =
        Schema::String { min_length: None, max_length: Some(3), pattern: Some("^(?=a)a+$"), values: &[] };
    assert_eq!(failures(json!("bbb"), &LOOKAHEAD), []);
    // The other rules still are.
    assert_eq!(details(&failures(json!("bbbb"), &LOOKAHEAD)), [("/body", "must be at most 3 characters long")]);
}

#[test]
fn a_long_list_of_values_is_cut_in_the_message() {
    static MANY: Schema = Schema::String {
        min_length: None,
        max_length: None,
        pattern: None,
        values: &[
            "a00", "a01", "a02", "a03", "a04", "a05", "a06", "a07", "a08", "a09", "a10", "a11", "a12", "a13", "a14",
            "a15", "a16", "a17", "a18", "a19", "a20", "a21",
        ],
    };
    assert_eq!(failures(json!("a21"), &MANY), []);
    let errors = failures(json!("b"), &MANY);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].detail.ends_with("a18, a19, ... (22 values in all)"), "{}", errors[0].detail);
    assert!(!errors[0].detail.contains("a20"));
}

#[test]
fn arrays_items_bounds_and_uniqueness() {
    static TAGS: Schema =
        Schema::Array { items: &Schema::STRING, min_items: Some(1), max_items: Some(3), unique_items: false };
    static UNIQUE: Schema = Schema::Array { items: &Schema::Any, min_items: None, max_items: None, unique_items: true };
    assert_eq!(failures(json!(["a", "b"]), &TAGS), []);
    assert_eq!(details(&failures(json!([]), &TAGS)), [("/body", "must have at least 1 items")]);
    assert_eq!(details(&failures(json!(["a", "b", "c", "d"]), &TAGS)), [("/body", "must have at most 3 items")]);
    assert_eq!(
        details(&failures(json!(["a", 1, null]), &TAGS)),
        [("/body/1", "must be a string, not a number"), ("/body/2", "must be a string, not null")]
    );
    assert_eq!(details(&failures(json!({"0": "a"}), &TAGS)), [("/body", "must be an array, not an object")]);

    assert_eq!(failures_unique(json!([1, 2, "1", [1], {"a": 1}, {"a": 2}, null, true]), &UNIQUE), []);
    // Equal as JSON Schema sees them: 1 and 1.0, objects whatever their key order.
    for repeated in [
        json!([1, 2, 1]),
        json!([1, 1.0]),
        json!(["a", "a"]),
        json!([{"a": 1, "b": [true]}, {"b": [true], "a": 1}]),
        json!([[1, "x"], [1, "x"]]),
        json!([null, null]),
    ] {
        assert_eq!(
            details(&failures_unique(repeated.clone(), &UNIQUE)),
            [("/body", "items must be unique")],
            "{repeated}"
        );
    }
    // Not equal: strings that would concatenate alike, arrays of other lengths.
    assert_eq!(failures_unique(json!(["ab", "a"]), &UNIQUE), []);
    assert_eq!(failures_unique(json!([["a", "b"], ["ab"]]), &UNIQUE), []);
    assert_eq!(failures_unique(json!([{"a": "b"}, {"ab": ""}]), &UNIQUE), []);
}

static ADDRESS: Schema = Schema::Object {
    properties: &[("city", &Schema::STRING), ("zip", &ZIP)],
    required: &["city"],
    additional: Additional::Deny,
};
static ZIP: Schema =
    Schema::String { min_length: Some(5), max_length: Some(5), pattern: Some("^[0-9]+$"), values: &[] };
static AGE: Schema = Schema::Integer {
    minimum: Some(0.0),
    maximum: Some(150.0),
    exclusive_minimum: false,
    exclusive_maximum: false,
    int32: true,
    values: &[],
};
static LABELS: Schema =
    Schema::Object { properties: &[], required: &[], additional: Additional::Check(&Schema::STRING) };
static PERSON: Schema = Schema::Object {
    properties: &[
        ("address", &ADDRESS),
        ("age", &AGE),
        ("labels", &LABELS),
        ("name", &Schema::STRING),
        ("nickname", &NICKNAME),
        ("tags", &TAG_LIST),
    ],
    required: &["age", "name"],
    additional: Additional::Allow,
};
static NICKNAME: Schema = Schema::Nullable(&Schema::STRING);
static TAG_LIST: Schema = Schema::Array { items: &TAG, min_items: None, max_items: Some(2), unique_items: false };
static TAG: Schema = Schema::Ref(&TAG_TYPE);
static TAG_TYPE: Schema = Schema::String { min_length: Some(1), max_length: None, pattern: None, values: &[] };

#[test]
fn objects_required_and_additional_properties() {
    assert_eq!(failures(json!({"name": "Ann", "age": 30}), &PERSON), []);
    assert_eq!(failures(json!({"name": "Ann", "age": 30, "extra": [1, {}]}), &PERSON), []);
    assert_eq!(details(&failures(json!({}), &PERSON)), [("/body/age", "is required"), ("/body/name", "is required")]);
    // Deny: unknown keys are named, with `/` and `~` escaped.
    assert_eq!(
        details(&failures(json!({"city": "X", "a/b": 1, "c~d": 2}), &ADDRESS)),
        [("/body/a~1b", "is not a known property"), ("/body/c~0d", "is not a known property")]
    );
    // Check: unknown keys follow the schema given.
    assert_eq!(failures(json!({"x": "1", "y": "2"}), &LABELS), []);
    assert_eq!(details(&failures(json!({"x": "1", "y": 2}), &LABELS)), [("/body/y", "must be a string, not a number")]);
    assert_eq!(details(&failures(json!([]), &PERSON)), [("/body", "must be an object, not an array")]);
}

#[test]
fn nullable_refs_and_any() {
    assert_eq!(failures(json!({"name": "Ann", "age": 1, "nickname": null}), &PERSON), []);
    assert_eq!(
        details(&failures(json!({"name": null, "age": 1, "nickname": 5}), &PERSON)),
        [("/body/name", "must be a string, not null"), ("/body/nickname", "must be a string, not a number")]
    );
    // Through a `Ref`, the named schema applies.
    assert_eq!(
        details(&failures(json!({"name": "A", "age": 1, "tags": ["ok", ""]}), &PERSON)),
        [("/body/tags/1", "must be at least 1 characters long")]
    );
    for anything in [json!(null), json!(1), json!("x"), json!([1, [2]]), json!({"a": {}})] {
        assert_eq!(failures(anything, &Schema::Any), []);
    }
}

#[test]
fn a_cycle_of_references_does_not_hang() {
    static LOOP: Schema = Schema::Ref(&LOOP_BACK);
    static LOOP_BACK: Schema = Schema::Ref(&LOOP);
    let mut errors = Vec::new();
    validate(&json!({"a": [1, 2]}), &LOOP, "/body", &mut errors);
    assert!(errors.is_empty());
    assert!(valid_json(b"[1, {\"a\": null}]", &LOOP));
}

#[test]
fn every_failure_of_a_document_is_reported_at_its_pointer() {
    let document = json!({
        "address": {"country": "FR", "zip": "12a"},
        "age": -1,
        "labels": {"k/1": 3},
        "name": 7,
        "tags": ["", "b", "c"],
    });
    assert_eq!(
        details(&failures(document, &PERSON)),
        [
            ("/body/address/city", "is required"),
            ("/body/address/country", "is not a known property"),
            ("/body/address/zip", "must be at least 5 characters long"),
            ("/body/address/zip", "must match the pattern `^[0-9]+$`"),
            ("/body/age", "must be at least 0"),
            ("/body/labels/k~11", "must be a string, not a number"),
            ("/body/name", "must be a string, not a number"),
            ("/body/tags", "must have at most 2 items"),
            ("/body/tags/0", "must be at least 1 characters long"),
        ]
    );
}

#[test]
fn failures_are_capped() {
    static CLOSED: Schema = Schema::Object { properties: &[], required: &[], additional: Additional::Deny };
    let map: Map<String, Value> = (0..(MAX_FIELD_ERRORS + 50)).map(|i| (format!("k{i:03}"), json!(i))).collect();
    let errors = failures(Value::Object(map), &CLOSED);
    assert_eq!(errors.len(), MAX_FIELD_ERRORS + 1);
    assert!(errors[..MAX_FIELD_ERRORS]
        .iter()
        .all(|e| e.detail == "is not a known property" && e.pointer.starts_with("/body/k")));
    assert_eq!(errors[MAX_FIELD_ERRORS], field("", "more failures, not listed"));
}

fn with_body(body: &[u8], content_type: &str) -> Incoming {
    let mut req = Incoming { body: Bytes::copy_from_slice(body), ..Incoming::empty() };
    req.headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).expect("a header value"));
    req
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Person {
    name: String,
    age: i8,
    #[serde(default)]
    tags: Vec<String>,
}

#[test]
fn json_bodies_are_validated_and_typed() {
    let mut errors = Vec::new();
    let req = with_body(br#"{"name": "Ann", "age": 30, "tags": ["x"], "more": {"a": 1}}"#, "application/json");
    let person: Option<Person> = req.json_body(&PERSON, Presence::Required, &mut errors);
    assert_eq!(person, Some(Person { name: "Ann".into(), age: 30, tags: vec!["x".into()] }));
    assert!(errors.is_empty());

    // Every failure, not the first.
    let req = with_body(br#"{"age": "30", "tags": [1, "", "x"]}"#, "application/json");
    assert_eq!(req.json_body::<Person>(&PERSON, Presence::Required, &mut errors), None);
    assert_eq!(pointers(&errors), ["/body/name", "/body/age", "/body/tags", "/body/tags/0", "/body/tags/1"]);

    // What the schema allows but the type does not is named where serde failed.
    let mut errors = Vec::new();
    let req = with_body(br#"{"name": "Ann", "age": 149}"#, "application/json");
    assert_eq!(req.json_body::<Person>(&PERSON, Presence::Required, &mut errors), None);
    assert_eq!(pointers(&errors), ["/body/age"]);
}

#[test]
fn json_bodies_that_are_not_json_or_repeat_a_key() {
    let mut errors = Vec::new();
    assert_eq!(
        with_body(b"{\"name\": ", "application/json").json_body::<Value>(&PERSON, Presence::Required, &mut errors),
        None
    );
    assert_eq!(pointers(&errors), ["/body"]);
    assert!(errors[0].detail.starts_with("not valid JSON"), "{}", errors[0].detail);

    let mut errors = Vec::new();
    let req = with_body(br#"{"name": "A", "age": 1, "address": {"city": "X", "city": "Y"}}"#, "application/json");
    assert_eq!(req.json_body::<Value>(&PERSON, Presence::Required, &mut errors), None);
    assert_eq!(errors, [field("/body/address/city", "is given more than once")]);
    // The first key given twice is the one named.
    let mut errors = Vec::new();
    let req = with_body(br#"{"age": 1, "age": 2, "name": "A", "name": "B"}"#, "application/json");
    assert_eq!(req.json_body::<Value>(&PERSON, Presence::Required, &mut errors), None);
    assert_eq!(errors, [field("/body/age", "is given more than once")]);

    // Trailing text after the value.
    let mut errors = Vec::new();
    assert_eq!(
        with_body(br#"{"name": "A", "age": 1} x"#, "application/json").json_body::<Value>(
            &PERSON,
            Presence::Required,
            &mut errors
        ),
        None
    );
    assert_eq!(pointers(&errors), ["/body"]);

    let mut errors = Vec::new();
    assert_eq!(Incoming::empty().json_body::<Value>(&PERSON, Presence::Optional, &mut errors), None);
    assert!(errors.is_empty());
    assert_eq!(Incoming::empty().json_body::<Value>(&PERSON, Presence::Required, &mut errors), None);
    assert_eq!(errors, [field("/body", "a request body is required")]);
}

#[test]
fn form_bodies_are_coerced_by_their_schema() {
    static FORM: Schema = Schema::Object {
        properties: &[("count", &Schema::INTEGER), ("note", &Schema::STRING), ("tags", &STRINGS)],
        required: &["count"],
        additional: Additional::Deny,
    };
    let mut errors = Vec::new();
    let req = with_body(b"count=3&note=a+b%26c%3D&tags=x&tags=y%20z", "application/x-www-form-urlencoded");
    assert_eq!(
        req.form_body::<Value>(&FORM, Presence::Required, &mut errors),
        Some(json!({"count": 3, "note": "a b&c=", "tags": ["x", "y z"]}))
    );
    assert!(errors.is_empty());

    let req = with_body(b"count=3&count=4", "application/x-www-form-urlencoded");
    assert_eq!(req.form_body::<Value>(&FORM, Presence::Required, &mut errors), None);
    assert_eq!(errors, [field("/body/count", "is given more than once")]);

    let mut errors = Vec::new();
    let req = with_body(b"count=three&other=1", "application/x-www-form-urlencoded");
    assert_eq!(req.form_body::<Value>(&FORM, Presence::Required, &mut errors), None);
    assert_eq!(
        details(&errors),
        [("/body/count", "must be an integer, not a string"), ("/body/other", "is not a known property")]
    );
}

// ---------------------------------------------------------------- problems

async fn read_response(response: Response) -> (StatusCode, HeaderMap, Bytes) {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.expect("the body");
    (parts.status, parts.headers, bytes)
}

async fn problem_json(response: Response) -> (StatusCode, HeaderMap, Value) {
    let (status, headers, bytes) = read_response(response).await;
    (status, headers, serde_json::from_slice(&bytes).expect("a JSON body"))
}

#[tokio::test]
async fn validation_problems_name_every_failing_pointer() {
    let errors =
        vec![field("/query/page", "must be an integer, not a string"), field("/body/items/0/name", "is required")];
    let problem = check(errors.clone()).expect_err("failures make a problem");
    assert_eq!((problem.status, problem.errors.clone()), (400, errors));
    let (status, headers, body) = problem_json(problem.into_response()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers.get_all(header::CONTENT_TYPE).iter().collect::<Vec<_>>(), ["application/problem+json"]);
    assert_eq!(
        body,
        json!({
            "type": "about:blank",
            "title": "Bad Request",
            "status": 400,
            "detail": "2 invalid field(s) in the request",
            "errors": [
                {"pointer": "/query/page", "detail": "must be an integer, not a string"},
                {"pointer": "/body/items/0/name", "detail": "is required"},
            ],
        })
    );
    assert!(check(Vec::new()).is_ok());
}

#[tokio::test]
async fn problems_carry_their_status_and_headers() {
    let mut problem = Problem::new(401, "Unauthorized", "missing or invalid credentials");
    problem.headers.push((header::WWW_AUTHENTICATE, "Bearer realm=\"a\"".into()));
    problem.headers.push((header::WWW_AUTHENTICATE, "Basic realm=\"b\"".into()));
    // A value that cannot be a header is left out, not sent broken.
    problem.headers.push((header::RETRY_AFTER, "1\r\nX-Injected: yes".into()));
    let (status, headers, body) = problem_json(problem.into_response()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(
        headers.get_all(header::WWW_AUTHENTICATE).iter().collect::<Vec<_>>(),
        ["Bearer realm=\"a\"", "Basic realm=\"b\""]
    );
    assert!(headers.get(header::RETRY_AFTER).is_none());
    assert!(headers.get("x-injected").is_none());
    assert_eq!(body["status"], 401);
    assert_eq!(body["title"], "Unauthorized");
    assert_eq!(body["detail"], "missing or invalid credentials");
    assert_eq!(body["errors"], json!([]));
}

#[test]
fn present_names_a_missing_value() {
    assert_eq!(present(Some(3), "/query/page").expect("present"), 3);
    let problem = present::<i32>(None, "/query/page").expect_err("absent");
    assert_eq!((problem.status, problem.errors), (400, vec![field("/query/page", "is required")]));
}

// ---------------------------------------------------------------- security

static SCHEMES: &[(&str, SchemeKind)] = &[
    ("basic", SchemeKind::Basic),
    ("bearer", SchemeKind::Bearer),
    ("key", SchemeKind::ApiKey(Location::Header, "x-api-key")),
    ("oidc", SchemeKind::Unsupported),
    ("query_key", SchemeKind::ApiKey(Location::Query, "api_key")),
    ("session", SchemeKind::ApiKey(Location::Cookie, "session")),
];

/// Grants by credential; records every call.
#[derive(Default)]
struct Api {
    calls: Mutex<Vec<(String, Credential)>>,
}

impl Authenticate for Api {
    type Principal = String;

    async fn authenticate(&self, scheme: &str, credential: Credential) -> Option<Grant<String>> {
        self.calls.lock().expect("not poisoned").push((scheme.to_owned(), credential.clone()));
        let grant = |who: &str, scopes: &[&str]| {
            Some(Grant { principal: who.to_owned(), scopes: scopes.iter().map(|s| (*s).to_owned()).collect() })
        };
        match (scheme, credential) {
            ("bearer", Credential::Bearer(token)) if token == "admin-token" => grant("admin", &["read", "write"]),
            ("bearer", Credential::Bearer(token)) if token == "reader-token" => grant("reader", &["read"]),
            ("basic", Credential::Basic { username, password }) if password == "pa:ss word" => grant(&username, &[]),
            ("key", Credential::ApiKey(key)) if key == "k1" => grant("service", &[]),
            ("query_key", Credential::ApiKey(key)) if key == "q 1" => grant("query-service", &[]),
            ("session", Credential::ApiKey(key)) if key == "s;1" => grant("session-user", &["read"]),
            _ => None,
        }
    }
}

impl Api {
    fn schemes_called(&self) -> Vec<String> {
        self.calls.lock().expect("not poisoned").iter().map(|(scheme, _)| scheme.clone()).collect()
    }
}

async fn authorize_with(security: Security, uri: &str, headers: &[(&str, &str)]) -> Result<Option<String>, Problem> {
    authorize(&Api::default(), &incoming(uri, headers), SCHEMES, security).await
}

fn challenges(problem: &Problem) -> Vec<&str> {
    problem.headers.iter().filter(|(name, _)| *name == header::WWW_AUTHENTICATE).map(|(_, v)| v.as_str()).collect()
}

static READ: Security = &[&[("bearer", &["read"])]];
static WRITE_OR_KEY: Security = &[&[("bearer", &["write"])], &[("key", &[])]];
static KEY_AND_SESSION: Security = &[&[("key", &[]), ("session", &["read"])]];

#[tokio::test]
async fn no_requirements_let_everyone_in() {
    let api = Api::default();
    assert_eq!(authorize(&api, &incoming("/items", &[]), SCHEMES, &[]).await.expect("open"), None);
    assert!(api.schemes_called().is_empty());
}

#[tokio::test]
async fn a_valid_credential_with_its_scopes_is_let_in() {
    assert_eq!(
        authorize_with(READ, "/items", &[("authorization", "Bearer reader-token")]).await.expect("in"),
        Some("reader".into())
    );
    // The scheme name is case-insensitive; spaces around the token are not part of it.
    assert_eq!(
        authorize_with(READ, "/items", &[("authorization", "bEaReR   admin-token ")]).await.expect("in"),
        Some("admin".into())
    );
}

#[tokio::test]
async fn missing_or_invalid_credentials_are_401_with_a_challenge_per_scheme() {
    for authorization in
        [None, Some("Bearer nobody"), Some("Bearer "), Some("Basic cmVhZGVyLXRva2Vu"), Some("reader-token")]
    {
        let headers: Vec<(&str, &str)> = authorization.map(|a| ("authorization", a)).into_iter().collect();
        let problem = authorize_with(WRITE_OR_KEY, "/items", &headers).await.expect_err("refused");
        assert_eq!((problem.status, problem.title.as_str()), (401, "Unauthorized"), "{authorization:?}");
        assert_eq!(
            challenges(&problem),
            ["Bearer realm=\"bearer\", scope=\"write\"", "ApiKey realm=\"key\", header=\"x-api-key\""]
        );
    }
    let problem = authorize_with(&[&[("basic", &[])], &[("query_key", &[]), ("session", &[])]], "/items", &[])
        .await
        .expect_err("refused");
    assert_eq!(
        challenges(&problem),
        [
            "Basic realm=\"basic\"",
            "ApiKey realm=\"query_key\", query=\"api_key\"",
            "ApiKey realm=\"session\", cookie=\"session\""
        ]
    );
}

#[tokio::test]
async fn any_alternative_whose_schemes_all_succeed_lets_in() {
    // The first alternative fails (no bearer token); the second is met.
    assert_eq!(
        authorize_with(WRITE_OR_KEY, "/items", &[("x-api-key", "k1")]).await.expect("in"),
        Some("service".into())
    );
    // Both met: the first wins.
    let both = [("x-api-key", "k1"), ("authorization", "Bearer admin-token")];
    assert_eq!(authorize_with(WRITE_OR_KEY, "/items", &both).await.expect("in"), Some("admin".into()));
    // Scopes lacking in the first alternative do not stop the second.
    let reader = [("x-api-key", "k1"), ("authorization", "Bearer reader-token")];
    assert_eq!(authorize_with(WRITE_OR_KEY, "/items", &reader).await.expect("in"), Some("service".into()));
}

#[tokio::test]
async fn combined_schemes_must_all_succeed() {
    let cookie = ("cookie", "session=s%3B1");
    assert_eq!(
        authorize_with(KEY_AND_SESSION, "/items", &[("x-api-key", "k1"), cookie]).await.expect("in"),
        // The first scheme's principal.
        Some("service".into())
    );
    for headers in [vec![("x-api-key", "k1")], vec![cookie], vec![("x-api-key", "k2"), cookie]] {
        let problem = authorize_with(KEY_AND_SESSION, "/items", &headers).await.expect_err("refused");
        assert_eq!(problem.status, 401, "{headers:?}");
    }
}

#[tokio::test]
async fn a_valid_credential_lacking_scopes_is_403() {
    let problem =
        authorize_with(WRITE_OR_KEY, "/items", &[("authorization", "Bearer reader-token")]).await.expect_err("refused");
    assert_eq!((problem.status, problem.title.as_str()), (403, "Forbidden"));
    assert!(challenges(&problem).is_empty());
    // Scopes are all required.
    static READ_WRITE: Security = &[&[("bearer", &["read", "write"])]];
    let problem =
        authorize_with(READ_WRITE, "/items", &[("authorization", "Bearer reader-token")]).await.expect_err("refused");
    assert_eq!(problem.status, 403);
    assert_eq!(
        authorize_with(READ_WRITE, "/items", &[("authorization", "Bearer admin-token")]).await.expect("in"),
        Some("admin".into())
    );
}

#[tokio::test]
async fn an_empty_alternative_makes_credentials_optional() {
    static OPTIONAL: Security = &[&[("bearer", &["read"])], &[]];
    assert_eq!(authorize_with(OPTIONAL, "/items", &[]).await.expect("in"), None);
    assert_eq!(authorize_with(OPTIONAL, "/items", &[("authorization", "Bearer nobody")]).await.expect("in"), None);
    assert_eq!(
        authorize_with(OPTIONAL, "/items", &[("authorization", "Bearer reader-token")]).await.expect("in"),
        Some("reader".into())
    );
}

#[tokio::test]
async fn basic_credentials_are_decoded() {
    static BASIC: Security = &[&[("basic", &[])]];
    // `ann:pa:ss word`: the user name ends at the first colon.
    let api = Api::default();
    let req = incoming("/items", &[("authorization", "Basic YW5uOnBhOnNzIHdvcmQ=")]);
    assert_eq!(authorize(&api, &req, SCHEMES, BASIC).await.expect("in"), Some("ann".into()));
    assert_eq!(
        api.calls.lock().expect("not poisoned").as_slice(),
        [("basic".to_owned(), Credential::Basic { username: "ann".into(), password: "pa:ss word".into() })]
    );
    // Not base64, no colon, another scheme: no credential.
    for bad in ["Basic !!!", "Basic YW5u", "Bearer YW5uOnBhOnNzIHdvcmQ="] {
        assert_eq!(
            authorize_with(BASIC, "/items", &[("authorization", bad)]).await.expect_err("refused").status,
            401,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn api_keys_in_the_query_and_cookies() {
    static QUERY: Security = &[&[("query_key", &[])]];
    assert_eq!(authorize_with(QUERY, "/items?api_key=q+1", &[]).await.expect("in"), Some("query-service".into()));
    assert_eq!(authorize_with(QUERY, "/items?api_key=", &[]).await.expect_err("refused").status, 401);
    assert_eq!(authorize_with(QUERY, "/items?API_KEY=q+1", &[]).await.expect_err("refused").status, 401);
    // A key given twice is refused: which one counts would be a guess.
    let problem = authorize_with(QUERY, "/items?api_key=q+1&api_key=q+1", &[]).await.expect_err("refused");
    assert_eq!((problem.status, problem.errors), (400, vec![field("/query/api_key", "is given more than once")]));
}

#[tokio::test]
async fn a_credential_given_twice_is_400() {
    let twice = [("authorization", "Bearer admin-token"), ("authorization", "Bearer reader-token")];
    let problem = authorize_with(READ, "/items", &twice).await.expect_err("refused");
    assert_eq!(
        (problem.status, problem.errors),
        (400, vec![field("/header/authorization", "is given more than once")])
    );
    let both = [("x-api-key", "k1"), ("cookie", "session=a; session=b")];
    let problem = authorize_with(KEY_AND_SESSION, "/items", &both).await.expect_err("refused");
    assert_eq!((problem.status, problem.errors), (400, vec![field("/cookie/session", "is given more than once")]));
}

#[tokio::test]
async fn schemes_the_server_cannot_read_are_never_met() {
    static OIDC: Security = &[&[("oidc", &[])]];
    static UNKNOWN: Security = &[&[("not_declared", &[])]];
    let api = Api::default();
    let req = incoming("/items", &[("authorization", "Bearer admin-token")]);
    assert_eq!(authorize(&api, &req, SCHEMES, OIDC).await.expect_err("refused").status, 401);
    assert_eq!(authorize(&api, &req, SCHEMES, UNKNOWN).await.expect_err("refused").status, 401);
    assert!(api.schemes_called().is_empty());
}

#[tokio::test]
async fn the_default_authenticate_rejects_everything() {
    struct Closed;
    impl Authenticate for Closed {
        type Principal = ();
    }
    let req = incoming("/items", &[("authorization", "Bearer admin-token")]);
    assert_eq!(authorize(&Closed, &req, SCHEMES, READ).await.expect_err("refused").status, 401);
}

// ---------------------------------------------------------------- responses

#[tokio::test]
async fn replies_with_headers_and_bodies() {
    let response = Reply::new(201)
        .header("x-list", &[1, 2, 3])
        .header("x-names", &["a b", "c"])
        .header("x-text", &"plain")
        .header("x-flag", &true)
        .header("x-absent", &None::<String>)
        .json("application/json", &json!({"id": 7}))
        .finish();
    let (status, headers, body) = read_response(response).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(headers["x-list"], "1,2,3");
    assert_eq!(headers["x-names"], "a b,c");
    assert_eq!(headers["x-text"], "plain");
    assert_eq!(headers["x-flag"], "true");
    assert!(headers.get("x-absent").is_none());
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(&body[..], br#"{"id":7}"#);

    let (status, headers, body) = read_response(Reply::new(204).finish()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(headers.get(header::CONTENT_TYPE).is_none());
    assert!(body.is_empty());
}

#[tokio::test]
async fn replies_that_cannot_be_sent_are_500() {
    for reply in
        [Reply::new(200).header("x-bad", &"a\nb"), Reply::new(1000), Reply::new(200).text("text/plain\r\n", "x".into())]
    {
        let (status, headers, body) = problem_json(reply.finish()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(body["status"], 500);
    }
}

// ---------------------------------------------------------------- routing

/// Answers with the operation's name and its `id` parameter; `create_item`
/// answers with its body, `list_items` panics.
static ID: Input = Input::path("id", &Schema::STRING);

async fn handle(_: Arc<()>, index: usize, mut incoming: Incoming) -> Result<Response, Problem> {
    let mut errors = Vec::new();
    let id: Option<String> = incoming.param(&ID, &mut errors);
    check(errors)?;
    match ROUTES[index].operation {
        "list_items" => panic!("the implementation fails"),
        "create_item" => {
            incoming.read_body().await?;
            Ok(Reply::new(201).bytes("application/octet-stream", incoming.body.to_vec()).finish())
        }
        operation => Ok(Reply::new(200).json("application/json", &json!([operation, id])).finish()),
    }
}

fn app(config: ServerConfig) -> axum::Router {
    router(Arc::new(()), config, ROUTES, handle, |_: &(), problem: Problem| {
        let mut response = problem.into_response();
        response.headers_mut().insert("x-rendered", HeaderValue::from_static("yes"));
        response
    })
}

async fn send(app: &axum::Router, method: &str, uri: &str, headers: &[(&str, &str)], body: &'static str) -> Response {
    let mut request = axum::http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::from(body)).expect("a request");
    let service = hyper_util::service::TowerToHyperService::new(app.clone());
    hyper::service::Service::call(&service, request).await.expect("infallible")
}

#[tokio::test]
async fn the_router_dispatches_by_method_and_path() {
    let app = app(ServerConfig::default());
    let (status, _, body) = read_response(send(&app, "GET", "/items/a%20b%2Fc", &[], "").await).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &br#"["get_item","a b/c"]"#[..]));
    let (status, _, body) = read_response(send(&app, "GET", "/files/report.json", &[], "").await).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &br#"["get_file",null]"#[..]));
    // HEAD is served by the GET operation, without a body.
    let (status, _, body) = read_response(send(&app, "HEAD", "/items/1", &[], "").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_empty());
    let (status, _, body) = read_response(send(&app, "POST", "/items", &[], "payload").await).await;
    assert_eq!((status, &body[..]), (StatusCode::CREATED, &b"payload"[..]));
}

#[tokio::test]
async fn the_router_answers_404_405_and_500_as_problems() {
    let app = app(ServerConfig::default());
    let (status, headers, body) = problem_json(send(&app, "GET", "/nowhere", &[], "").await).await;
    assert_eq!((status, body["status"].clone()), (StatusCode::NOT_FOUND, json!(404)));
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(headers["x-rendered"], "yes");

    let (status, headers, _) = problem_json(send(&app, "DELETE", "/items", &[], "").await).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::ALLOW], "GET, POST, HEAD");
    assert_eq!(headers["x-rendered"], "yes");

    let (status, _, body) = problem_json(send(&app, "GET", "/items/%FF", &[], "").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"], json!([{"pointer": "/path/id", "detail": "percent-escapes that are not UTF-8"}]));

    let (status, _, body) = problem_json(send(&app, "GET", "/items", &[], "").await).await;
    assert_eq!((status, body["status"].clone()), (StatusCode::INTERNAL_SERVER_ERROR, json!(500)));
}

#[tokio::test]
async fn the_router_limits_bodies_and_requests() {
    let limited = app(ServerConfig::default().with_body_limit_for("create_item", 4));
    let (status, headers, _) = problem_json(send(&limited, "POST", "/items", &[], "12345").await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers[header::CONNECTION], "close");
    let (status, _, body) = read_response(send(&limited, "POST", "/items", &[], "1234").await).await;
    assert_eq!((status, &body[..]), (StatusCode::CREATED, &b"1234"[..]));

    let busy = app(ServerConfig { max_concurrent_requests: 0, ..ServerConfig::default() });
    let (status, headers, _) = problem_json(send(&busy, "GET", "/items/1", &[], "").await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers[header::RETRY_AFTER], "1");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let app = app(ServerConfig { body_timeout: Duration::from_millis(20), ..ServerConfig::default() });
    let stalled = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/items")
        .body(Body::from_stream(stalled))
        .expect("a request");
    let service = hyper_util::service::TowerToHyperService::new(app);
    let response = hyper::service::Service::call(&service, request).await.expect("infallible");
    let (status, headers, body) = problem_json(response).await;
    assert_eq!((status, body["status"].clone()), (StatusCode::REQUEST_TIMEOUT, json!(408)));
    assert_eq!(headers[header::CONNECTION], "close");
}

#[test]
fn bodies_in_media_types_the_operation_does_not_accept_are_415() {
    let accepted = ["application/json", "application/x-www-form-urlencoded"];
    assert!(with_body(b"{}", "application/json").expect_media_type(&accepted).is_ok());
    assert!(with_body(b"{}", "Application/JSON; charset=utf-8").expect_media_type(&accepted).is_ok());
    let problem = with_body(b"{}", "text/plain").expect_media_type(&accepted).expect_err("refused");
    assert_eq!(problem.status, 415);
    assert!(problem.detail.contains("text/plain"), "{}", problem.detail);
    // No body, no media type to check.
    assert!(Incoming::empty().expect_media_type(&accepted).is_ok());
    let mut chunked = Incoming::empty();
    chunked.headers.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
    assert_eq!(chunked.expect_media_type(&accepted).expect_err("refused").status, 415);
}

#[test]
fn requests_accepting_none_of_the_answers_are_406() {
    let accepting = |accept: &[&str]| {
        let mut req = Incoming::empty();
        for value in accept {
            req.headers.append(header::ACCEPT, HeaderValue::from_str(value).expect("a header value"));
        }
        req.expect_acceptable(&["application/json", "text/csv"]).map_err(|p| p.status)
    };
    assert_eq!(accepting(&[]), Ok(()));
    assert_eq!(accepting(&["*/*"]), Ok(()));
    assert_eq!(accepting(&["text/*"]), Ok(()));
    assert_eq!(accepting(&["application/xml, TEXT/CSV;q=0.5"]), Ok(()));
    assert_eq!(accepting(&["application/xml", "text/html"]), Err(406));
    // `q=0` refuses, the most specific range deciding.
    assert_eq!(accepting(&["application/json;q=0, text/csv;q=0, */*"]), Err(406));
    assert_eq!(accepting(&["text/*;q=0, text/csv"]), Ok(()));
    // Problem documents, the server's own answers, are always acceptable.
    assert_eq!(accepting(&["application/problem+json"]), Ok(()));
}

/// Serves `app(config)` on 127.0.0.1 through [`serve`].
async fn serving(config: ServerConfig) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("its address");
    let router = app(config.clone());
    tokio::spawn(async move { serve(listener, router, &config).await });
    address
}

fn connect(address: std::net::SocketAddr, read_timeout: Duration) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(address).expect("connected");
    stream.set_read_timeout(Some(read_timeout)).expect("a read timeout");
    stream
}

/// Reads one response whose body is `Content-Length` long.
fn read_one(stream: &mut std::net::TcpStream) -> std::io::Result<String> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return Ok(text);
            }
        }
        match std::io::Read::read(stream, &mut buffer)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => data.extend_from_slice(&buffer[..n]),
        }
    }
}

/// Whether the server closed the connection (rather than the read timing out).
fn closed(stream: &mut std::net::TcpStream) -> bool {
    let mut buffer = [0u8; 64];
    match std::io::Read::read(stream, &mut buffer) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
    }
}

const GET_ITEM: &[u8] = b"GET /items/a%20b HTTP/1.1\r\nHost: test\r\n\r\n";

#[tokio::test]
async fn serve_answers_requests_and_closes_idle_connections() {
    let config = ServerConfig { idle_timeout: Duration::from_millis(100), ..ServerConfig::default() };
    let address = serving(config).await;
    let (answer, closed_when_idle) = tokio::task::spawn_blocking(move || {
        let mut stream = connect(address, Duration::from_secs(5));
        std::io::Write::write_all(&mut stream, GET_ITEM).expect("sent");
        let answer = read_one(&mut stream).expect("an answer");
        (answer, closed(&mut stream))
    })
    .await
    .expect("the exchange");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(r#"["get_item","a b"]"#), "{answer}");
    assert!(closed_when_idle);
}

#[tokio::test]
async fn serve_closes_connections_whose_headers_are_slow() {
    let config = ServerConfig { header_timeout: Duration::from_millis(100), ..ServerConfig::default() };
    let address = serving(config).await;
    let closed_early = tokio::task::spawn_blocking(move || {
        let mut stream = connect(address, Duration::from_secs(5));
        std::io::Write::write_all(&mut stream, b"GET /items/1 HTTP/1.1\r\nHost: te").expect("sent");
        let started = std::time::Instant::now();
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut rest);
        started.elapsed() < Duration::from_secs(3) && !String::from_utf8_lossy(&rest).contains(" 200 ")
    })
    .await
    .expect("the exchange");
    assert!(closed_early);
}

#[tokio::test]
async fn serve_holds_connections_beyond_its_limit_in_the_backlog() {
    let address = serving(ServerConfig { max_connections: 1, ..ServerConfig::default() }).await;
    let (waited, answer) = tokio::task::spawn_blocking(move || {
        let first = connect(address, Duration::from_secs(5));
        let mut second = connect(address, Duration::from_millis(300));
        std::io::Write::write_all(&mut second, GET_ITEM).expect("sent");
        // No answer while the first connection holds the only slot.
        let waited = read_one(&mut second).is_err();
        drop(first);
        second.set_read_timeout(Some(Duration::from_secs(5))).expect("a read timeout");
        (waited, read_one(&mut second))
    })
    .await
    .expect("the exchange");
    assert!(waited);
    assert!(answer.expect("an answer once the first closed").starts_with("HTTP/1.1 200"));
}

// ---------------------------------------------------------------- round trip

/// The client writes each parameter in its style; the server, serving on
/// 127.0.0.1, reads it back by its schema and answers with what it read.
#[cfg(feature = "client")]
mod round_trip {
    use super::super::super::client;
    use super::*;

    /// One parameter: where, its name, its schema, style and explode.
    type Case = (Location, &'static str, &'static Schema, Style, bool);

    static ECHO: &[Route] =
        &[Route { method: Method::GET, operation: "echo", path: &[Segment::Literal("/echo/"), Segment::Param("p")] }];

    /// The same parameter as the client declares it.
    fn client_param(&(location, name, _, style, explode): &Case) -> client::Param {
        let location = match location {
            Location::Path => client::Location::Path,
            Location::Query => client::Location::Query,
            Location::Header => client::Location::Header,
            Location::Cookie => client::Location::Cookie,
        };
        let style = match style {
            Style::Simple => client::Style::Simple,
            Style::Label => client::Style::Label,
            Style::Matrix => client::Style::Matrix,
            Style::Form => client::Style::Form,
            Style::SpaceDelimited => client::Style::SpaceDelimited,
            Style::PipeDelimited => client::Style::PipeDelimited,
            Style::DeepObject => client::Style::DeepObject,
        };
        client::Param { name, location, style, explode }
    }

    /// A server reading `params`, all required, and a client of it.
    async fn start(params: Vec<&'static Input>) -> client::Core {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("its address");
        let app = router(
            Arc::new(params),
            ServerConfig::default(),
            ECHO,
            |params: Arc<Vec<&'static Input>>, _: usize, incoming: Incoming| {
                let mut errors = Vec::new();
                let read: Vec<Option<Value>> = params.iter().map(|param| incoming.param(param, &mut errors)).collect();
                let answer = check(errors).map(|()| Reply::new(200).json("application/json", &read).finish());
                async move { answer }
            },
            |_: &Vec<&'static Input>, problem: Problem| problem.into_response(),
        );
        tokio::spawn(async move { serve(listener, app, &ServerConfig::default()).await });
        let mut builder = client::CoreBuilder::new(&format!("http://{address}"));
        // No proxy from the environment.
        builder.http_client(client::reqwest::Client::builder().no_proxy().build().expect("an HTTP client"));
        builder.build().expect("a client")
    }

    /// Sends every value as its case says, and what the server read.
    async fn echo(cases: &[(Case, Value)]) -> Vec<Value> {
        let params = cases
            .iter()
            .map(|((location, name, schema, style, explode), _)| {
                param(*location, name, schema, *style, *explode, Presence::Required)
            })
            .collect();
        let core = start(params).await;
        let mut request = client::Request::new(client::Method::GET);
        request.path("/echo/");
        let mut has_path = false;
        for (case, value) in cases {
            has_path |= case.0 == Location::Path;
            request.param(&client_param(case), value).expect("the client writes the value");
        }
        if !has_path {
            request.path("x");
        }
        let response = core.execute(request, &[]).await.expect("a response");
        let status = response.status();
        let text = response.text().expect("a text body");
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).expect("a JSON body")
    }

    /// A value holding every character a URL gives a meaning to.
    const AWKWARD: &str = "a/b?c#d%e f+g&h=i;j:k@l[m]n'o\"p<q>r\\s^t`u{v}w|x~y!z$*()é€😀";

    async fn assert_round_trip(cases: &[(Case, Value)]) {
        let sent: Vec<Value> = cases.iter().map(|(_, value)| value.clone()).collect();
        assert_eq!(echo(cases).await, sent);
    }

    static TEXT: Schema = Schema::STRING;

    #[tokio::test]
    async fn path_parameters_round_trip() {
        let path = Location::Path;
        for (style, explode) in
            [(Style::Simple, false), (Style::Simple, true), (Style::Label, false), (Style::Matrix, false)]
        {
            assert_round_trip(&[((path, "p", &TEXT, style, explode), json!(AWKWARD))]).await;
            assert_round_trip(&[((path, "p", &Schema::INTEGER, style, explode), json!(-12))]).await;
            assert_round_trip(&[((path, "p", &INTEGERS, style, explode), json!([1, 2, 3]))]).await;
            assert_round_trip(&[((path, "p", &PAIR, style, explode), json!({"n": 5, "s": "x y/z?é"}))]).await;
        }
        assert_round_trip(&[((path, "p", &INTEGERS, Style::Label, true), json!([1, 2, 3]))]).await;
        assert_round_trip(&[((path, "p", &PAIR, Style::Label, true), json!({"n": 5, "s": "x y/z?é"}))]).await;
        assert_round_trip(&[((path, "p", &BOOLEAN, Style::Simple, false), json!(true))]).await;
        assert_round_trip(&[((path, "p", &Schema::NUMBER, Style::Simple, false), json!(-0.25))]).await;
    }

    #[tokio::test]
    async fn query_parameters_round_trip() {
        let query = Location::Query;
        assert_round_trip(&[
            ((query, "text", &TEXT, Style::Form, true), json!(AWKWARD)),
            ((query, "plus", &TEXT, Style::Form, true), json!("1+1 = 2")),
            ((query, "ids", &INTEGERS, Style::Form, true), json!([1, 2, 3])),
            ((query, "csv", &INTEGERS, Style::Form, false), json!([4, 5])),
            ((query, "space", &INTEGERS, Style::SpaceDelimited, false), json!([6, 7])),
            ((query, "pipe", &INTEGERS, Style::PipeDelimited, false), json!([8, 9])),
            ((query, "words", &STRINGS, Style::Form, true), json!([AWKWARD, "", "x,y"])),
            ((query, "filter", &PAIR, Style::DeepObject, true), json!({"n": 1, "s": AWKWARD})),
            ((query, "pair", &PAIR, Style::Form, false), json!({"n": 2, "s": "a b&c=d"})),
            ((query, "flag", &BOOLEAN, Style::Form, true), json!(false)),
            ((query, "ratio", &Schema::NUMBER, Style::Form, true), json!(1.5)),
            ((query, "é € ?&=", &Schema::INTEGER, Style::Form, true), json!(3)),
        ])
        .await;
        // An exploded form object spreads its properties over the query.
        assert_round_trip(&[((query, "obj", &PAIR, Style::Form, true), json!({"n": 3, "s": AWKWARD}))]).await;
    }

    #[tokio::test]
    async fn header_and_cookie_parameters_round_trip() {
        let (header, cookie) = (Location::Header, Location::Cookie);
        // Header values are visible ASCII, sent as they are.
        let ascii = "a/b?c#d%e f+g&h=i;j:k@l[m]n'o\"p<q>r\\s^t`u{v}|x~y!z$*()";
        assert_round_trip(&[
            ((header, "x-text", &TEXT, Style::Simple, false), json!(ascii)),
            ((header, "x-ids", &INTEGERS, Style::Simple, false), json!([1, 2, 3])),
            ((header, "x-pair", &PAIR, Style::Simple, false), json!({"n": 4, "s": "t"})),
            ((header, "x-exploded", &PAIR, Style::Simple, true), json!({"n": 5, "s": "u"})),
            ((cookie, "text", &TEXT, Style::Form, false), json!(AWKWARD)),
            ((cookie, "ids", &INTEGERS, Style::Form, false), json!([6, 7])),
            ((cookie, "n", &Schema::INTEGER, Style::Form, false), json!(8)),
        ])
        .await;
    }
}

static CREATE: Operation =
    Operation { security: READ, produces: &["application/json"], consumes: &["application/json"] };

/// A request whose body, 10 bytes against a limit of 1, is still to come:
/// reading it is a 413, so any other answer means it was not read.
fn pending_request(headers: &[(&str, &str)]) -> Incoming {
    let mut req = incoming("/items", headers);
    req.headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10"));
    req.pending = Some((axum::body::Body::from(vec![0u8; 10]), 1, Duration::from_secs(1)));
    req
}

#[tokio::test]
async fn admit_refuses_cheapest_first_and_reads_the_body_last() {
    let api = Api::default();
    let json = [("accept", "application/json"), ("content-type", "application/json")];
    let mut anonymous = pending_request(&json);
    assert_eq!(admit(&api, &mut anonymous, SCHEMES, &CREATE).await.expect_err("401").status, 401);
    let token = ("authorization", "Bearer reader-token");
    let mut text_only = pending_request(&[token, ("accept", "text/plain"), ("content-type", "application/json")]);
    assert_eq!(admit(&api, &mut text_only, SCHEMES, &CREATE).await.expect_err("406").status, 406);
    let mut wrong_type = pending_request(&[token, ("accept", "application/json"), ("content-type", "text/plain")]);
    assert_eq!(admit(&api, &mut wrong_type, SCHEMES, &CREATE).await.expect_err("415").status, 415);
    let mut admitted = pending_request(&[token, json[0], json[1]]);
    assert_eq!(admit(&api, &mut admitted, SCHEMES, &CREATE).await.expect_err("413").status, 413, "the body is read");
    let mut small = incoming("/items", &[token, json[0], json[1]]);
    small.pending = Some((axum::body::Body::from("{}"), 100, Duration::from_secs(1)));
    assert_eq!(admit(&api, &mut small, SCHEMES, &CREATE).await.expect("admitted"), Some("reader".into()));
    assert_eq!(&small.body[..], b"{}");
}

#[tokio::test]
async fn admit_checks_no_media_type_for_an_operation_without_a_body() {
    static LIST: Operation = Operation { security: &[], produces: &["application/json"], consumes: &[] };
    let mut req = incoming("/items", &[("content-type", "text/plain")]);
    assert_eq!(admit(&Api::default(), &mut req, SCHEMES, &LIST).await.expect("admitted"), None);
}

#[test]
fn exploded_matrix_lists_and_objects() {
    let at = |uri: &str| incoming(uri, &[]);
    let path = Location::Path;
    assert_eq!(
        read::<Vec<i64>>(&at("/items/;id=3;id=4;id=5"), path, "id", &INTEGERS, Style::Matrix, true),
        Ok(vec![3, 4, 5])
    );
    assert_eq!(
        read::<Value>(&at("/items/;n=5;s=x"), path, "id", &PAIR, Style::Matrix, true),
        Ok(json!({"n": 5, "s": "x"}))
    );
    // A scalar reads the same exploded or not.
    assert_eq!(read::<i64>(&at("/items/;id=7"), path, "id", &Schema::INTEGER, Style::Matrix, true), Ok(7));
}

#[test]
fn header_lists_may_have_spaces_after_their_commas() {
    let req = incoming("/items", &[("x-ids", "1, 2,\t3"), ("x-pair", "n=5, s=t"), ("x-text", "a, b")]);
    let header = Location::Header;
    assert_eq!(read::<Vec<i64>>(&req, header, "x-ids", &INTEGERS, Style::Simple, false), Ok(vec![1, 2, 3]));
    assert_eq!(read::<Value>(&req, header, "x-pair", &PAIR, Style::Simple, true), Ok(json!({"n": 5, "s": "t"})));
    // A string header keeps its text as sent.
    assert_eq!(read::<String>(&req, header, "x-text", &Schema::STRING, Style::Simple, false), Ok("a, b".into()));
}

/// Parameter text built to trip a parser: empty pieces, separators alone,
/// keys without values, broken escapes, and long runs of each.
fn hostile_parameter_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "",
        ";",
        ";;;",
        "=",
        "==",
        ",",
        ",,,",
        "&&",
        ".",
        "..",
        "|",
        "||",
        "%",
        "%2",
        "%zz",
        "%ff%fe",
        "%00",
        ";id",
        ";id=",
        ";id=;id=",
        ";=",
        ";=5",
        "id",
        "id=",
        "a=b=c",
        "n,",
        ",n",
        "n,5,s",
        "n=5,n=6",
        "[",
        "]",
        "id[",
        "id[n]=",
        "id[n][m]=1",
        ".id",
        ";id=1,2,;id",
        "-1e999",
        "1e309",
        "9999999999999999999999",
        "true,false",
        "\u{e9}",
        "%C3%A9",
        "%C3",
        "a b",
        "+",
        "%2B",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for piece in [";id=1", ",", "n=5,", "%zz", "id[n]=1&", ".1"] {
        texts.push(piece.repeat(20_000));
    }
    texts
}

/// No text in any location, style or schema makes reading a parameter
/// panic, and each read gives a value or failures, never both or neither
/// (`read` checks that).
#[test]
fn hostile_parameter_text_is_refused_or_read_never_a_panic() {
    // Keeps what a URI may hold as it is (so `;`, `=`, `,`, `&` and broken
    // escapes reach the parser) and encodes the rest.
    const URI: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'/')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'\\')
        .add(b'^')
        .add(b'|');
    let schemas: [&'static Schema; 6] = [&Schema::INTEGER, &Schema::STRING, &INTEGERS, &STRINGS, &PAIR, &BOOLEAN];
    let styles = [
        Style::Simple,
        Style::Label,
        Style::Matrix,
        Style::Form,
        Style::SpaceDelimited,
        Style::PipeDelimited,
        Style::DeepObject,
    ];
    let texts = hostile_parameter_texts();
    let mut reached = std::collections::BTreeMap::new();
    for text in &texts {
        let encoded = percent_encoding::utf8_percent_encode(text, URI).to_string();
        // A request the router itself refuses (a path escape that is not
        // UTF-8) is refused as it should be: nothing to read.
        // The same for one that is not HTTP at all (a header value with a
        // control character).
        let routed = |uri: &str, headers: &[(&str, &[u8])]| {
            let mut builder = axum::http::Request::builder().uri(uri);
            for (name, value) in headers {
                builder = builder.header(*name, HeaderValue::from_bytes(value).ok()?);
            }
            route(ROUTES, builder.body(()).ok()?.into_parts().0).ok()
        };
        let cookie = format!("id={encoded}; {encoded}");
        let requests = [
            (Location::Path, routed(&format!("/items/x{encoded}"), &[])),
            (Location::Query, routed(&format!("/items?id={encoded}&{encoded}"), &[])),
            (Location::Header, routed("/items", &[("id", encoded.as_bytes())])),
            (Location::Cookie, routed("/items", &[("cookie", cookie.as_bytes())])),
        ];
        let requests = requests.iter().filter_map(|(location, routed)| Some((location, &routed.as_ref()?.1)));
        for (location, request) in requests {
            *reached.entry(format!("{location:?}")).or_insert(0) += 1;
            for schema in schemas {
                for style in styles {
                    for explode in [false, true] {
                        let _ = read::<Value>(request, *location, "id", schema, style, explode);
                    }
                }
            }
        }
    }
    // Most texts reach every location's parser (the router refuses a few).
    for location in ["Path", "Query", "Header", "Cookie"] {
        let n = reached.get(location).copied().unwrap_or(0);
        assert!(n * 10 >= texts.len() * 8, "{location}: {n} of {} texts read", texts.len());
    }
}

/// Credentials built to trip the parsers of every scheme (missing parts,
/// wrong case, broken base64 or UTF-8, separators alone, long runs) are
/// refused with a 4xx, never a panic, and none of them is let in.
#[tokio::test]
async fn hostile_credentials_are_refused_never_a_panic() {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let long = "A".repeat(64 * 1024);
    let mut authorizations: Vec<String> = [
        "",
        " ",
        "Bearer",
        "Bearer ",
        "Bearer\t",
        "bearer",
        "Basic",
        "Basic ",
        "Basic !!!!",
        "Basic ====",
        "Basic =",
        "Basic a",
        "Negotiate x",
        "Bearer a b c",
        ",",
        "Bearer ,",
        "Bearer admin-token, Bearer x",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for decoded in [&b"nocolon"[..], b":", b"::", b"\xff\xfe:\xff", b"user:", b":pa:ss", b"\0:\0"] {
        authorizations.push(format!("Basic {}", b64(decoded)));
    }
    authorizations.push(format!("Bearer {long}"));
    authorizations.push(format!("Basic {}", b64(long.as_bytes())));
    let keys = ["", " ", ";", "=", "k1 ", " k1", "K1", "%6B1", "k1;k1", &long];
    static BASIC: Security = &[&[("basic", &[])]];
    static QUERY: Security = &[&[("query_key", &[])]];
    let securities = [READ, WRITE_OR_KEY, KEY_AND_SESSION, BASIC, QUERY];
    let mut requests: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for value in &authorizations {
        requests.push(("/items".into(), vec![("authorization".into(), value.clone())]));
    }
    for key in keys {
        let query = percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC);
        if key.len() < 8 * 1024 {
            // (A URI of 64 KiB is more than the HTTP crate parses.)
            requests.push((format!("/items?api_key={query}&api_key"), Vec::new()));
        }
        requests.push(("/items".into(), vec![("x-api-key".into(), key.to_owned())]));
        requests.push(("/items".into(), vec![("cookie".into(), format!("session={key}; session; ={key}"))]));
    }
    for (uri, headers) in &requests {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        for security in securities {
            match authorize_with(security, uri, &headers).await {
                Ok(None) => {}
                Ok(Some(who)) => panic!("{uri} {headers:?}: let in as {who}"),
                Err(problem) => assert!([400, 401, 403].contains(&problem.status), "{uri} {headers:?}: {problem:?}"),
            }
        }
    }
}
