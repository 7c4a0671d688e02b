//! The runtime of the crates apigen generates: serde helpers, and the HTTP
//! runtimes of the clients (feature `client`) and servers (feature `server`).
//!
//! Generated code reaches it as `crate::support`. A generated crate either
//! depends on this crate (its `support` is a re-export of it) or carries
//! these files as its own `src/support/` module, copied byte for byte, so
//! that it builds with no access to apigen. Nothing in these files names
//! the crate they live in, so the same bytes serve both ways.

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod server;

/// Deserializes a present value, `null` included, as `Some`: with
/// `#[serde(default)]` an `Option<Option<T>>` field then tells an absent
/// property (`None`) from an explicit `null` (`Some(None)`).
pub fn deserialize_present<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// The impls of a string enum with a fallback variant: `as_str`,
/// `From<&str>`, `FromStr`, `Display`, and serde through the wire values, so
/// an unknown value decodes into the fallback and is written back unchanged.
#[doc(hidden)]
#[macro_export]
macro_rules! __apigen_string_enum {
    ($name:ident, $fallback:ident, { $($variant:ident => $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::$fallback(value) => value,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::$fallback(other.to_owned()),
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
