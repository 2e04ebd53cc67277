//! Embeds the generated tool definitions (`tools/schemas/*.json`, kept equal to the code by the
//! catalog test) so that a server answers `tools/list` without generating 51 JSON Schemas at
//! start: that work, and the schema code it runs, cost a megabyte of resident memory each.
//! A tool without a file yet (a new one, before `UPDATE_CATALOG=1`) is generated as before.

use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("tools/schemas");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let mut out = String::from("/// (tool name, its definition as `tools/list` shows it), from `tools/schemas/`.\n");
    out.push_str("pub static DEFINITIONS: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_stem().and_then(|s| s.to_str()).expect("a UTF-8 file name");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets it")).join("definitions.rs");
    fs::write(dest, out).expect("write the embedded definitions");
}
