//! `mint OUT_DIR`: writes the fixed scenarios (see `verdict_mint::scenario`) under `OUT_DIR`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: mint OUT_DIR");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let start = std::time::Instant::now();
    match verdict_mint::scenario::write_all(&dir) {
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
