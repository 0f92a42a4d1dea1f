//! Turns every page of the book into a module whose documentation is the page, so that
//! `cargo test` compiles and runs every Rust block in the book as a doctest.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let src =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("src");
    println!("cargo:rerun-if-changed={}", src.display());
    let mut pages = Vec::new();
    collect(&src, &mut pages);
    pages.sort();
    let mut code = String::new();
    for page in &pages {
        println!("cargo:rerun-if-changed={}", page.display());
        let stem = page.strip_prefix(&src).unwrap_or(page).with_extension("");
        let name: String = stem
            .to_string_lossy()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        code.push_str(&format!(
            "#[doc = include_str!({:?})]\npub mod page_{name} {{}}\n",
            page.display().to_string()
        ));
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("pages.rs");
    fs::write(out, code).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, pages: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, pages);
        } else if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
}
