//! `verdict serve`: the service component ([`crate::SERVICE_COMPONENT`], world
//! `verdict:policy/service`) behind HTTP/1.1, as `wasmtime serve` runs a wasi:http component.
//!
//! The host moves bytes and enforces limits; the component answers. Each request gets a fresh
//! instance, pre-linked once ([`ProxyPre`]) and allocated from a pooling allocator, with its own
//! fuel, memory cap and wall-clock deadline (wasmtime epochs: the store yields to other requests
//! at every tick and is interrupted at its deadline). In front of the component: a cap on the
//! body (413 from `content-length`, and from the bytes actually sent), a concurrency limit that
//! answers 503 with `Retry-After` instead of queueing without bound, a deadline for a client's
//! request headers, and one structured access-log line per request (id, method, route, status,
//! decision, verdict hash, duration). A request the component could not answer (a trap, fuel,
//! memory, the deadline) is a JSON error with a stable code; the next request is unaffected.
//! The component may import only the `wasi:http/proxy` world (linked here and nothing else); its
//! outgoing requests are refused.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{Engine, Result, Store, StoreLimits, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// The limits of the server and of each request.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Fuel for one request's instance (roughly, WebAssembly instructions).
    pub fuel: u64,
    /// The memory cap of one request's instance, in bytes.
    pub max_memory: usize,
    /// The wall-clock deadline of one request, from its headers to its answer.
    pub timeout: Duration,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// Requests answered at once; past it, 503 with `Retry-After`.
    pub max_concurrent: usize,
    /// How long a client may take to send its request headers.
    pub header_timeout: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            fuel: 20_000_000_000,
            max_memory: 512 << 20,
            timeout: Duration::from_secs(30),
            max_body: 16 << 20,
            max_concurrent: 64,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Open connections at most (each holds a socket and a task; requests are capped apart).
const MAX_CONNECTIONS: usize = 4096;

/// How often the epoch advances: the granularity of deadlines and of yielding.
const TICK: Duration = Duration::from_millis(5);

/// How much of a refused body is read and dropped before the 413, and for how long at most.
const DRAIN_BYTES: u64 = 16 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Reads and drops a refused request's body, up to [`DRAIN_BYTES`] or [`DRAIN_TIME`].
async fn drain(mut body: Incoming) {
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut read = 0u64;
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, |d| d.len() as u64);
            if read > DRAIN_BYTES {
                break;
            }
        }
    })
    .await;
}

/// A request body the component reads.
type RequestBody = http_body_util::combinators::BoxBody<Bytes, wasmtime_wasi_http::Error>;

/// A body with no declared length (chunked), read by a task of its own: the component gets its
/// frames until they pass `max` bytes, then the cap's error (and `over` is set); the task then
/// reads and drops the rest within [`DRAIN_BYTES`] and [`DRAIN_TIME`] — as it does when the
/// component stops reading early (it answered, or its instance ended) — so the client gets the
/// answer instead of a reset connection. The task ends by `deadline` (the request's) at the
/// latest: a client that stops sending holds nothing past it.
fn unsized_body(
    body: Incoming,
    max: usize,
    over: Arc<std::sync::atomic::AtomicBool>,
    deadline: tokio::time::Instant,
) -> RequestBody {
    type Item = std::result::Result<hyper::body::Frame<Bytes>, wasmtime_wasi_http::Error>;
    if hyper::body::Body::is_end_stream(&body) {
        return http_body_util::Empty::new()
            .map_err(|never: Infallible| match never {})
            .boxed();
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<Item>(1);
    tokio::spawn(async move {
        let mut body = body;
        let read_all = async {
            let mut read = 0usize;
            loop {
                let frame = tokio::select! {
                    frame = body.frame() => frame,
                    // The component's side is gone: drain what is still coming.
                    () = sender.closed() => return true,
                };
                let frame = match frame {
                    None => return false,
                    Some(Err(e)) => {
                        let _ = sender.send(Err(wasmtime_wasi_http::Error::Hyper(e))).await;
                        return false;
                    }
                    Some(Ok(frame)) => frame,
                };
                read = read.saturating_add(frame.data_ref().map_or(0, Bytes::len));
                if read > max {
                    let error = wasmtime_wasi_http::Error::HttpRequestBodySize(Some(max as u64));
                    let _ = sender.send(Err(error)).await;
                    return true;
                }
                if sender.send(Ok(frame)).await.is_err() {
                    return true;
                }
            }
        };
        let rest = tokio::time::timeout_at(deadline, read_all).await;
        drop(sender);
        if rest == Ok(true) {
            let _ = tokio::time::timeout_at(deadline, drain(body)).await;
        }
    });
    ChannelBody { receiver, over }.boxed()
}

/// The frames a reading task passes on; `over` is set when the component is handed the cap's
/// error (not when the task, a frame ahead, meets it: a component that answered without reading
/// that far keeps its own answer).
struct ChannelBody {
    receiver: tokio::sync::mpsc::Receiver<
        std::result::Result<hyper::body::Frame<Bytes>, wasmtime_wasi_http::Error>,
    >,
    over: Arc<std::sync::atomic::AtomicBool>,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::result::Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        let polled = self.receiver.poll_recv(cx);
        if let std::task::Poll::Ready(Some(Err(wasmtime_wasi_http::Error::HttpRequestBodySize(
            _,
        )))) = &polled
        {
            self.over.store(true, Ordering::Relaxed);
        }
        polled
    }
}

