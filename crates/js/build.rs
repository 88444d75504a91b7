//! Embeds the built-in JavaScript modules listed in `sdk/index.json` (package name → file).
use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("sdk");
    let index = dir.join("index.json");
    println!("cargo:rerun-if-changed={}", index.display());
    let text = fs::read_to_string(&index).unwrap_or_else(|_| "{}".into());
    let mut out = String::from("/// Built-in modules: (package name, source).\npub static MODULES: &[(&str, &str)] = &[\n");
    for line in text.lines() {
        let parts: Vec<&str> = line.split('"').collect();
        if parts.len() >= 5 {
            let (name, file) = (parts[1], parts[3]);
            let path = dir.join(file);
            println!("cargo:rerun-if-changed={}", path.display());
            out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
        }
    }
    out.push_str("];\n");
    fs::write(Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("modules.rs"), out).expect("write modules.rs");
}
