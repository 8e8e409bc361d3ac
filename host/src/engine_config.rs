/// The engine configuration every runner compiles with: fuel and epoch
/// interruption (both change the compiled code, so both are part of the
/// precompiled-code cache key, see `cache::key`). `host/build.rs` includes
/// this file to precompile the embedded component with exactly this
/// configuration.
pub fn engine_config() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config
}
