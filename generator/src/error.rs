//! The one error type of the generator: every failure names the spec file
//! and, where one exists, the JSON pointer of the offending node.

use std::fmt;

/// A generation failure, located in a spec document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The spec file as the user named it (e.g. `specs/basiq.yaml`).
    pub file: String,
    /// JSON pointer of the offending node (`/paths/~1jobs/get`), if known.
    pub pointer: Option<String>,
    /// What went wrong.
    pub kind: ErrorKind,
}

/// The classes of failure, each with a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The file could not be read.
    #[error("cannot read file: {0}")]
    Io(String),
    /// The generated crate could not be written (or was refused: the
    /// output directory holds a crate apigen did not write).
    #[error("cannot write the crate: {0}")]
    Write(String),
    /// The text is neither valid JSON nor valid YAML.
    #[error("invalid {format} at line {line}, column {column}: {message}")]
    Syntax { format: &'static str, line: usize, column: usize, message: String },
    /// The document is not an OpenAPI 3.x or Swagger 2.0 document.
    #[error("not an OpenAPI document: {0}")]
    NotOpenApi(String),
    /// The document has the right version but breaks the OpenAPI schema.
    #[error("invalid OpenAPI document: {0}")]
    Invalid(String),
    /// A `$ref` points at nothing inside the document.
    #[error("dangling $ref `{0}`: no such node in the document")]
    DanglingRef(String),
    /// A construct the generator does not support (yet).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The command line asks for something that cannot be generated.
    #[error("{0}")]
    Usage(String),
    /// The generator produced code it cannot format: a generator bug.
    #[error("internal error (please report): {0}")]
    Internal(String),
}

impl Error {
    pub fn new(file: impl Into<String>, pointer: Option<String>, kind: ErrorKind) -> Self {
        Error { file: file.into(), pointer, kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pointer {
            Some(p) => write!(f, "{}#{}: {}", self.file, p, self.kind),
            None => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

impl std::error::Error for Error {}

/// Escapes one JSON pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`.
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Undoes [`escape_segment`]: `~1` → `/`, then `~0` → `~`.
pub fn unescape_segment(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// A JSON pointer under construction; cheap to extend by one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(String);

impl Pointer {
    /// The document root (`""`).
    pub fn root() -> Self {
        Pointer(String::new())
    }

    /// Parses the fragment of a local `$ref` (`#/components/schemas/X`).
    pub fn from_ref(reference: &str) -> Option<Self> {
        reference.strip_prefix('#').map(|p| Pointer(p.to_owned()))
    }

    /// This pointer with one more (unescaped) segment.
    pub fn push(&self, segment: impl AsRef<str>) -> Self {
        Pointer(format!("{}/{}", self.0, escape_segment(segment.as_ref())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
