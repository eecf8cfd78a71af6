//! Reading the `.deb` container: the outer `ar` archive, its members, their compression.
//!
//! Everything streams: the `ar` member is decompressed while it is read and the tar entries are
//! written as they come. Nothing here buffers a whole member.

use std::cell::Cell;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use crate::ExtractError;

/// Largest `debian-binary` member we read (it holds `2.0\n`).
const MAX_DEBIAN_BINARY: u64 = 64;
/// Decoder memory limit for xz/lzma: `xz -9` needs 65 MiB; a hostile header may ask for more.
const XZ_MEMLIMIT: u64 = 256 * 1024 * 1024;

/// Guards the `ar` crate against inputs no `.deb` contains: GNU (`/…`) and BSD (`#1/…`)
/// extended member names, whose parsing in the crate trusts sizes from the file (an index
/// past the name table panics; a huge length allocates it). It follows the stream layout
/// (8-byte magic, then 60-byte headers each followed by their data and padding) and fails
/// the read when such a header comes by. Everything else passes through unchanged.
pub(crate) struct ArGuard<R> {
    inner: R,
    /// Bytes of the current member (or of the magic) still to pass through, padding included.
    data_left: u64,
    header: [u8; 60],
    header_len: usize,
    header_pos: usize,
}

impl<R: Read> ArGuard<R> {
    pub(crate) fn new(inner: R) -> Self {
        ArGuard {
            inner,
            data_left: 8,
            header: [0; 60],
            header_len: 0,
            header_pos: 0,
        }
    }

    /// Reads the next header into `self.header`; returns false at a clean end of input.
    fn fill_header(&mut self) -> io::Result<()> {
        self.header_len = 0;
        self.header_pos = 0;
        while self.header_len < 60 {
            match self.inner.read(&mut self.header[self.header_len..]) {
                Ok(0) => return Ok(()), // short: let the ar crate report the truncation
                Ok(n) => self.header_len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let name = &self.header[..16];
        if name.starts_with(b"/") || name.starts_with(b"#1/") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "extended ar member names are not used by .deb files",
            ));
        }
        let size = std::str::from_utf8(&self.header[48..58])
            .ok()
            .and_then(|s| s.trim_end().parse::<u64>().ok())
            .unwrap_or(0);
        self.data_left = size + (size & 1);
        Ok(())
    }
}

impl<R: Read> Read for ArGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.header_pos < self.header_len {
            let n = (self.header_len - self.header_pos).min(buf.len());
            buf[..n].copy_from_slice(&self.header[self.header_pos..self.header_pos + n]);
            self.header_pos += n;
            return Ok(n);
        }
        if self.data_left == 0 {
            self.fill_header()?;
            if self.header_len == 0 {
                return Ok(0);
            }
            return self.read(buf);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.data_left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.data_left -= n as u64;
        Ok(n)
    }
}

/// Fails the read once more than `limit` bytes came through (a decompression bomb).
pub(crate) struct Limit<R> {
    inner: R,
    left: u64,
    pub(crate) hit: Rc<Cell<bool>>,
}

impl<R: Read> Limit<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        Limit {
            inner,
            left: limit,
            hit: Rc::new(Cell::new(false)),
        }
    }
}

impl<R: Read> Read for Limit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // Anything more than the limit is too much.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.hit.set(true);
            return Err(io::Error::other("unpacked size limit exceeded"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The compression of a `control.tar*` / `data.tar*` member, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Xz,
    Lzma,
    Zstd,
    Gzip,
}

/// Splits `data.tar.xz` into (`data`, compression). `Ok(None)`: not a tar member.
pub(crate) fn tar_member(name: &str) -> Result<Option<(&str, Compression)>, ExtractError> {
    let Some((stem, rest)) = name.split_once(".tar") else {
        return Ok(None);
    };
    if stem != "data" && stem != "control" {
        return Ok(None);
    }
    let compression = match rest {
        "" => Compression::None,
        ".xz" => Compression::Xz,
        ".lzma" => Compression::Lzma,
        ".zst" => Compression::Zstd,
        ".gz" => Compression::Gzip,
        _ => {
            return Err(ExtractError::UnsupportedCompression {
                member: name.to_owned(),
            });
        }
    };
    Ok(Some((stem, compression)))
}

/// Wraps a member reader in its decompressor.
pub(crate) fn decoder<'a>(
    input: impl Read + 'a,
    compression: Compression,
    member: &str,
) -> Result<Box<dyn Read + 'a>, ExtractError> {
    let read_err = |source| ExtractError::Read {
        member: member.to_owned(),
        source,
    };
    Ok(match compression {
        Compression::None => Box::new(BufReader::with_capacity(64 * 1024, input)),
        Compression::Xz | Compression::Lzma => {
            let stream = if compression == Compression::Xz {
                liblzma::stream::Stream::new_stream_decoder(
                    XZ_MEMLIMIT,
                    liblzma::stream::CONCATENATED,
                )
            } else {
                liblzma::stream::Stream::new_lzma_decoder(XZ_MEMLIMIT)
            }
            .map_err(|e| read_err(e.into()))?;
            Box::new(liblzma::read::XzDecoder::new_stream(input, stream))
        }
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(input).map_err(read_err)?),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
    })
}

