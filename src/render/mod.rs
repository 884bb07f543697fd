//! Output formats. Each renderer sees findings or inventory entries, never
//! the extraction internals.

pub mod human;
pub mod inventory;
pub mod json;
