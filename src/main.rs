//! The `newsmirror` binary: all the work is in the library; this only
//! picks the allocator and hands the arguments to [`newsmirror::cli`].

// Building 100,000 pages allocates millions of short strings across threads;
// glibc's allocator spent a fifth of an incremental build consolidating.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    newsmirror::cli::main()
}
