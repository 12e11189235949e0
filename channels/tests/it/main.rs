//! The crate's one integration test binary.

mod clients;
mod mock;
mod parse;
mod shared_vectors;
mod split;
mod verify;

/// A file under `tests/it/fixtures/`, byte for byte.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/it/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}
