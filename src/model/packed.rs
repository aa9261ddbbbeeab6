//! Files embedded packed (deflate, by `build.rs`): the demo data set and the DejaVu fonts.

/// The bytes of a file `build.rs` packed, named by its path in the crate, inflated on each call
/// (callers keep the result in a `LazyLock`).
#[macro_export]
macro_rules! packed {
    ($file:literal) => {
        $crate::model::packed::inflate(include_bytes!(concat!(
            env!("OUT_DIR"),
            "/",
            $file,
            ".deflate"
        )))
    };
}

/// Inflates what `build.rs` deflated. The input is our own, so a failure is a build fault.
pub fn inflate(packed: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::with_capacity(packed.len() * 4);
    flate2::read::DeflateDecoder::new(packed)
        .read_to_end(&mut out)
        .expect("build.rs packed this file");
    // Exactly the file's size: the fonts are kept for the life of the process.
    out.shrink_to_fit();
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_packed_file_inflates_to_the_file_itself() {
        let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"));
        assert_eq!(
            packed!("examples/sales.csv"),
            file.expect("examples/sales.csv")
        );
    }
}
