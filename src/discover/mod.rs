//! Step 1: which files to read. A sorted walk over the paths given, each
//! path classified into a file kind before the file is opened, what it
//! meets handed on as it meets it.

pub mod classify;
pub mod includes;
pub mod paths;
pub mod record;
pub mod tree;
pub mod walk;
