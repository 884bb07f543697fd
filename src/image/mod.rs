//! Step 3: from reference text to an image the rules can judge: Docker's
//! reference grammar, tag classes, and the mirror and allow-list policy.

mod policy;
pub mod reference;
pub mod tags;

pub use policy::{Image, Mirror, Origin, Policy};