/// The store's data: WASI (the proxy world's clocks, random, stdio) and wasi:http.
pub(crate) struct Host {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: NoOutgoing,
    limits: StoreLimits,
    /// A memory growth the limiter refused: the trap that follows is the memory cap's.
    refused: bool,
}

impl wasmtime::ResourceLimiter for Host {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl Host {
    /// A request's (or a deployment's) store data: `wasi` as given, memory capped at
    /// `max_memory`.
    pub(crate) fn new(wasi: WasiCtx, max_memory: usize) -> Host {
        Host {
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
            hooks: NoOutgoing,
            limits: StoreLimitsBuilder::new().memory_size(max_memory).build(),
            refused: false,
        }
    }
}

/// The service decides from what a request carries: it has no reason to make requests, and
/// may not.
struct NoOutgoing;

type SendResult = wasmtime_wasi_http::Result<(
    http::Response<wasmtime_wasi_http::WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for NoOutgoing {
    fn send_request(
        &mut self,
        _request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

/// The server: the component linked once, the limits, the concurrency slots.
#[allow(
    missing_debug_implementations,
    reason = "holds wasmtime's pre-linked component"
)]
pub struct Server {
    pre: ProxyPre<Host>,
    engine: Engine,
    limits: ServeLimits,
    slots: Arc<Semaphore>,
    next_id: AtomicU64,
    /// The SHA-256 of the component served (`/v1/info` says what the component knows; the
    /// access log's first line says what runs).
    pub component_digest: String,
}

impl Server {
    /// Links the service component under `limits`: `deployed` (a component `verdict deploy`
    /// made, compiled now), else the embedded one (its precompiled machine code, or compiled
    /// now when it does not fit this machine).
    pub fn new(limits: ServeLimits, deployed: Option<&[u8]>) -> Result<Arc<Server>> {
        let mut config = crate::engine_config();
        let n = u32::try_from(limits.max_concurrent)
            .unwrap_or(u32::MAX)
            .saturating_add(4);
        let mut pool = wasmtime::PoolingAllocationConfig::default();
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(8))
            .total_memories(n.saturating_mul(2))
            .total_tables(n.saturating_mul(8))
            .total_stacks(n)
            .max_memory_size(limits.max_memory);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config)?;
        // SAFETY: the bytes are the ones host/build.rs produced with this wasmtime and
        // configuration; wasmtime checks the version and configuration before using them.
        #[allow(
            unsafe_code,
            reason = "loading the machine code embedded at build time"
        )]
        let component = match deployed {
            Some(bytes) => Component::new(&engine, bytes)?,
            None => match unsafe { Component::deserialize(&engine, crate::SERVICE_PRECOMPILED) } {
                Ok(component) => component,
                Err(_) => {
                    eprintln!("verdict serve: compiling the service component for this machine…");
                    Component::new(&engine, crate::SERVICE_COMPONENT)?
                }
            },
        };
        let mut linker = Linker::new(&engine);
        wasmtime_wasi_http::p2::add_to_linker_async(&mut linker)?;
        let pre = ProxyPre::new(linker.instantiate_pre(&component)?)?;
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("verdict-serve-epoch".to_owned())
            .spawn(move || {
                while let Some(engine) = ticker.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(TICK);
                }
            })
            .context("start the epoch thread")?;
        Ok(Arc::new(Server {
            pre,
            engine,
            limits,
            slots: Arc::new(Semaphore::new(limits.max_concurrent)),
            next_id: AtomicU64::new(1),
            component_digest: crate::sha256_hex(deployed.unwrap_or(crate::SERVICE_COMPONENT)),
        }))
    }

    /// Serves `listener` until `shutdown` turns true, then stops accepting and waits (up to
    /// the request deadline) for the requests in flight.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<()> {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _) = match accepted {
                        Ok(accepted) => accepted,
                        // Out of file descriptors, say: back off instead of spinning.
                        Err(_) => {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    if connections.len() >= MAX_CONNECTIONS {
                        drop(stream); // past the cap: closed at once
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    let server = self.clone();
                    connections.spawn(async move { server.connection(stream).await });
                }
                // Finished connections leave the set.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                _ = shutdown.changed() => break,
            }
        }
        drop(listener);
        let drained = tokio::time::timeout(self.limits.timeout, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            connections.abort_all();
        }
        Ok(())
    }

    async fn connection(self: Arc<Self>, stream: tokio::net::TcpStream) {
        let server = self.clone();
        let service = hyper::service::service_fn(move |request| {
            let server = server.clone();
            async move { Ok::<_, Infallible>(server.request(request).await) }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout)
            .keep_alive(true)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .await;
    }

    /// One request: the limits in front of the component, the component, the log line.
    async fn request(
        &self,
        request: hyper::Request<Incoming>,
    ) -> hyper::Response<HyperOutgoingBody> {
        let started = Instant::now();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let method = request.method().to_string();
        let route = request.uri().path().to_owned();
        let response = self.answer(request).await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let line = serde_json::json!({
            "id": id,
            "method": method,
            "route": route,
            "status": response.status().as_u16(),
            "decision": header("verdict-decision"),
            "hash": header("verdict-hash"),
            "error": header("verdict-error"),
            "ms": (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        });
        eprintln!("{line}");
        response
    }

    async fn answer(
        &self,
        request: hyper::Request<Incoming>,
    ) -> hyper::Response<HyperOutgoingBody> {
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            return error(
                503,
                "busy",
                &format!(
                    "{} requests are being answered; retry shortly",
                    self.limits.max_concurrent
                ),
            );
        };
        let max_body = self.limits.max_body;
        let declared = request
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > max_body as u64) {
            // Read (and drop) what the client is still sending before answering, within bounds:
            // closing on unread bytes resets the connection, and the client then sees a broken
            // pipe instead of the 413.
            drop(permit);
            drain(request.into_body()).await;
            return error(
                413,
                "payload-too-large",
                &format!("the body is over {max_body} bytes"),
            );
        }
        // Set when the bytes sent pass the cap (a chunked body has no length to check first):
        // the answer is then 413, whatever the component made of its cut-off body.
        let over = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = over.clone();
        let deadline = Instant::now() + self.limits.timeout;
        let until_body = tokio::time::Instant::from_std(deadline);
        let request = request.map(|body| {
            if declared.is_none() {
                return unsized_body(body, max_body, flag, until_body);
            }
            Limited::new(body, max_body)
                .map_err(move |e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        flag.store(true, Ordering::Relaxed);
                        wasmtime_wasi_http::Error::HttpRequestBodySize(Some(max_body as u64))
                    } else {
                        match e.downcast::<hyper::Error>() {
                            Ok(e) => wasmtime_wasi_http::Error::Hyper(*e),
                            Err(_) => wasmtime_wasi_http::Error::HttpProtocolError,
                        }
                    }
                })
                .boxed()
        });
        // wasi:http needs an authority; an HTTP/1.0 request may have none.
        let (mut parts, body) = request.into_parts();
        if parts.uri.authority().is_none() && !parts.headers.contains_key(http::header::HOST) {
            parts.headers.insert(
                http::header::HOST,
                http::HeaderValue::from_static("localhost"),
            );
        }
        let request = hyper::Request::from_parts(parts, body);
        let mut store = Store::new(
            &self.engine,
            Host::new(WasiCtx::builder().build(), self.limits.max_memory),
        );
        store.limiter(|host| host);
        if store.set_fuel(self.limits.fuel).is_err() {
            return error(500, "internal", "fuel could not be set");
        }
        store.epoch_deadline_callback(move |_| {
            Ok(if Instant::now() >= deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
        store.set_epoch_deadline(1);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let handles = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .and_then(|r| Ok((r, store.data_mut().http().new_response_outparam(sender)?)));
        let (incoming, outparam) = match handles {
            Ok(handles) => handles,
            Err(e) => return error(400, "malformed-request", &format!("{e}")),
        };
        let pre = self.pre.clone();
        let until = tokio::time::Instant::from_std(deadline);
        // The whole of the instance's life is under the deadline — its answer's body too: a
        // client that stops reading cannot hold the slot, the store or its memory past it (the
        // store and the body's sender are dropped, the connection ends).
        let task = tokio::spawn(tokio::time::timeout_at(until, async move {
            let _permit = permit;
            let run = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, incoming, outparam)
                    .await
            }
            .await;
            (run, store.data().refused)
        }));
        let too_large = || {
            error(
                413,
                "payload-too-large",
                &format!("the body is over {max_body} bytes"),
            )
        };
        match tokio::time::timeout_at(until, receiver).await {
            Ok(Ok(Ok(_))) if over.load(Ordering::Relaxed) => too_large(),
            Ok(Ok(Ok(response))) => response,
            Ok(Ok(Err(code))) => error(
                400,
                "malformed-request",
                &format!("the request could not be read: {code:?}"),
            ),
            // The component stopped before answering: why, from the task.
            Ok(Err(_)) => match tokio::time::timeout_at(until, task).await {
                Ok(Ok(Ok((Err(e), refused)))) => stopped(&e, refused),
                Ok(Ok(Err(_))) | Err(_) => error(
                    503,
                    "deadline-exceeded",
                    &format!("no answer within {:?}", self.limits.timeout),
                ),
                _ => error(500, "internal", "the component gave no answer"),
            },
            Err(_) => {
                task.abort();
                error(
                    503,
                    "deadline-exceeded",
                    &format!(
                        "no answer within {:?} (a slow client or a long evaluation)",
                        self.limits.timeout
                    ),
                )
            }
        }
    }
}

