//! The types of string formats that no common crate gives a serde type:
//! `format: byte` as [`Base64`].

use ::base64::alphabet::{Alphabet, STANDARD, URL_SAFE};
use ::base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ::base64::Engine as _;
use std::fmt;

/// Bytes that travel as base64 text (`format: byte`).
///
/// Decoding accepts the standard alphabet (RFC 4648 §4) and the URL-safe one
/// (§5), with or without `=` padding, and remembers which spelling it read,
/// so a value is written back exactly as it came; anything else (`***`, a
/// mix of both alphabets, stray padding) is refused. A value made from bytes
/// is written in the standard alphabet, padded. Two values are equal when
/// their bytes are, whatever their spelling.
#[derive(Clone, Default)]
pub struct Base64 {
    bytes: Vec<u8>,
    spelling: Spelling,
}

/// How a [`Base64`] value is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Spelling {
    #[default]
    StandardPadded,
    Standard,
    UrlSafePadded,
    UrlSafe,
}

impl Spelling {
    fn engine(self) -> GeneralPurpose {
        let (alphabet, padded): (&Alphabet, bool) = match self {
            Spelling::StandardPadded => (&STANDARD, true),
            Spelling::Standard => (&STANDARD, false),
            Spelling::UrlSafePadded => (&URL_SAFE, true),
            Spelling::UrlSafe => (&URL_SAFE, false),
        };
        let padding = if padded { DecodePaddingMode::RequireCanonical } else { DecodePaddingMode::RequireNone };
        GeneralPurpose::new(
            alphabet,
            GeneralPurposeConfig::new().with_encode_padding(padded).with_decode_padding_mode(padding),
        )
    }

    /// The spelling `text` is written in, judged by its characters; the
    /// decoder then checks the whole of it.
    fn of(text: &str) -> Spelling {
        let url_safe = text.bytes().any(|b| b == b'-' || b == b'_');
        // Padded when it ends in `=` or needs none (whole groups of four;
        // `is_multiple_of` is newer than the crate's minimum Rust).
        let padded = text.ends_with('=') || text.len() & 3 == 0;
        match (url_safe, padded) {
            (false, true) => Spelling::StandardPadded,
            (false, false) => Spelling::Standard,
            (true, true) => Spelling::UrlSafePadded,
            (true, false) => Spelling::UrlSafe,
        }
    }
}

/// Why a text is not base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidBase64(String);

impl fmt::Display for InvalidBase64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not base64 (format: byte): {}", self.0)
    }
}

impl std::error::Error for InvalidBase64 {}

impl Base64 {
    /// The bytes, to be written in the standard alphabet, padded.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Base64 { bytes: bytes.into(), spelling: Spelling::default() }
    }

    /// Decodes base64 text in either alphabet, padded or not.
    pub fn decode(text: &str) -> Result<Self, InvalidBase64> {
        let spelling = Spelling::of(text);
        match spelling.engine().decode(text) {
            Ok(bytes) => Ok(Base64 { bytes, spelling }),
            Err(e) => Err(InvalidBase64(e.to_string())),
        }
    }

    /// The decoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The decoded bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The value as written on the wire.
    pub fn encode(&self) -> String {
        self.spelling.engine().encode(&self.bytes)
    }
}

impl From<Vec<u8>> for Base64 {
    fn from(bytes: Vec<u8>) -> Self {
        Base64::new(bytes)
    }
}

impl From<&[u8]> for Base64 {
    fn from(bytes: &[u8]) -> Self {
        Base64::new(bytes)
    }
}

impl AsRef<[u8]> for Base64 {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl PartialEq for Base64 {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Base64 {}

impl std::hash::Hash for Base64 {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl fmt::Debug for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Base64").field(&self.encode()).finish()
    }
}

impl fmt::Display for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

impl std::str::FromStr for Base64 {
    type Err = InvalidBase64;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Base64::decode(text)
    }
}

impl serde::Serialize for Base64 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> serde::Deserialize<'de> for Base64 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Base64::decode(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Base64;

    #[test]
    fn each_spelling_comes_back_as_it_was() {
        // "hi?>" has bytes whose base64 differs between the two alphabets.
        for (text, bytes) in [
            ("aGk/Pg==", &b"hi?>"[..]),
            ("aGk/Pg", b"hi?>"),
            ("aGk_Pg==", b"hi?>"),
            ("aGk_Pg", b"hi?>"),
            ("", b""),
            ("aGVsbG8h", b"hello!"),
            ("aGk", b"hi"),
            ("/+8=", b"\xff\xef"),
            ("_-8", b"\xff\xef"),
        ] {
            let value = Base64::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(value.as_bytes(), bytes, "{text}");
            assert_eq!(value.encode(), text);
            let json = serde_json::to_string(&value).expect("encode");
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Base64>(&json).expect("decode"), value);
        }
    }

    #[test]
    fn bytes_are_written_standard_and_padded() {
        assert_eq!(Base64::new(b"hi?>".to_vec()).encode(), "aGk/Pg==");
        assert_eq!(Base64::from(&b"\xff\xef"[..]).to_string(), "/+8=");
        assert_eq!(Base64::decode("_-8").expect("decode"), Base64::new(vec![0xff, 0xef]));
    }

    #[test]
    fn what_is_not_base64_is_refused() {
        for text in ["***", "aGk/Pg=", "aGk/Pg===", "a", "aG=k", "aGk/_g==", "aGk/Pg==\n", " aGk="] {
            assert!(Base64::decode(text).is_err(), "{text:?} decoded");
            assert!(serde_json::from_value::<Base64>(serde_json::json!(text)).is_err(), "{text:?} decoded");
        }
        assert!(serde_json::from_value::<Base64>(serde_json::json!(7)).is_err());
    }
}
