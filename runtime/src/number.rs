//! `type: number` as [`Number`]: a value that is written back in the form it
//! was read in.

use std::cmp::Ordering;
use std::fmt;

/// A JSON number (`type: number` without `format: float`) that keeps its
/// form: a whole number read as `24` is written back as `24`, not `24.0`,
/// and one read as `24.0` stays `24.0`.
///
/// Integers are held exactly from `i64::MIN` to `u64::MAX` (so every
/// integer up to 2^53, and beyond, comes back digit for digit); a number
/// with a fraction or an exponent, or an integer outside that range, is an
/// `f64` (the nearest one; serde_json reads it so) and is written as the
/// shortest text that reads back as that `f64`. Two numbers are equal, and
/// ordered, by value: `24` equals `24.0`. [`Number::get`] gives the value
/// as an `f64`.
#[derive(Clone, Copy)]
pub struct Number(Repr);

#[derive(Debug, Clone, Copy)]
enum Repr {
    Int(i64),
    UInt(u64),
    Float(f64),
}

impl Number {
    /// A whole number, written without a fraction.
    pub const fn from_i64(value: i64) -> Number {
        Number(Repr::Int(value))
    }

    /// A number written as a float (`2.0`, `0.5`).
    pub const fn from_f64(value: f64) -> Number {
        Number(Repr::Float(value))
    }

    /// The value as an `f64` (an integer beyond 2^53 is rounded).
    pub fn get(self) -> f64 {
        match self.0 {
            Repr::Int(i) => i as f64,
            Repr::UInt(u) => u as f64,
            Repr::Float(f) => f,
        }
    }

    /// The value as an `i64`, when it is a whole number in range (`24.0`
    /// included).
    pub fn as_i64(self) -> Option<i64> {
        match self.0 {
            Repr::Int(i) => Some(i),
            Repr::UInt(u) => i64::try_from(u).ok(),
            Repr::Float(f) if f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(63) => Some(f as i64),
            Repr::Float(_) => None,
        }
    }

    /// Whether it was read, or made, as a whole number without a fraction.
    pub fn is_integer(self) -> bool {
        !matches!(self.0, Repr::Float(_))
    }
}

impl Default for Number {
    /// `0`.
    fn default() -> Number {
        Number::from_i64(0)
    }
}

impl From<f64> for Number {
    fn from(value: f64) -> Number {
        Number::from_f64(value)
    }
}

impl From<f32> for Number {
    fn from(value: f32) -> Number {
        Number::from_f64(f64::from(value))
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        Number::from_i64(value)
    }
}

impl From<i32> for Number {
    fn from(value: i32) -> Number {
        Number::from_i64(i64::from(value))
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Number {
        match i64::try_from(value) {
            Ok(i) => Number(Repr::Int(i)),
            Err(_) => Number(Repr::UInt(value)),
        }
    }
}

impl From<Number> for f64 {
    fn from(value: Number) -> f64 {
        value.get()
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Number {
    /// By value; integers against integers exactly.
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        match (self.0, other.0) {
            (Repr::Int(a), Repr::Int(b)) => Some(a.cmp(&b)),
            (Repr::UInt(a), Repr::UInt(b)) => Some(a.cmp(&b)),
            // A `UInt` is above `i64::MAX`.
            (Repr::Int(_), Repr::UInt(_)) => Some(Ordering::Less),
            (Repr::UInt(_), Repr::Int(_)) => Some(Ordering::Greater),
            _ => self.get().partial_cmp(&other.get()),
        }
    }
}

impl PartialEq<f64> for Number {
    fn eq(&self, other: &f64) -> bool {
        self.get() == *other
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Number {
    /// As it is written in JSON (`24`, `24.0`, `0.5`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Int(i) => write!(f, "{i}"),
            Repr::UInt(u) => write!(f, "{u}"),
            Repr::Float(x) => match serde_json::Number::from_f64(x) {
                Some(n) => write!(f, "{n}"),
                None => write!(f, "{x}"),
            },
        }
    }
}

impl std::str::FromStr for Number {
    type Err = serde_json::Error;

    /// Reads JSON number text (`24`, `-1.5e3`).
    fn from_str(text: &str) -> Result<Number, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl serde::Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Repr::Int(i) => serializer.serialize_i64(i),
            Repr::UInt(u) => serializer.serialize_u64(u),
            Repr::Float(f) => serializer.serialize_f64(f),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Number, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Number, E> {
                Ok(Number::from_i64(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Number, E> {
                Ok(Number::from(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Number, E> {
                Ok(Number::from_f64(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::Number;

    fn round_trip(text: &str) -> String {
        let number: Number = serde_json::from_str(text).expect(text);
        serde_json::to_string(&number).expect("encode")
    }

    #[test]
    fn whole_numbers_and_floats_keep_their_form() {
        for text in ["0", "24", "-7", "0.0", "24.0", "0.5", "-1.25", "9007199254740993", "18446744073709551615"] {
            assert_eq!(round_trip(text), text);
        }
        // Beyond u64, and exponents, are f64: the nearest value, shortest text.
        assert_eq!(round_trip("1e3"), "1000.0");
        assert_eq!(round_trip("18446744073709551616"), "1.8446744073709552e+19");
    }

    #[test]
    fn equality_and_order_are_by_value() {
        assert_eq!(Number::from(24), Number::from(24.0));
        assert!(Number::from(1) < Number::from(1.5));
        assert!(Number::from(-1) < Number::from(u64::MAX));
        assert_eq!(Number::from(0.5), 0.5);
        assert_ne!(Number::from(f64::NAN), Number::from(f64::NAN));
    }

    #[test]
    fn accessors_and_text() {
        assert_eq!(Number::from(3).get(), 3.0);
        assert_eq!(Number::from(3.0).as_i64(), Some(3));
        assert_eq!(Number::from(3.5).as_i64(), None);
        assert!(Number::from(3).is_integer() && !Number::from(3.0).is_integer());
        assert_eq!(Number::from(2.0).to_string(), "2.0");
        assert_eq!("17".parse::<Number>().expect("parse").to_string(), "17");
        assert!("x".parse::<Number>().is_err());
        assert!(serde_json::from_str::<Number>("\"1\"").is_err(), "a string is not a number");
    }
}
