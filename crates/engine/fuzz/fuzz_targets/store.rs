//! The persistence format on arbitrary bytes: file framing (`unframe`), segments (`decode_batch`,
//! `Image::apply_segment`) and binary item records (`codec::decode_item`). Nothing may panic; a
//! corrupt segment leaves the image untouched; whatever decodes re-encodes to something that
//! decodes to the same thing.
#![no_main]

use gureum_engine::{
    services::dynamodb::codec,
    store::{decode_batch, encode_batch, frame, unframe, Image},
    Change,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Framing: the valid prefix is exactly its frames, re-framed.
    let (segments, valid) = unframe(data);
    assert!(valid <= data.len());
    let reframed: Vec<u8> = segments.iter().flat_map(|s| frame(s)).collect();
    assert_eq!(reframed.as_slice(), &data[..valid]);

    // Segments: decode, re-encode, decode again.
    for seg in segments.iter().copied().chain(std::iter::once(data)) {
        if let Ok(changes) = decode_batch(seg) {
            assert_eq!(decode_batch(&encode_batch(&changes)).expect("re-encoded segment decodes"), changes);
        }
        // All or nothing, on an empty image and on one with records.
        for mut img in [Image::default(), seeded()] {
            let before = img.clone();
            match img.apply_segment(seg) {
                Ok(()) => {
                    let bytes: usize = img.clone().into_records().iter().map(|r| r.key.len() + r.value.len()).sum();
                    assert_eq!(img.bytes(), bytes, "image byte count");
                }
                Err(_) => assert!(img == before, "a corrupt segment changed the image"),
            }
        }
    }

    // Item records.
    if let Ok(item) = codec::decode_item(data) {
        let again = codec::decode_item(&codec::encode_item(&item)).expect("re-encoded item decodes");
        assert_eq!(again, item);
    }
});

fn seeded() -> Image {
    let mut img = Image::default();
    for (k, v) in [("a", &b"1"[..]), ("dynamodb/x", b"22"), ("dynamodb/y/z", b"")] {
        img.apply(Change::Put { key: k.into(), value: v.to_vec() });
    }
    img
}
