use super::string_enum;

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
