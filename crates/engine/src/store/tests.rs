use super::*;

fn put(k: &str, v: &str) -> Change {
    Change::Put { key: k.into(), value: v.as_bytes().to_vec() }
}

#[test]
fn batch_round_trips() {
    let batch = vec![put("a/1", "x"), Change::Delete { key: "a/2".into() }, Change::DeletePrefix { prefix: "b/".into() }, put("", "")];
    assert_eq!(decode_batch(&encode_batch(&batch)).unwrap(), batch);
}

#[test]
fn corrupt_batches_are_errors_not_panics() {
    let good = encode_batch(&[put("key", "value")]);
    for cut in 0..good.len() {
        assert!(decode_batch(&good[..cut]).is_err(), "prefix of {cut} bytes decoded");
    }
    assert!(decode_batch(&[BATCH_MAGIC, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
}

#[test]
fn image_applies_puts_deletes_and_prefix_deletes() {
    let mut img = Image::default();
    for c in [put("t/A", "1"), put("t/A/i/1", "a"), put("t/A/i/2", "b"), put("t/A-2", "x"), put("t/A/i/1", "c")] {
        img.apply(c);
    }
    assert_eq!(img.get("t/A/i/1"), Some(&b"c"[..]));
    img.apply(Change::DeletePrefix { prefix: "t/A/".into() });
    img.apply(Change::Delete { key: "t/A".into() });
    let keys: Vec<String> = img.clone().into_records().into_iter().map(|r| r.key).collect();
    assert_eq!(keys, vec!["t/A-2"]);
    assert_eq!(img.bytes(), "t/A-2".len() + 1);
}

#[test]
fn checkpoint_then_replayed_tail_gives_the_same_image() {
    let history = vec![put("a", "1"), put("b", "2"), Change::Delete { key: "a".into() }, put("c", "3")];
    let mut img = Image::default();
    for c in history.clone() {
        img.apply(c);
    }
    let records = img.clone().into_records();
    let mut replay = Image::default();
    for seg in encode_checkpoint(&records, 4) {
        replay.apply_segment(&seg).unwrap();
    }
    assert_eq!(replay, img);
    // A crash after the checkpoint but before old segments are dropped replays history again.
    for c in history {
        replay.apply(c);
    }
    assert_eq!(replay.into_records(), records);
}

#[test]
fn torn_tail_frame_is_ignored() {
    let mut file = frame(b"one");
    file.extend(frame(b"two"));
    let whole = file.len();
    file.extend(&frame(b"three")[..5]);
    let (segs, valid) = unframe(&file);
    assert_eq!(segs, vec![&b"one"[..], &b"two"[..]]);
    assert_eq!(valid, whole);
    // A flipped bit fails the checksum.
    let mut bad = frame(b"one");
    bad[9] ^= 1;
    assert!(unframe(&bad).0.is_empty());
}
