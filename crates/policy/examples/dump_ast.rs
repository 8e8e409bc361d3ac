//! Prints regorus's serialized AST of a Rego file (a development aid for the rewrite pass).
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump_ast FILE.rego");
    let source = std::fs::read_to_string(&path).expect("read");
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(false);
    engine.add_policy(path, source).expect("parse");
    println!("{}", engine.get_ast_as_json().expect("ast"));
}
