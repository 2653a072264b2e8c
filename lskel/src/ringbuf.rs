// SPDX-License-Identifier: GPL-2.0
//! A consumer of `BPF_MAP_TYPE_RINGBUF` maps: the consumer page mapped
//! writable, the producer page and the data (mapped twice, so a record
//! never wraps) read-only, and epoll to wait, as libbpf's `ring_buffer`.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::map::{dup, Map};
use crate::sys::{self, Mmap};

/// `BPF_RINGBUF_BUSY_BIT`: the record is being written.
const BUSY: u32 = 1 << 31;
/// `BPF_RINGBUF_DISCARD_BIT`: the record was discarded.
const DISCARD: u32 = 1 << 30;
/// `BPF_RINGBUF_HDR_SZ`.
const HDR: u64 = 8;

type Callback<'a> = Box<dyn FnMut(&[u8]) + 'a>;

/// One ring: its mappings and callback.
struct Ring<'a> {
    // The mappings hold the map; the fd is kept for epoll.
    _fd: OwnedFd,
    consumer: Mmap,
    producer: Mmap,
    mask: u64,
    callback: Callback<'a>,
    name: &'static str,
}

impl std::fmt::Debug for Ring<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ring")
            .field("name", &self.name)
            .field("size", &(self.mask + 1))
            .finish()
    }
}

/// The positions and data of a ring, as [`consume`] reads them.
///
/// # Safety
///
/// `consumer` and `producer` point to `u64`s that live as long as the
/// view, only this consumer writes `consumer`, and `data` points to
/// `2 * (mask + 1)` readable bytes whose second half repeats the first.
struct View {
    consumer: *const AtomicU64,
    producer: *const AtomicU64,
    data: *const u8,
    mask: u64,
}

/// Calls `f` for every record committed since the last call; returns how
/// many it passed (discarded records count not).
///
/// # Safety
///
/// `v` must satisfy [`View`]'s requirements.
unsafe fn consume(v: &View, f: &mut dyn FnMut(&[u8])) -> usize {
    // SAFETY: By the function's contract, both positions are live u64s.
    let (cons, prod) = unsafe { (&*v.consumer, &*v.producer) };
    let mut n = 0;
    let mut pos = cons.load(Ordering::Acquire);
    loop {
        let end = prod.load(Ordering::Acquire);
        if pos >= end {
            break;
        }
        while pos < end {
            // SAFETY: `pos & mask` is inside the data; the header is 8-byte
            // aligned (records are), so it is an aligned `u32`.
            let hdr = unsafe { &*v.data.add((pos & v.mask) as usize).cast::<AtomicU32>() };
            let len = hdr.load(Ordering::Acquire);
            if len & BUSY != 0 {
                // Not committed yet: stop here, the next wake-up resumes.
                cons.store(pos, Ordering::Release);
                return n;
            }
            let size = u64::from(len & !(BUSY | DISCARD));
            if len & DISCARD == 0 {
                // SAFETY: The record (at most the ring's size) starts inside
                // the first copy of the data; the second copy makes every
                // byte up to its end readable without wrapping.
                let rec = unsafe {
                    std::slice::from_raw_parts(
                        v.data.add(((pos + HDR) & v.mask) as usize),
                        size as usize,
                    )
                };
                f(rec);
                n += 1;
            }
            pos += (size + HDR + 7) & !7;
            cons.store(pos, Ordering::Release);
        }
    }
    n
}

/// Consumes one or more ring buffer maps, calling a callback per record.
///
/// # Examples
///
/// ```no_run
/// # fn f(obj: &lskel::Object) -> lskel::Result<()> {
/// let mut seen = 0;
/// let mut rb = lskel::RingBuffer::new();
/// rb.add(obj.map(0), |rec: &[u8]| {
///     seen += 1;
///     println!("{} bytes", rec.len());
/// })?;
/// rb.poll(std::time::Duration::from_millis(100))?;
/// drop(rb);
/// println!("{seen} records");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct RingBuffer<'a> {
    epoll: OwnedFd,
    rings: Vec<Ring<'a>>,
    ready: Vec<u64>,
}

impl<'a> RingBuffer<'a> {
    /// An empty consumer.
    ///
    /// # Panics
    ///
    /// If `epoll_create1` fails (out of fds or memory), as the standard
    /// library's constructors do.
    pub fn new() -> Self {
        Self::try_new().expect("epoll_create1")
    }

    /// An empty consumer, or the error of `epoll_create1`.
    pub fn try_new() -> Result<Self> {
        Ok(RingBuffer {
            epoll: sys::epoll_create().map_err(|e| Error::io("epoll_create1", e))?,
            rings: Vec::new(),
            ready: Vec::new(),
        })
    }

