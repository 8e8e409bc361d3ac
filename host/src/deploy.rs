//! Deploying the service component: policies compiled and a trusted root prepared once, before
//! the first request, and kept in the component itself.
//!
//! The embedded service component ([`crate::SERVICE_COMPONENT`], world
//! `verdict:policy/service-init`) is instrumented by wasmtime's wizer, instantiated once with
//! the deployment document on its standard input, initialised (`wizer-initialize`: the guest
//! reads the document, compiles the policies, prepares the trusted root) and snapshotted: the
//! result is a component whose memory already holds the deployment, exporting
//! `wasi:http/incoming-handler` (and the spent hook: wizer 48 cannot remove it cleanly, a second
//! call changes nothing). Any wasi:http host runs it; each request's fresh instance starts from
//! the snapshot instead of compiling.

use bytes::Bytes;
use wasmtime::component::{Component, Instance, Linker, WasmList};
use wasmtime::error::Context as _;
use wasmtime::{Engine, Result, Store};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wizer::ComponentInstanceState;
use wasmtime_wizer::Wizer;

use crate::serve::Host;

/// The export the deployment calls (world `service-init`).
const INIT: &str = "wizer-initialize";

/// The service component deployed with `document` (`{"policies"?, "query"?, "defaultPolicy"?,
/// "trustedRoot"?, "locked"?}`) within `max_memory` (the cap it will be served under); an
/// error (with what the component said) when it cannot serve.
pub async fn deploy(document: &[u8], max_memory: usize) -> Result<Vec<u8>> {
    let wizer = {
        let mut w = Wizer::new();
        // Kept: wizer 48 removes the core export but not the component's alias of it, which
        // leaves a component that does not validate. A second call changes nothing (the
        // deployment is set once; see crates/service).
        w.init_func(INIT).keep_init_func(true);
        w
    };
    let (cx, instrumented) = wizer.instrument_component(crate::SERVICE_COMPONENT)?;
    let engine = Engine::new(&crate::engine_config())?;
    let component = Component::new(&engine, &instrumented)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi_http::p2::add_to_linker_async(&mut linker)?;
    let stderr = MemoryOutputPipe::new(64 << 10);
    let wasi = WasiCtx::builder()
        .stdin(MemoryInputPipe::new(Bytes::copy_from_slice(document)))
        .stderr(stderr.clone())
        .build();
    let mut store = Store::new(&engine, Host::new(wasi, max_memory));
    store.limiter(|host| host);
    store.set_fuel(u64::MAX / 2)?;
    store.set_epoch_deadline(u64::MAX / 2);
    let instance = linker.instantiate_async(&mut store, &component).await?;
    let init = instance
        .get_typed_func::<(), ()>(&mut store, INIT)
        .with_context(|| format!("the service component exports no `{INIT}`"))?;
    if let Err(e) = init.call_async(&mut store, ()).await {
        let said = String::from_utf8_lossy(&stderr.contents())
            .trim()
            .to_owned();
        return Err(if said.is_empty() {
            e.context("the deployment failed")
        } else {
            wasmtime::Error::msg(said)
        });
    }
    let mut state = Snapshotting {
        store: &mut store,
        instance,
    };
    wizer.snapshot_component(&cx, &mut state).await
}

/// What wizer reads the initialised instance's state through: the functions its
/// instrumentation exported.
struct Snapshotting<'a> {
    store: &'a mut Store<Host>,
    instance: Instance,
}

impl Snapshotting<'_> {
    async fn call<R>(&mut self, instance: &str, func: &str) -> R
    where
        R: wasmtime::component::Lift + Send + Sync + 'static,
    {
        let (_, exported) = self
            .instance
            .get_export(&mut *self.store, None, instance)
            .unwrap_or_else(|| panic!("wizer's instrumentation exports {instance}"));
        let (_, index) = self
            .instance
            .get_export(&mut *self.store, Some(&exported), func)
            .unwrap_or_else(|| panic!("wizer's instrumentation exports {instance}#{func}"));
        let typed = self
            .instance
            .get_typed_func::<(), (R,)>(&mut *self.store, index)
            .unwrap_or_else(|e| panic!("{instance}#{func}: {e}"));
        typed
            .call_async(&mut *self.store, ())
            .await
            .unwrap_or_else(|e| panic!("{instance}#{func}: {e}"))
            .0
    }
}

impl ComponentInstanceState for Snapshotting<'_> {
    async fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) {
        let list: WasmList<u8> = self.call(instance, func).await;
        contents(list.as_le_slice(&*self.store));
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.call(instance, func).await
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.call(instance, func).await
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.call::<f32>(instance, func).await.to_bits()
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.call::<f64>(instance, func).await.to_bits()
    }
}
