//! Two things that keep the binary small:
//! - packs the larger embedded files (the demo data set, the templates' sample data and the
//!   DejaVu fonts) with deflate into
//!   OUT_DIR; `model::packed` inflates them once when first used (as they are: 1.8 MB more);
//! - links optimised builds (release, dist) with identical code folded and relative relocations
//!   packed, where the linker and the C library can (2.7 MB of relocations become 42 KB).

use std::io::Write;
use std::path::Path;

/// The files `packed!` may name, relative to the crate's folder.
const PACKED: [&str; 9] = [
    "examples/sales.csv",
    "examples/templates/sales.csv",
    "examples/templates/inventory.csv",
    "examples/templates/receivables.csv",
    "examples/templates/subscriptions.csv",
    "examples/templates/profit_loss.csv",
    "examples/templates/funnel.csv",
    "static/fonts/DejaVuSans.ttf",
    "static/fonts/DejaVuSans-Bold.ttf",
];

fn main() {
    pack();
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        small_link();
    }
}

/// Deflates each of `PACKED` into OUT_DIR, beside its path.
fn pack() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for file in PACKED {
        println!("cargo:rerun-if-changed={file}");
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&data).expect("deflate into memory");
        let packed = encoder.finish().expect("deflate into memory");
        let target = Path::new(&out).join(format!("{file}.deflate"));
        std::fs::create_dir_all(target.parent().expect("a folder")).expect("OUT_DIR is writable");
        std::fs::write(&target, packed).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
    }
}

/// Linker options for a smaller binary, only where they are known to work.
fn small_link() {
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let target = env("TARGET");
    if target != env("HOST") || !target.ends_with("-linux-gnu") {
        return;
    }
    // Folding identical functions: rust-lld, the default linker of x86_64 Linux since Rust 1.90,
    // unless turned off (the system's GNU ld does not know the option).
    let flags = env("CARGO_ENCODED_RUSTFLAGS");
    if target == "x86_64-unknown-linux-gnu"
        && rustc_minor().is_some_and(|minor| minor >= 90)
        && !flags.contains("linker-features")
        && !flags.contains("link-self-contained")
    {
        println!("cargo:rustc-link-arg-bins=-Wl,--icf=all");
    }
    // Packed relative relocations (DT_RELR) load with glibc 2.36 or later: only where the
    // build runs on one, so a binary built on an older system still starts there.
    if glibc_minor().is_some_and(|minor| minor >= 36) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// The minor version of the compiler (`rustc 1.95.0 (…)` → 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var("RUSTC").ok()?;
    let out = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let version = String::from_utf8(out.stdout).ok()?;
    version.split(['.', ' ']).nth(2)?.parse().ok()
}

/// The minor version of the build machine's glibc (`2.36` → 36).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_minor() -> Option<u32> {
    // SAFETY: glibc returns a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
    version.to_str().ok()?.split('.').nth(1)?.parse().ok()
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_minor() -> Option<u32> {
    None
}
