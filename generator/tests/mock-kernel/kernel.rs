// SPDX-License-Identifier: GPL-2.0
//! A stand-in for the kernel crate with exactly the `kernel::bpf` surface the
//! rust-kernel back end may use, so generated skeletons can be type-checked
//! on the host.

/// `kernel::str`.
pub mod str {
    /// The kernel's C string type.
    pub type CStr = core::ffi::CStr;
}

/// `kernel::error`.
pub mod error {
    /// Kernel error.
    #[derive(Debug)]
    pub struct Error;
    /// Kernel result.
    pub type Result<T = ()> = core::result::Result<T, Error>;
}

/// A `&'static CStr` from a literal.
#[macro_export]
macro_rules! c_str {
    ($s:expr) => {
        match core::ffi::CStr::from_bytes_with_nul(concat!($s, "\0").as_bytes()) {
            Ok(c) => c,
            Err(_) => panic!("bad C string"),
        }
    };
}

/// `kernel::bpf`.
pub mod bpf {
    /// An owned file descriptor.
    pub struct Fd(pub i32);

    /// `kernel::bpf::loader`.
    pub mod loader {
        use super::Fd;

        /// A loader and what it creates.
        pub struct LoaderSpec {
            /// Loader program.
            pub insns: &'static [u8],
            /// Loader blob.
            pub data: &'static [u8],
            /// Maps, in ctx order.
            pub maps: &'static [MapSpec],
            /// Programs, in ctx order.
            pub progs: &'static [ProgSpec],
        }

        /// A map of a loader.
        pub struct MapSpec {
            /// Name.
            pub name: &'static crate::str::CStr,
            /// 0 keeps the object's.
            pub max_entries: u32,
            /// None keeps the object's.
            pub initial_value: Option<&'static [u8]>,
        }

        /// A program of a loader.
        pub struct ProgSpec {
            /// Name.
            pub name: &'static crate::str::CStr,
        }

        /// What a loader created.
        pub struct Object {
            maps: Vec<Fd>,
            progs: Vec<Fd>,
        }

        impl LoaderSpec {
            /// Runs the loader.
            pub fn load(&'static self) -> crate::error::Result<Object> {
                Ok(Object {
                    maps: (0..self.maps.len() as i32).map(Fd).collect(),
                    progs: (0..self.progs.len() as i32).map(Fd).collect(),
                })
            }
        }

        impl Object {
            /// A map's fd.
            pub fn map(&self, idx: usize) -> &Fd {
                &self.maps[idx]
            }

            /// A program's fd.
            pub fn prog(&self, idx: usize) -> &Fd {
                &self.progs[idx]
            }
        }
    }
}
