//! The order in which an untagged union (`oneOf`/`anyOf` without a
//! discriminator) tries its variants on an object.
//!
//! Trying them in declared order, as serde's `untagged` does, takes the
//! first variant whose required properties are present, even when a later
//! one names every property that was sent: the properties the first does
//! not name are lost. Variants are tried instead, each once, in three
//! passes, declared order within each:
//!
//! 1. struct variants that name every key of the object;
//! 2. the variants that are not structs, and struct variants whose schema
//!    admits properties it does not name;
//! 3. struct variants that forbid the keys they do not name
//!    (`additionalProperties: false`) and do not name them all: the object
//!    is not one of them, but a client stays lenient and tries them last.
//!
//! A value that is not an object tries the variants in declared order. The
//! cost is bounded by the schema, not by the input: a variant's check stops
//! at the first key it does not name, and an object's keys are distinct, so
//! at most `names + 1` keys are looked at per variant.
//!
//! Unions nested in unions retry a subtree once per variant of each level
//! above it: a value that fits every variant until deep down would take
//! 2^depth attempts. The outermost union's decode therefore allows
//! [`ATTEMPTS_PER_NODE`] variant attempts per JSON node of its value (plus
//! [`ATTEMPTS_BASE`]), shared by every union nested in it; past that, the
//! value is refused. Every value that fits is decoded within it unless its
//! unions need more than that many retries per node.

use std::cell::Cell;

/// Variant attempts allowed per node of the outermost union's value.
pub const ATTEMPTS_PER_NODE: usize = 4;
/// Variant attempts allowed whatever the value's size.
pub const ATTEMPTS_BASE: usize = 64;

thread_local! {
    /// Attempts left for the union decode running on this thread, if any.
    static ATTEMPTS_LEFT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Ends the outermost decode's budget, however it returns.
struct Budget;

impl Budget {
    /// The budget of the outermost union decode; `None` inside one.
    fn start(value: &serde_json::Value) -> Option<Budget> {
        ATTEMPTS_LEFT.with(|left| {
            left.get().is_none().then(|| {
                left.set(Some(ATTEMPTS_BASE.saturating_add(ATTEMPTS_PER_NODE.saturating_mul(nodes(value)))));
                Budget
            })
        })
    }

    /// Takes one attempt, if any are left.
    fn spend() -> bool {
        ATTEMPTS_LEFT.with(|left| match left.get() {
            Some(n) if n > 0 => {
                left.set(Some(n - 1));
                true
            }
            _ => false,
        })
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        ATTEMPTS_LEFT.with(|left| left.set(None));
    }
}

/// The number of nodes of a JSON value, without recursion.
fn nodes(value: &serde_json::Value) -> usize {
    let mut count = 0usize;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        count += 1;
        match v {
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    count
}

/// What a union knows of one variant.
#[derive(Debug, Clone, Copy)]
pub enum Variant {
    /// A struct with these wire names; `closed` when its schema forbids
    /// the others.
    Struct { names: &'static [&'static str], closed: bool },
    /// Anything else (a scalar, an array, a map, another union).
    Other,
}

/// The indexes of `variants` in the order to try them on `value`.
pub fn order(value: &serde_json::Value, variants: &[Variant]) -> Vec<usize> {
    let Some(object) = value.as_object() else {
        return (0..variants.len()).collect();
    };
    let names_every_key = |names: &[&str]| object.keys().all(|key| names.contains(&key.as_str()));
    let pass = |variant: &Variant| match *variant {
        Variant::Struct { names, closed } => match (names_every_key(names), closed) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 2,
        },
        Variant::Other => 1,
    };
    let mut indexes: Vec<(u8, usize)> = variants.iter().enumerate().map(|(i, v)| (pass(v), i)).collect();
    indexes.sort_unstable();
    indexes.into_iter().map(|(_, i)| i).collect()
}

/// Decodes an untagged union: reads the value, then tries `attempt` on each
/// variant index in [`order`], taking the first that decodes.
pub fn decode<'de, D, T>(
    deserializer: D,
    variants: &[Variant],
    union: &str,
    mut attempt: impl FnMut(usize, &serde_json::Value) -> Option<T>,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
    let _budget = Budget::start(&value);
    for index in order(&value, variants) {
        if !Budget::spend() {
            return Err(serde::de::Error::custom(format!(
                "untagged enum {union}: the value needs more variant attempts than its size allows"
            )));
        }
        if let Some(decoded) = attempt(index, &value) {
            return Ok(decoded);
        }
    }
    Err(serde::de::Error::custom(format!("data did not match any variant of untagged enum {union}")))
}

#[cfg(test)]
mod tests {
    use super::{decode, order, Variant};
    use serde_json::json;

    const ACH: Variant = Variant::Struct { names: &["type", "bankAccountNumber"], closed: true };
    const APPLE: Variant = Variant::Struct { names: &["type", "applePayToken"], closed: true };
    const OPEN: Variant = Variant::Struct { names: &["type"], closed: false };

    #[test]
    fn the_variant_naming_every_key_comes_first() {
        let value = json!({"type": "applepay", "applePayToken": "x"});
        assert_eq!(order(&value, &[ACH, OPEN, APPLE]), vec![2, 1, 0]);
    }

    #[test]
    fn open_and_other_variants_keep_their_order_before_closed_misfits() {
        let value = json!({"type": "x", "unnamed": 1});
        assert_eq!(order(&value, &[ACH, Variant::Other, OPEN, APPLE]), vec![1, 2, 0, 3]);
    }

    #[test]
    fn a_value_that_is_not_an_object_keeps_the_declared_order() {
        assert_eq!(order(&json!("text"), &[APPLE, Variant::Other, ACH]), vec![0, 1, 2]);
        assert_eq!(order(&json!([1]), &[]), Vec::<usize>::new());
    }

    #[test]
    fn decode_takes_the_first_variant_in_order_that_decodes() {
        let value = json!({"type": "applepay", "applePayToken": "x"});
        let mut tried = Vec::new();
        let got = decode(&value, &[ACH, OPEN, APPLE], "Method", |index, _| {
            tried.push(index);
            (index == 1).then_some(index)
        });
        assert_eq!(got.expect("decodes"), 1);
        assert_eq!(tried, vec![2, 1]);
        let none = decode(&value, &[ACH], "Method", |_, _| None::<usize>);
        assert_eq!(none.expect_err("no variant").to_string(), "data did not match any variant of untagged enum Method");
    }

    #[test]
    fn nested_decodes_share_the_outermost_budget_and_it_ends_with_it() {
        let value = json!([1, 2, 3]);
        let budget = super::ATTEMPTS_BASE + super::ATTEMPTS_PER_NODE * 4;
        let mut attempts = 0;
        // Each attempt starts a nested decode of the same value that fails.
        let outer = decode(&value, &[Variant::Other; 2], "Outer", |_, inner| {
            attempts += 1;
            let nested: Result<usize, _> = decode(inner, &[Variant::Other; 1000], "Inner", |_, _| {
                attempts += 1;
                None
            });
            nested.ok()
        });
        assert!(outer.is_err());
        assert_eq!(attempts, budget, "every attempt, nested or not, is counted once");
        // The next outermost decode has a budget of its own.
        assert_eq!(decode(&value, &[Variant::Other], "Next", |i, _| Some(i)).expect("decodes"), 0);
    }

    #[test]
    fn every_variant_that_names_all_keys_keeps_the_declared_order() {
        let value = json!({"type": "x"});
        assert_eq!(order(&value, &[ACH, OPEN, APPLE]), vec![0, 1, 2]);
    }
}
