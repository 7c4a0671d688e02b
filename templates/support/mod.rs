//! Support code shared by the generated modules: serde helpers, and the HTTP
//! runtimes of the clients (feature `client`) and servers (feature `server`).

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
