//! Captures everything the process logs (all servers of the test binary) as JSON lines, through
//! the same subscriber the `poort` binary uses, so tests can search what would reach a log file.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the capturing subscriber (once per process; later calls return the same buffer).
/// Debug level everywhere, trace for Poort's own crates: more than production would log.
pub fn capture() -> LogBuffer {
    static BUFFER: OnceLock<LogBuffer> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = LogBuffer::default();
            let filter = EnvFilter::new("debug,poort_server=trace,poort_store=trace");
            let subscriber = poort_server::logging::subscriber(true, filter, buffer.clone());
            // Another subscriber already installed would mean nothing is captured here:
            // the test using the buffer then fails on its own non-emptiness checks.
            let _ = tracing::subscriber::set_global_default(subscriber);
            buffer
        })
        .clone()
}