    /// Adds ring buffer map `map` with the callback for its records.
    pub fn add(&mut self, map: Map<'_>, callback: impl FnMut(&[u8]) + 'a) -> Result<()> {
        let spec = map.spec();
        let err = |op: &'static str| {
            move |source| Error::Map {
                map: spec.name.to_string(),
                op,
                source,
            }
        };
        if spec.map_type != sys::MAP_TYPE_RINGBUF {
            return Err(Error::invalid(format!(
                "map `{}` is not a ring buffer",
                spec.name
            )));
        }
        let size = u64::from(map.max_entries());
        let page = sys::page_size();
        let fd = dup(map.fd()).map_err(err("dup"))?;
        let consumer = Mmap::new(fd.as_fd(), page, 0, true).map_err(err("mmap consumer page"))?;
        // CAST: ring sizes are at most 4 GiB less a page, as the kernel
        // bounds them; twice that fits `usize` on 64-bit hosts.
        let producer = Mmap::new(fd.as_fd(), page + 2 * size as usize, page, false)
            .map_err(err("mmap producer page and data"))?;
        // CAST: at most 256 maps per object, far below `u64`.
        sys::epoll_add(self.epoll.as_fd(), fd.as_fd(), self.rings.len() as u64)
            .map_err(err("epoll_ctl"))?;
        self.rings.push(Ring {
            _fd: fd,
            consumer,
            producer,
            mask: size - 1,
            callback: Box::new(callback),
            name: spec.name,
        });
        Ok(())
    }

    fn consume_ring(ring: &mut Ring<'_>) -> usize {
        let v = View {
            consumer: ring.consumer.as_ptr().cast(),
            producer: ring.producer.as_ptr().cast(),
            // SAFETY: The producer mapping is a page followed by the data,
            // mapped twice.
            data: unsafe { ring.producer.as_ptr().add(sys::page_size()) },
            mask: ring.mask,
        };
        // SAFETY: The consumer and producer positions start their pages,
        // which live as long as `ring`; this value is the only consumer
        // (`&mut`); the data is mapped twice, `2 * (mask + 1)` bytes.
        unsafe { consume(&v, &mut ring.callback) }
    }

    /// Calls the callbacks for every record available now, without
    /// waiting; returns how many.
    pub fn consume(&mut self) -> usize {
        self.rings.iter_mut().map(Self::consume_ring).sum()
    }

    /// Waits up to `timeout` for records, then consumes the rings that
    /// have some; returns how many records the callbacks got.
    pub fn poll(&mut self, timeout: Duration) -> Result<usize> {
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        sys::epoll_wait(self.epoll.as_fd(), &mut self.ready, ms)
            .map_err(|e| Error::io("epoll_wait", e))?;
        let mut n = 0;
        for k in std::mem::take(&mut self.ready) {
            if let Some(r) = usize::try_from(k).ok().and_then(|k| self.rings.get_mut(k)) {
                n += Self::consume_ring(r);
            }
        }
        Ok(n)
    }
}

impl Default for RingBuffer<'_> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring of 64 bytes in plain memory, its data repeated as the kernel
    /// maps it.
    struct Fake {
        cons: AtomicU64,
        prod: AtomicU64,
        data: Vec<u64>,
    }

    impl Fake {
        fn new() -> Self {
            Fake {
                cons: AtomicU64::new(0),
                prod: AtomicU64::new(0),
                data: vec![0; 16],
            }
        }

        fn push(&mut self, flags: u32, body: &[u8]) {
            let pos = self.prod.load(Ordering::Relaxed) as usize;
            let mut bytes: Vec<u8> = self.data[..8]
                .iter()
                .flat_map(|w| w.to_ne_bytes())
                .collect();
            let len = body.len() as u32 | flags;
            for (k, b) in len
                .to_ne_bytes()
                .iter()
                .chain(&[0; 4])
                .chain(body)
                .enumerate()
            {
                bytes[(pos + k) % 64] = *b;
            }
            for (k, w) in bytes.chunks(8).enumerate() {
                let w = u64::from_ne_bytes(w.try_into().unwrap());
                self.data[k] = w;
                self.data[k + 8] = w;
            }
            let adv = (body.len() as u64 + 8 + 7) & !7;
            self.prod.store(pos as u64 + adv, Ordering::Relaxed);
        }

        fn run(&self) -> Vec<Vec<u8>> {
            let v = View {
                consumer: &self.cons,
                producer: &self.prod,
                data: self.data.as_ptr().cast(),
                mask: 63,
            };
            let mut got = Vec::new();
            // SAFETY: The fake lives across the call; its data is 128
            // bytes, the second half a copy of the first.
            unsafe { consume(&v, &mut |r: &[u8]| got.push(r.to_vec())) };
            got
        }
    }

    #[test]
    fn records_discards_busy_and_wrap() {
        let mut f = Fake::new();
        f.push(0, b"hello");
        f.push(DISCARD, b"gone");
        f.push(0, &[7; 12]);
        assert_eq!(f.run(), vec![b"hello".to_vec(), vec![7; 12]]);
        assert_eq!(f.cons.load(Ordering::Relaxed), 16 + 16 + 24);
        // The next record wraps around the end of the 64 bytes.
        f.push(0, b"wrapped!!");
        assert_eq!(f.run(), vec![b"wrapped!!".to_vec()]);
        // A busy record stops the consumer until it is committed.
        let at = f.prod.load(Ordering::Relaxed);
        f.push(BUSY, b"x");
        f.push(0, b"y");
        assert!(f.run().is_empty());
        assert_eq!(f.cons.load(Ordering::Relaxed), at);
    }
}
