//! The lock file and the registry client that fills it (`imagelint lock`):
//! the only part of imagelint that uses the network.

mod credentials;
mod file;
pub mod registry;

pub use credentials::CredentialsError;
pub use file::{is_digest, Lock, LockError};
