//! Output formats. Each renderer sees findings or inventory entries, never
//! the extraction internals.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod inventory;
pub mod json;
pub mod sarif;
