//! The `gzip` fault: the body as a gzip stream, frame by frame, as a misconfigured proxy sends
//! it. Each frame becomes a stored (uncompressed) deflate block, so the stream stays streamed
//! and valid gzip without a compressor.

use bytes::Bytes;

use super::stream::Emit;

/// The gzip header: deflate, no name, no time, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Wraps a body's emits in a gzip stream.
pub(crate) struct Gzipped {
    inner: Box<dyn Iterator<Item = Emit> + Send>,
    crc: u32,
    size: u32,
    started: bool,
    ended: bool,
}

impl Gzipped {
    pub fn new(inner: Box<dyn Iterator<Item = Emit> + Send>) -> Gzipped {
        Gzipped {
            inner,
            crc: !0,
            size: 0,
            started: false,
            ended: false,
        }
    }

    fn block(&mut self, data: &[u8]) -> Bytes {
        self.crc = crc32_update(self.crc, data);
        self.size = self.size.wrapping_add(data.len() as u32);
        let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / 65_535 + 1));
        for piece in data.chunks(65_535) {
            let len = piece.len() as u16;
            out.push(0);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(piece);
        }
        Bytes::from(out)
    }

    fn trailer(&self) -> Bytes {
        let mut out = vec![1, 0, 0, 0xff, 0xff];
        out.extend_from_slice(&(!self.crc).to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
        Bytes::from(out)
    }
}

impl Iterator for Gzipped {
    type Item = Emit;

    fn next(&mut self) -> Option<Emit> {
        if !self.started {
            self.started = true;
            return Some(Emit::Control(Bytes::from_static(&HEADER)));
        }
        match self.inner.next() {
            Some(Emit::Token(b)) => Some(Emit::Token(self.block(&b))),
            Some(Emit::Control(b)) => Some(Emit::Control(self.block(&b))),
            Some(other) => Some(other),
            None if !self.ended => {
                self.ended = true;
                Some(Emit::Control(self.trailer()))
            }
            None => None,
        }
    }
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = CRC_TABLE[((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_crc32() {
        assert_eq!(!crc32_update(!0, b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn the_stream_is_gzip_that_gunzip_reads() {
        let frames = vec![
            Emit::Control(Bytes::from_static(b"data: one\n\n")),
            Emit::Token(Bytes::from(vec![b'x'; 70_000])),
            Emit::Control(Bytes::from_static(b"data: [DONE]\n\n")),
        ];
        let mut gz = Vec::new();
        for e in Gzipped::new(Box::new(frames.into_iter())) {
            match e {
                Emit::Token(b) | Emit::Control(b) => gz.extend_from_slice(&b),
                other => panic!("{other:?}"),
            }
        }
        let mut child = std::process::Command::new("gzip")
            .arg("-dc")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("gzip is installed");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&gz).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "gzip refused the stream");
        let expect = [
            b"data: one\n\n".as_slice(),
            &vec![b'x'; 70_000],
            b"data: [DONE]\n\n",
        ]
        .concat();
        assert_eq!(out.stdout, expect);
    }
}