/// The answer for a component the host stopped: its fuel, its memory (a growth the limiter
/// refused, then the trap it led to) or its deadline (`503`, `resource-exhausted`), or another
/// trap (`500`). The trap's text and backtrace go to the log, not to the client.
fn stopped(e: &wasmtime::Error, refused: bool) -> hyper::Response<HyperOutgoingBody> {
    let trap = e.downcast_ref::<wasmtime::Trap>();
    let exhausted = refused
        || matches!(
            trap,
            Some(wasmtime::Trap::OutOfFuel | wasmtime::Trap::Interrupt)
        );
    eprintln!(
        "{}",
        serde_json::json!({"stopped": format!("{e:#}"), "exhausted": exhausted})
    );
    if exhausted {
        error(
            503,
            "resource-exhausted",
            "the request's fuel, memory or deadline ran out",
        )
    } else {
        error(500, "internal", "the component stopped (a trap)")
    }
}

/// A JSON error answer (`{"error": {"code", "message"}}`), with `Retry-After` on a 503.
fn error(status: u16, code: &str, message: &str) -> hyper::Response<HyperOutgoingBody> {
    let body = format!(
        "{}\n",
        serde_json::json!({"error": {"code": code, "message": message}})
    );
    let mut response = hyper::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("verdict-error", code);
    if status == 503 {
        response = response.header(http::header::RETRY_AFTER, "1");
    }
    response
        .body(
            Full::new(Bytes::from(body))
                .map_err(|never: Infallible| match never {})
                .boxed_unsync(),
        )
        .unwrap_or_default()
}
