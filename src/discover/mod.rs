//! Step 1: which files to read. A parallel walk over the paths given, each
//! path classified into a file kind before the file is opened.

pub mod classify;
pub mod includes;
pub mod paths;
pub mod record;
pub mod tree;
pub mod walk;
