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

    /// The bytes of every map, by fd: the mock's stand-in for the kernel's.
    static MAPS: std::sync::Mutex<std::collections::BTreeMap<i32, Vec<u8>>> =
        std::sync::Mutex::new(std::collections::BTreeMap::new());

    /// Size of every mock map's value.
    pub const MOCK_VALUE_SIZE: usize = 4096;

    /// Test hook: the value of the map with descriptor `fd`.
    pub fn mock_map_bytes(fd: i32) -> Vec<u8> {
        let mut maps = MAPS.lock().unwrap();
        maps.entry(fd).or_insert_with(|| vec![0; MOCK_VALUE_SIZE]).clone()
    }

    /// A reference to a map, as `kernel::bpf::Map`.
    pub struct Map(i32);

    impl Map {
        /// Takes a reference to the map `fd` refers to.
        pub fn from_fd(fd: &Fd) -> crate::error::Result<Self> {
            Ok(Map(fd.0))
        }

        /// Size of one value.
        pub fn value_size(&self) -> usize {
            MOCK_VALUE_SIZE
        }

        /// Copies bytes at `offset` of the value of a single-element array map.
        pub fn read(&self, offset: usize, out: &mut [u8]) -> crate::error::Result {
            let v = mock_map_bytes(self.0);
            let src = v.get(offset..offset + out.len()).ok_or(crate::error::Error)?;
            out.copy_from_slice(src);
            Ok(())
        }

        /// Copies `data` to `offset` of the value of a single-element array map.
        pub fn write(&self, offset: usize, data: &[u8]) -> crate::error::Result {
            mock_map_bytes(self.0);
            let mut maps = MAPS.lock().unwrap();
            let v = maps.get_mut(&self.0).ok_or(crate::error::Error)?;
            let dst = v.get_mut(offset..offset + data.len()).ok_or(crate::error::Error)?;
            dst.copy_from_slice(data);
            Ok(())
        }
    }

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
            /// The loader's steps that can fail.
            pub steps: &'static [&'static crate::str::CStr],
        }

        /// A map of a loader.
        pub struct MapSpec {
            /// Name.
            pub name: &'static crate::str::CStr,
            /// None keeps the object's.
            pub initial_value: Option<&'static [u8]>,
        }

        /// A program of a loader.
        pub struct ProgSpec {
            /// Name.
            pub name: &'static crate::str::CStr,
        }

        /// Why loading failed: the step and the error.
        #[derive(Debug)]
        pub struct LoadError {
            /// The step that failed.
            pub step: &'static crate::str::CStr,
            /// The error.
            pub err: crate::error::Error,
        }

        /// What a loader created.
        pub struct Object {
            maps: Vec<Fd>,
            progs: Vec<Fd>,
        }

        impl LoaderSpec {
            /// Runs the loader.
            pub fn load(&'static self) -> Result<Object, LoadError> {
                Ok(Object {
                    maps: (0..self.maps.len() as i32).map(Fd).collect(),
                    progs: (0..self.progs.len() as i32).map(Fd).collect(),
                })
            }

            /// Runs a loader generated with fault injection.
            pub fn load_fault_injected(
                &'static self,
                steps: &'static [&'static crate::str::CStr],
            ) -> Result<Object, LoadError> {
                assert!(!steps.is_empty());
                self.load()
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
