//! Command output on stdout. A reader that goes away (`newsmirror build |
//! head`) is not an error: as ripgrep does, the write error is handled, not
//! a panic and not SIGPIPE (which would kill a run in the middle of its
//! work; a TLS peer closing its socket raises it too). The output stops
//! quietly and the command's work goes on to its normal end and exit code.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static GONE: AtomicBool = AtomicBool::new(false);

/// Write `args` (and a newline) to stdout, unless stdout is gone.
pub fn write(args: std::fmt::Arguments, newline: bool) {
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let result = out.write_fmt(args).and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = result.and_then(|()| out.flush()) {
        GONE.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            tracing::warn!(error = %e, "cannot write to standard output");
        }
    }
}
