//! How each scalar format travels through the generated models: what a
//! sender wrote comes back as it was, through decode and encode.

use serde_json::{json, Value};
use tests::formats::models::{Scalars, Timestamp};

/// A `Scalars` body with every property set, `at` as given.
fn scalars(at: &str) -> Value {
    json!({
        "i32": 1, "i64": 2, "int": 3, "float": 1.5, "double": 2.5, "number": 3.5,
        "flag": true, "at": at, "day": "2026-12-05",
        "id": "6ecd8c99-4036-403d-bf84-cf8400f67836", "text": "a@example.com", "bytes": "aGk="
    })
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> Value {
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value}: {e}"));
    serde_json::to_value(&typed).expect("encode")
}

#[test]
fn timestamps_keep_their_offset() {
    for at in ["2026-12-05T13:21:56-07:00", "2026-12-05T13:21:56+05:30", "2026-12-05T13:21:56.250+01:00"] {
        assert_eq!(round_trip::<Scalars>(&scalars(at)), scalars(at));
        assert_eq!(round_trip::<Timestamp>(&json!(at)), json!(at));
    }
    // UTC is written `Z`, however the sender spelled it.
    assert_eq!(round_trip::<Timestamp>(&json!("2026-12-05T13:21:56Z")), json!("2026-12-05T13:21:56Z"));
    assert_eq!(round_trip::<Timestamp>(&json!("2026-12-05T13:21:56+00:00")), json!("2026-12-05T13:21:56Z"));
    // The offset is part of the value, and the instant stays comparable.
    let west: Timestamp = serde_json::from_value(json!("2026-12-05T13:21:56-07:00")).expect("decode");
    let utc: Timestamp = serde_json::from_value(json!("2026-12-05T20:21:56Z")).expect("decode");
    assert_eq!(west.offset().local_minus_utc(), -7 * 3600);
    assert_eq!(west.timestamp(), utc.timestamp());
}

/// `number` (and `format: double`) keeps its form: a whole number is not
/// written back as a float, a float not as a whole number, and integers
/// stay exact beyond 2^53.
#[test]
fn numbers_come_back_in_the_form_they_were_sent() {
    for (double, number) in
        [(json!(24), json!(0)), (json!(24.0), json!(0.0)), (json!(-1.25), json!(9007199254740993u64))]
    {
        let mut body = scalars("2026-12-05T13:21:56Z");
        body["double"] = double.clone();
        body["number"] = number.clone();
        let back = round_trip::<Scalars>(&body);
        assert_eq!((&back["double"], &back["number"]), (&double, &number));
        assert_eq!(serde_json::to_string(&back["number"]).expect("text"), number.to_string());
    }
    // Floats read correctly rounded: 17 significant digits come back as sent.
    for text in ["-0.9413662219916251", "116785893.33177781", "1803653.1511005901"] {
        let number: tests::support::Number = serde_json::from_str(text).expect("decode");
        let back: f64 = serde_json::to_string(&number).expect("encode").parse().expect("float");
        assert_eq!(back, text.parse::<f64>().expect("float"), "{text}");
    }
    let typed: Scalars = serde_json::from_value(scalars("2026-12-05T13:21:56Z")).expect("decode");
    assert_eq!(typed.number.get(), 3.5);
    assert_eq!(typed.number, 3.5);
    assert!(serde_json::from_value::<Scalars>(json!({"number": "3"})).is_err(), "a string is not a number");
}

#[test]
fn a_malformed_timestamp_is_an_error_not_a_value() {
    for bad in ["2026-12-05", "2026-12-05T13:21:56", "yesterday", "2026-13-05T13:21:56Z"] {
        assert!(serde_json::from_value::<Timestamp>(json!(bad)).is_err(), "{bad} decoded");
    }
}

#[test]
fn bytes_decode_from_base64_and_keep_its_spelling() {
    for (text, bytes) in [("aGk/Pg==", &b"hi?>"[..]), ("aGk_Pg", b"hi?>"), ("", b"")] {
        let mut body = scalars("2026-12-05T13:21:56Z");
        body["bytes"] = json!(text);
        let typed: Scalars = serde_json::from_value(body.clone()).expect("decode");
        assert_eq!(typed.bytes.as_bytes(), bytes, "{text}");
        assert_eq!(serde_json::to_value(&typed).expect("encode"), body);
    }
    // Bytes set by the caller are written in the standard alphabet, padded.
    let mut typed: Scalars = serde_json::from_value(scalars("2026-12-05T13:21:56Z")).expect("decode");
    typed.bytes = b"\xff\xef".to_vec().into();
    assert_eq!(serde_json::to_value(&typed).expect("encode")["bytes"], json!("/+8="));
}

#[test]
fn text_that_is_not_base64_is_an_error_naming_the_field() {
    for bad in ["***", "aGk/Pg=", "aGk/_g=="] {
        let mut body = scalars("2026-12-05T13:21:56Z");
        body["bytes"] = json!(bad);
        let err = serde_json::from_value::<Scalars>(body).expect_err(bad);
        assert!(err.to_string().contains("base64"), "{bad}: {err}");
    }
}

/// A default fills an absent property through its accessor, and absent is
/// written back absent; a default sent explicitly is written back as sent.
#[test]
fn defaults_apply_on_read_and_are_not_written_back() {
    use tests::defaults::models::{Paging, PagingSort};
    let absent: Paging = serde_json::from_value(json!({})).expect("decode");
    assert_eq!(absent.page, None);
    assert_eq!((absent.page(), absent.page_size(), absent.ratio()), (1, 25, 0.5.into()));
    assert_eq!((absent.label(), absent.enabled(), absent.tags().len()), ("all", true, 0));
    assert_eq!(absent.sort(), PagingSort::Desc);
    assert_eq!(serde_json::to_value(&absent).expect("encode"), json!({}));
    assert_eq!(Paging::default(), absent, "Default leaves every property absent");

    let sent = json!({"page": 1, "label": "all", "sort": "asc", "tags": ["a"]});
    let explicit: Paging = serde_json::from_value(sent.clone()).expect("decode");
    assert_eq!((explicit.page(), explicit.sort(), explicit.tags()), (1, PagingSort::Asc, &["a".to_owned()][..]));
    assert_eq!(round_trip::<Paging>(&sent), sent);
}
