//! The progress-reporting trait shared by library crates.

/// How long-running library work reports progress. Only the binary turns this into progress bars;
/// libraries and tests use [`SilentReporter`] or their own recorder.
pub trait Reporter: Send + Sync {
    /// A one-line status, like cargo's `Downloading 12 packages (14.8 MB)`.
    fn status(&self, word: &str, message: &str);
    /// A phase with a known amount of work begins (`total_bytes` when it is bytes).
    fn begin(&self, phase: &str, total_items: u64, total_bytes: Option<u64>);
    /// `bytes` more bytes of the current phase are done.
    fn advance_bytes(&self, bytes: u64);
    /// One more item of the current phase is done.
    fn item_done(&self, item: &str);
    /// The current phase is over.
    fn end(&self);
    /// A detail shown only when the user asked for more (`-v`): which mirror, which file was
    /// written.
    fn note(&self, _message: &str) {}
}

/// A [`Reporter`] that reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct SilentReporter;

impl Reporter for SilentReporter {
    fn status(&self, _: &str, _: &str) {}
    fn begin(&self, _: &str, _: u64, _: Option<u64>) {}
    fn advance_bytes(&self, _: u64) {}
    fn item_done(&self, _: &str) {}
    fn end(&self) {}
}
