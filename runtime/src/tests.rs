use super::{numeric_enum, string_enum, Number};

/// A string enum as the generator writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Status {
    Pending,
    InProgress,
    Done,
    Empty,
    Unknown(String),
}

impl Status {
    const VALUES: &'static [(&'static str, Self)] =
        &[("", Self::Empty), ("done", Self::Done), ("in-progress", Self::InProgress), ("pending", Self::Pending)];
}

string_enum!(Status, Unknown);

#[test]
fn string_enums_read_and_write_their_wire_values() {
    for (wire, variant) in Status::VALUES {
        assert_eq!(Status::from(*wire), *variant, "{wire:?}");
        assert_eq!(variant.as_str(), *wire);
        assert_eq!(serde_json::to_string(variant).expect("encode"), serde_json::to_string(wire).expect("encode"));
        assert_eq!(serde_json::from_value::<Status>(serde_json::json!(wire)).expect("decode"), *variant);
    }
    assert_eq!("in-progress".parse::<Status>(), Ok(Status::InProgress));
    assert_eq!(Status::Done.to_string(), "done");
}

#[test]
fn string_enums_keep_values_they_do_not_list() {
    for other in ["Done", "done ", "pendin", "pendingx", "zzz", "\u{0}", "é"] {
        let value = Status::from(other);
        assert_eq!(value, Status::Unknown(other.to_owned()));
        assert_eq!(value.as_str(), other);
        let json = serde_json::to_value(&value).expect("encode");
        assert_eq!(json, serde_json::json!(other), "written back unchanged");
    }
    assert!(serde_json::from_str::<Status>("3").is_err(), "not a string");
}

/// An integer enum as the generator writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Level {
    ValueMinus1,
    Value1,
    Value20,
    Unknown(i64),
}

impl Level {
    const VALUES: &'static [(i64, Self)] = &[(-1, Self::ValueMinus1), (1, Self::Value1), (20, Self::Value20)];
}

numeric_enum!(Level, Unknown, i64);

#[test]
fn integer_enums_read_and_write_their_numbers_and_keep_others() {
    for (wire, variant) in Level::VALUES {
        assert_eq!(Level::from(*wire), *variant);
        assert_eq!(variant.value(), *wire);
        assert_eq!(serde_json::to_value(variant).expect("encode"), serde_json::json!(wire));
        assert_eq!(serde_json::from_value::<Level>(serde_json::json!(wire)).expect("decode"), *variant);
        assert_eq!(variant.to_string(), wire.to_string());
    }
    for other in [0, 2, 19, 21, -2, i64::MIN, i64::MAX] {
        let value: Level = serde_json::from_value(serde_json::json!(other)).expect("decode");
        assert_eq!(value, Level::Unknown(other));
        assert_eq!(serde_json::to_value(&value).expect("encode"), serde_json::json!(other), "written back unchanged");
    }
    assert!(serde_json::from_str::<Level>("\"1\"").is_err(), "not a number");
    assert!(serde_json::from_str::<Level>("1.5").is_err(), "not an integer");
}

/// A number enum as the generator writes it.
#[derive(Debug, Clone, PartialEq)]
enum Weight {
    VMinus1_5,
    V0_5,
    V2,
    Unknown(Number),
}

impl Weight {
    const VALUES: &'static [(Number, Self)] = &[
        (Number::from_f64(-1.5), Self::VMinus1_5),
        (Number::from_f64(0.5), Self::V0_5),
        (Number::from_i64(2), Self::V2),
    ];
}

numeric_enum!(Weight, Unknown, Number);

#[test]
fn number_enums_find_listed_values_by_value_and_keep_others_as_sent() {
    for (text, variant) in [("-1.5", Weight::VMinus1_5), ("0.5", Weight::V0_5), ("2", Weight::V2), ("2.0", Weight::V2)]
    {
        assert_eq!(serde_json::from_str::<Weight>(text).expect("decode"), variant, "{text}");
    }
    assert_eq!(serde_json::to_string(&Weight::V2).expect("encode"), "2", "a listed value as the spec lists it");
    for text in ["0.25", "3", "3.0", "-0.5", "12.75"] {
        let value: Weight = serde_json::from_str(text).expect("decode");
        assert!(matches!(value, Weight::Unknown(_)), "{text}");
        assert_eq!(serde_json::to_string(&value).expect("encode"), text, "written back unchanged");
    }
    assert_eq!(Weight::V0_5.to_string(), "0.5");
    assert!(serde_json::from_str::<Weight>("\"0.5\"").is_err(), "not a number");
}
