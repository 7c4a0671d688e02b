//! `oneOf`/`anyOf` on the wire: untagged unions try the variants that name
//! every key of an object first, then the others, in order;
//! tagged ones pick the variant by the discriminator (several values may map
//! to one type), keep an unknown tag's object whole, and write the tag once.

use serde_json::json;
use tests::one_of::models::{Circle, IdOrName, Shape};

#[test]
fn tagged_unions_choose_by_discriminator_and_write_the_tag_once() {
    let circle = json!({"type": "circle", "radius": 2.0});
    let shape: Shape = serde_json::from_value(circle.clone()).expect("circle");
    assert_eq!(shape, Shape::Circle(Circle { type_: "circle".into(), radius: 2.0.into() }));
    assert_eq!(serde_json::to_value(&shape).expect("encode"), circle, "the tag is written once");

    let round: Shape = serde_json::from_value(json!({"type": "round", "radius": 1.0})).expect("alias tag");
    assert!(matches!(round, Shape::Circle(_)));
    let square: Shape = serde_json::from_value(json!({"type": "Square", "side": 1.0})).expect("implicit tag");
    assert!(matches!(square, Shape::Square(_)));

    let unknown = json!({"type": "hexagon", "sides": 6});
    let shape: Shape = serde_json::from_value(unknown.clone()).expect("unknown tags are data");
    assert_eq!(shape, Shape::Other(unknown.clone()));
    assert_eq!(serde_json::to_value(&shape).expect("encode"), unknown);

    let broken = serde_json::from_value::<Shape>(json!({"type": "circle", "radius": "big"}));
    assert!(broken.is_err(), "a known tag with a body that does not fit is an error");
}

#[test]
fn untagged_unions_try_variants_in_order() {
    assert_eq!(serde_json::from_value::<IdOrName>(json!(7)).expect("int"), IdOrName::Integer(7));
    assert_eq!(serde_json::from_value::<IdOrName>(json!("x")).expect("string"), IdOrName::String("x".into()));
    assert_eq!(serde_json::from_value::<IdOrName>(json!(["a"])).expect("list"), IdOrName::StringList(vec!["a".into()]));
    let object = serde_json::from_value::<IdOrName>(json!({"first": "Ada"})).expect("object");
    assert_eq!(serde_json::to_value(&object).expect("encode"), json!({"first": "Ada"}));
}

/// Closed variants that share a property: the variant that names every key
/// sent is decoded, not the first whose required properties are present
/// (here none are required, so the first would take anything and drop
/// `applePayToken`). An object that fits none still decodes leniently.
#[test]
fn untagged_unions_prefer_the_variant_that_names_every_key() {
    use tests::one_of::models::{AchDetails, ApplePayDetails, PaymentMethod};
    let apple = json!({"type": "applepay", "applePayToken": "token"});
    let method: PaymentMethod = serde_json::from_value(apple.clone()).expect("decode");
    assert_eq!(
        method,
        PaymentMethod::ApplePayDetails(ApplePayDetails {
            type_: Some("applepay".into()),
            apple_pay_token: Some("token".into())
        })
    );
    assert_eq!(serde_json::to_value(&method).expect("encode"), apple);

    let ach = json!({"type": "ach", "bankAccountNumber": "123"});
    assert!(matches!(serde_json::from_value(ach).expect("decode"), PaymentMethod::AchDetails(AchDetails { .. })));

    let neither: PaymentMethod = serde_json::from_value(json!({"type": "x", "unnamed": 1})).expect("lenient");
    assert!(matches!(neither, PaymentMethod::AchDetails(_)), "declared order when no variant names every key");
}
