// Building 100,000 pages allocates millions of short strings across threads;
// glibc's allocator spent a fifth of an incremental build consolidating.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Printing into a closed pipe (`newsmirror build | head -1`) should end
    // the program quietly, as it ends `cat`, not panic.
    #[cfg(unix)]
    // SAFETY: called first, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    newsmirror::cli::main()
}
