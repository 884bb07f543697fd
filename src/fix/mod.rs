//! Step 6: fixes. A fix is planned per reference (`plan`), applied whole
//! with the other fixes of its file (`apply`), checked by the engine (which
//! re-reads the result), then written atomically (`write`) or shown as a
//! diff (`diff`).

pub mod apply;
pub mod diff;
pub mod edit;
pub mod plan;
pub mod write;

pub use edit::{Applicability, Edit, Fix};
