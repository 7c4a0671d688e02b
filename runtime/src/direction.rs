//! Which way a value travels while it is written: `readOnly` properties are
//! left out of requests and `writeOnly` ones out of responses, so one model
//! type serves both directions (read a resource, change it, send it back).
//!
//! The client writes request bodies inside [`request`] and the server
//! writes response bodies inside [`response`]; a model written anywhere
//! else (`serde_json::to_string` by its user) keeps every property. Models
//! name [`skip_read_only`] or [`skip_write_only`] in the
//! `skip_serializing_if` of their one-way fields.

use std::cell::Cell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

thread_local! {
    static WRITING: Cell<Option<Direction>> = const { Cell::new(None) };
}

/// Restores the direction in force before, on every way out (a panic in a
/// `Serialize` impl included).
struct Restore(Option<Direction>);

impl Drop for Restore {
    fn drop(&mut self) {
        WRITING.with(|w| w.set(self.0));
    }
}

fn writing<R>(direction: Direction, write: impl FnOnce() -> R) -> R {
    let _restore = Restore(WRITING.with(|w| w.replace(Some(direction))));
    write()
}

fn current() -> Option<Direction> {
    WRITING.with(Cell::get)
}

/// Runs `write` (a serialization) as the writing of a request body.
pub fn request<R>(write: impl FnOnce() -> R) -> R {
    writing(Direction::Request, write)
}

/// Runs `write` (a serialization) as the writing of a response body.
pub fn response<R>(write: impl FnOnce() -> R) -> R {
    writing(Direction::Response, write)
}

/// `skip_serializing_if` of a `readOnly` property: absent, or a request is
/// being written.
pub fn skip_read_only<T>(value: &Option<T>) -> bool {
    value.is_none() || current() == Some(Direction::Request)
}

/// `skip_serializing_if` of a `writeOnly` property: absent, or a response is
/// being written.
pub fn skip_write_only<T>(value: &Option<T>) -> bool {
    value.is_none() || current() == Some(Direction::Response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_direction_skips_its_own_kind_and_is_restored() {
        let some = Some(1);
        assert!(!skip_read_only(&some) && !skip_write_only(&some));
        assert!(skip_read_only(&None::<u8>) && skip_write_only(&None::<u8>));
        request(|| {
            assert!(skip_read_only(&some) && !skip_write_only(&some));
            response(|| assert!(!skip_read_only(&some) && skip_write_only(&some)));
            assert!(skip_read_only(&some), "the outer direction is back");
        });
        let unwound = std::panic::catch_unwind(|| request(|| panic!("a Serialize impl panicked")));
        assert!(unwound.is_err());
        assert!(!skip_read_only(&some), "no direction after a panic");
    }
}
