//! Step 6: fixes. A fix is planned per reference (`plan`), applied whole
//! with the other fixes of its file (`apply`), checked by the engine (which
//! re-reads the result), then written atomically (`crate::atomic`) or shown
//! as a diff (`diff`).

pub mod apply;
pub mod diff;
pub mod edit;
pub mod plan;

pub use edit::{Applicability, Edit, Fix};