/// Walks the outer `ar` archive: checks `debian-binary`, then hands each `control.tar*` or
/// `data.tar*` member to `visit` until it returns `true` (done). Members whose name starts
/// with `_` are skipped, as dpkg does. Any remaining input is read to its end so that a
/// hashing reader wrapped around the input sees every byte.
pub(crate) fn for_each_tar_member<R: Read>(
    reader: R,
    mut visit: impl FnMut(&str, Compression, &mut dyn Read) -> Result<bool, ExtractError>,
) -> Result<(), ExtractError> {
    let not_a_deb = |reason: String| ExtractError::NotADeb { reason };
    let mut archive = ar::Archive::new(ArGuard::new(BufReader::with_capacity(64 * 1024, reader)));
    let mut index = 0usize;
    let mut done = false;
    while let Some(entry) = archive.next_entry() {
        let mut entry = entry.map_err(|e| not_a_deb(format!("bad ar archive: {e}")))?;
        let name = String::from_utf8_lossy(entry.header().identifier())
            .trim_end_matches('/')
            .to_owned();
        index += 1;
        if index == 1 {
            if name != "debian-binary" {
                return Err(not_a_deb(format!(
                    "the first member is `{name}`, not `debian-binary`"
                )));
            }
            let mut version = String::new();
            (&mut entry)
                .take(MAX_DEBIAN_BINARY)
                .read_to_string(&mut version)
                .map_err(|e| not_a_deb(format!("unreadable `debian-binary`: {e}")))?;
            if !version.starts_with("2.") {
                return Err(not_a_deb(format!(
                    "unsupported format version `{}`",
                    version.trim()
                )));
            }
            continue;
        }
        if done || name.starts_with('_') {
            continue;
        }
        match tar_member(&name)? {
            Some((_, compression)) => done = visit(&name, compression, &mut entry)?,
            None => return Err(not_a_deb(format!("unexpected member `{name}`"))),
        }
    }
    if index == 0 {
        return Err(not_a_deb("the archive is empty".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_map_to_compressions() {
        assert_eq!(
            tar_member("data.tar.xz").unwrap(),
            Some(("data", Compression::Xz))
        );
        assert_eq!(
            tar_member("control.tar").unwrap(),
            Some(("control", Compression::None))
        );
        assert_eq!(
            tar_member("data.tar.zst").unwrap(),
            Some(("data", Compression::Zstd))
        );
        assert!(tar_member("data.tar.bz2").is_err());
        assert_eq!(tar_member("debian-binary").unwrap(), None);
    }

    #[test]
    fn guard_refuses_extended_names_the_ar_crate_would_trust() {
        // `/5`: a GNU name-table index with no name table.
        let mut deb = b"!<arch>\n".to_vec();
        deb.extend_from_slice(
            format!(
                "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                "/5", 0, 0, 0, 644, 0
            )
            .as_bytes(),
        );
        let err = for_each_tar_member(&deb[..], |_, _, _| Ok(true)).unwrap_err();
        assert!(err.to_string().contains("not a Debian package"), "{err}");
    }

    #[test]
    fn limit_fails_past_the_limit_only() {
        let mut out = Vec::new();
        Limit::new(&[1u8; 10][..], 10)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 10);
        let mut limited = Limit::new(&[1u8; 11][..], 10);
        assert!(limited.read_to_end(&mut Vec::new()).is_err());
        assert!(limited.hit.get());
    }
}
