//! What the mirrors must hold: every upstream image that the files pull
//! under a mirror prefix, with its tags and digests (`imagelint mirror
//! plan`), written in the forms the copying tools take, and the digests a
//! presence check asks the mirror for (`imagelint mirror check`).

pub mod plan;
pub mod write;

pub use plan::Plan;
