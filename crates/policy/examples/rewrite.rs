//! Prints what regorus is given for a Rego file after verdict's rewrites
//! (`verdict_policy::rewrite`): `cargo run -p verdict-policy --example rewrite FILE.rego…`.
fn main() {
    let modules: Vec<verdict_policy::Module> = std::env::args()
        .skip(1)
        .map(|path| verdict_policy::Module {
            source: std::fs::read_to_string(&path).expect("read the file"),
            path,
        })
        .collect();
    match verdict_policy::rewrite::rewritten_sources(&modules) {
        Ok(modules) => modules.iter().for_each(|m| print!("{}", m.source)),
        Err(e) => eprintln!("{e}"),
    }
}
