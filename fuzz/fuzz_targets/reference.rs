//! Docker's reference grammar: any text parses or is refused, and a parsed
//! reference's canonical form parses back to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        imagelint::fuzzing::reference(text);
    }
});
