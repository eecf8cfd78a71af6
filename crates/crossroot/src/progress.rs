//! The terminal side of [`crossroot_store::Reporter`]: status lines like cargo's, and an
//! `indicatif` bar for downloads — only when stderr is a terminal, `CI` is unset and `--quiet`
//! is not given. Otherwise status lines only (none with `--quiet`).

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::printer::Printer;

pub struct TermReporter {
    printer: Printer,
    bar: Mutex<Option<Bar>>,
}

/// One bar at a time: while several targets are provisioned at once, the bar belongs to the
/// thread whose phase began it; the other threads' phases show their status lines only.
struct Bar {
    bar: ProgressBar,
    owner: std::thread::ThreadId,
    items_total: u64,
    items_done: u64,
    bytes_mode: bool,
}

impl TermReporter {
    pub fn new(printer: &Printer) -> Self {
        TermReporter {
            printer: printer.clone(),
            bar: Mutex::new(None),
        }
    }

    fn bars_on(&self) -> bool {
        self.printer.tty && !self.printer.quiet
    }
}

impl Bar {
    fn mine(&self) -> bool {
        self.owner == std::thread::current().id()
    }
}

impl crossroot_store::Reporter for TermReporter {
    fn status(&self, word: &str, message: &str) {
        if word == "Warning" {
            self.printer.warn(message);
            return;
        }
        if self.printer.quiet {
            return;
        }
        let guard = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(b) => b.bar.println(format!("{word:>12} {message}")),
            None => self.printer.status(word, message),
        }
    }

    fn begin(&self, phase: &str, total_items: u64, total_bytes: Option<u64>) {
        if !self.bars_on() {
            return;
        }
        if self
            .bar
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|b| b.owner != std::thread::current().id())
        {
            return;
        }
        let bytes_mode = total_bytes.is_some_and(|b| b > 0);
        let bar = ProgressBar::with_draw_target(
            Some(if bytes_mode {
                total_bytes.unwrap_or(0)
            } else {
                total_items
            }),
            ProgressDrawTarget::stderr(),
        );
        let template = if bytes_mode {
            "{prefix:>12.cyan.bold} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {wide_msg}"
        } else {
            "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} {wide_msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(phase.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        *self.bar.lock().unwrap_or_else(|p| p.into_inner()) = Some(Bar {
            bar,
            owner: std::thread::current().id(),
            items_total: total_items,
            items_done: 0,
            bytes_mode,
        });
    }

    fn advance_bytes(&self, bytes: u64) {
        let guard = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = guard.as_ref().filter(|b| b.bytes_mode && b.mine()) {
            b.bar.inc(bytes);
        }
    }

    fn item_done(&self, item: &str) {
        let mut guard = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = guard.as_mut().filter(|b| b.mine()) {
            b.items_done += 1;
            if b.bytes_mode {
                b.bar
                    .set_message(format!("{}/{} {item}", b.items_done, b.items_total));
            } else {
                b.bar.inc(1);
                b.bar.set_message(item.to_string());
            }
        }
    }

    fn note(&self, message: &str) {
        self.printer.verbose(message);
    }

    fn end(&self) {
        let mut guard = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_some_and(Bar::mine) {
            if let Some(b) = guard.take() {
                b.bar.finish_and_clear();
            }
        }
    }
}
