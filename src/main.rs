//! The `quire` binary: everything is in the library.

fn main() -> std::process::ExitCode {
    quire::cli::main()
}
