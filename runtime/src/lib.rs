//! The runtime of the crates apigen generates: serde helpers, and the HTTP
//! runtimes of the clients (feature `client`) and servers (feature `server`).
//!
//! Generated code reaches it as `crate::support`. A generated crate either
//! depends on this crate (its `support` is a re-export of it) or carries
//! these files as its own `src/support/` module, copied byte for byte, so
//! that it builds with no access to apigen. Nothing in these files names
//! the crate they live in, so the same bytes serve both ways.

pub mod direction;
mod formats;
mod number;
pub mod untagged;

pub use formats::{Base64, InvalidBase64};
pub use number::Number;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod server;

/// How a parameter is written (OpenAPI `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

/// A parameter of an operation as the spec declares it, for the client
/// and the server alike: its name, where it goes and how it is written.
/// Each constructor gives OpenAPI's default style for its location (simple
/// in the path and headers, form in the query and cookies) and explodes
/// form style only, as OpenAPI does: `Param::query("tags")` is
/// `?tags=a&tags=b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub location: Location,
    pub style: Style,
    /// The OpenAPI `explode` flag: each item or property written apart.
    pub explode: bool,
}

impl Param {
    const fn new(name: &'static str, location: Location, style: Style) -> Param {
        Param { name, location, style, explode: matches!(style, Style::Form) }
    }

    /// A path parameter (simple style).
    pub const fn path(name: &'static str) -> Param {
        Param::new(name, Location::Path, Style::Simple)
    }

    /// A query parameter (form style, exploded).
    pub const fn query(name: &'static str) -> Param {
        Param::new(name, Location::Query, Style::Form)
    }

    /// A header parameter (simple style).
    pub const fn header(name: &'static str) -> Param {
        Param::new(name, Location::Header, Style::Simple)
    }

    /// A cookie parameter (form style, exploded).
    pub const fn cookie(name: &'static str) -> Param {
        Param::new(name, Location::Cookie, Style::Form)
    }

    /// The parameter in another style, exploded only if that is form style.
    pub const fn style(self, style: Style) -> Param {
        Param { style, explode: matches!(style, Style::Form), ..self }
    }

    /// The parameter with `explode: true`.
    pub const fn exploded(self) -> Param {
        Param { explode: true, ..self }
    }

    /// The parameter with `explode: false`.
    pub const fn unexploded(self) -> Param {
        Param { explode: false, ..self }
    }
}

/// Serde `with` functions for an optional, nullable property held as
/// `Option<Option<T>>`: with `#[serde(default, with = "present",
/// skip_serializing_if = "Option::is_none")]` an absent property is `None`
/// (and stays absent), an explicit `null` is `Some(None)` (and is written
/// back as `null`).
pub mod present {
    /// A present value, `null` included, is `Some`.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        T: serde::Deserialize<'de>,
        D: serde::Deserializer<'de>,
    {
        T::deserialize(deserializer).map(Some)
    }

    /// The value itself (`null` for `Some(None)`); `None` is skipped by
    /// `skip_serializing_if` and written as `null` otherwise.
    pub fn serialize<T, S>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: serde::Serialize,
        S: serde::Serializer,
    {
        match value {
            Some(value) => value.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// The impls of a string enum with a fallback variant: `as_str`,
/// `From<&str>`, `FromStr`, `Display`, and serde through the wire values, so
/// an unknown value decodes into the fallback and is written back unchanged.
/// The enum lists its known values in `const VALUES: &[(&str, Self)]`,
/// sorted by wire value (as bytes), each variant once: a value is found by
/// binary search, a variant's wire value by its discriminant.
#[doc(hidden)]
#[macro_export]
macro_rules! __apigen_string_enum {
    ($name:ident, $fallback:ident) => {
        impl $name {
            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    Self::$fallback(value) => value,
                    known => {
                        let variant = std::mem::discriminant(known);
                        Self::VALUES
                            .iter()
                            .find(|(_, v)| std::mem::discriminant(v) == variant)
                            .map_or("", |(wire, _)| wire)
                    }
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match Self::VALUES.binary_search_by(|(wire, _)| (*wire).cmp(value)) {
                    Ok(found) => Self::VALUES[found].1.clone(),
                    Err(_) => Self::$fallback(value.to_owned()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    };
}

#[doc(inline)]
pub use crate::__apigen_string_enum as string_enum;

/// The impls of an integer or number enum with a fallback variant holding
/// its value type (`i64`, or the runtime's `Number`): `value`, `From`,
/// `Display`, and serde through the numbers, so an unknown value decodes
/// into the fallback and is written back unchanged. The enum lists its
/// known values in `const VALUES: &[(T, Self)]`, sorted by value, each
/// variant once; a value is found by binary search (`1` and `1.0` are the
/// same value, and a listed one is written as the spec lists it).
#[doc(hidden)]
#[macro_export]
macro_rules! __apigen_numeric_enum {
    ($name:ident, $fallback:ident, $value:ty) => {
        impl $name {
            /// The value as written on the wire.
            pub fn value(&self) -> $value {
                match self {
                    Self::$fallback(value) => *value,
                    known => {
                        let variant = std::mem::discriminant(known);
                        Self::VALUES
                            .iter()
                            .find(|(_, v)| std::mem::discriminant(v) == variant)
                            .map_or_else(<$value>::default, |(wire, _)| *wire)
                    }
                }
            }
        }

        impl From<$value> for $name {
            fn from(value: $value) -> Self {
                let found = Self::VALUES
                    .binary_search_by(|(wire, _)| wire.partial_cmp(&value).unwrap_or(std::cmp::Ordering::Less));
                match found {
                    Ok(found) => Self::VALUES[found].1.clone(),
                    Err(_) => Self::$fallback(value),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.value(), f)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.value(), serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(Self::from(<$value as serde::Deserialize<'de>>::deserialize(deserializer)?))
            }
        }
    };
}

#[doc(inline)]
pub use crate::__apigen_numeric_enum as numeric_enum;

#[cfg(test)]
mod tests;
