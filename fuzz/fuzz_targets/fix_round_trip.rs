//! `--fix` on any file of any kind (the first byte picks the kind): the fix
//! raises no new finding and a second fix changes nothing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((kind, text)) = imagelint::fuzzing::split(data) {
        imagelint::fuzzing::fix_round_trip(kind, text);
    }
});
