//! `mint OUT_DIR`: writes the fixed scenarios (see `verdict_mint::scenario`) under `OUT_DIR`.
//! `mint batch N OUT_DIR`: writes `N` signed artifacts and their bundles (see
//! `verdict_mint::batch`) under `OUT_DIR`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let start = std::time::Instant::now();
    let (dir, written) = match args.as_slice() {
        [dir] => {
            let dir = PathBuf::from(dir);
            let written = verdict_mint::scenario::write_all(&dir);
            (dir, written)
        }
        [batch, n, dir] if batch == "batch" => {
            let Some(n) = n.to_str().and_then(|n| n.parse().ok()) else {
                eprintln!("mint batch: N is a number of bundles");
                return ExitCode::from(2);
            };
            let dir = PathBuf::from(dir);
            let written = verdict_mint::batch::write(&dir, n);
            (dir, written)
        }
        _ => {
            eprintln!("usage: mint OUT_DIR | mint batch N OUT_DIR");
            return ExitCode::from(2);
        }
    };
    match written {
        Ok(n) => {
            println!(
                "wrote {n} files under {} in {:.2?}",
                dir.display(),
                start.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mint: {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
