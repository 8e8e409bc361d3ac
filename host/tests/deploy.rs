//! The deployment files (`deploy/`) declare what the service component is: checked offline, as
//! far as it goes without the platforms. Each file parses (TOML, YAML); the Spin manifest runs
//! the component verdict writes (`verdict component --service`) on every route with no outbound
//! hosts; the wadm application links it on exactly the interface the component exports
//! (`wasi:http/incoming-handler`); the SpinApp runs the Spin application with Spin's shim. The
//! component's own world is checked in `component.rs` (`service_component_stays_in_the_proxy_world`).

use std::path::{Path, PathBuf};

use serde_json::Value;

fn deploy(file: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(file: &str) -> Value {
    yaml_serde::from_str(&deploy(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The export the component has, as `namespace:package/interface` (without the version).
fn exported_interface() -> (String, String, String) {
    let decoded = wit_component::decode(verdict_host::SERVICE_COMPONENT).unwrap();
    let wit_component::DecodedWasm::Component(resolve, world) = decoded else {
        panic!("not a component");
    };
    let names: Vec<String> = resolve.worlds[world]
        .exports
        .keys()
        .map(|k| resolve.name_world_key(k))
        .filter(|n| n.contains('/'))
        .collect();
    // The one interface (the other export is the deployment hook, a plain function).
    assert_eq!(names.len(), 1, "{names:?}");
    let name = names[0].split('@').next().unwrap().to_owned();
    let (package, interface) = name.split_once('/').unwrap();
    let (namespace, package) = package.split_once(':').unwrap();
    (namespace.into(), package.into(), interface.into())
}

#[test]
fn spin_manifest_runs_the_service_component() {
    let manifest: toml::Value = toml::from_str(&deploy("spin/spin.toml")).unwrap();
    assert_eq!(manifest["spin_manifest_version"].as_integer(), Some(2));
    let triggers = manifest["trigger"]["http"].as_array().unwrap();
    assert_eq!(triggers.len(), 1);
    assert_eq!(triggers[0]["route"].as_str(), Some("/..."));
    let id = triggers[0]["component"].as_str().unwrap();
    let component = &manifest["component"][id];
    assert_eq!(component["source"].as_str(), Some("verdict-service.wasm"));
    // The component decides from what a request carries: no outbound hosts, no files.
    assert_eq!(
        component["allowed_outbound_hosts"].as_array().map(Vec::len),
        Some(0)
    );
    assert!(component.get("files").is_none());
    // The file name the manifest names is the one the docs tell users to write.
    assert!(
        deploy("spin/spin.toml")
            .contains("verdict component --service --out deploy/spin/verdict-service.wasm")
    );
}

#[test]
fn wadm_links_the_interface_the_component_exports() {
    let app = yaml("wasmcloud/wadm.yaml");
    assert_eq!(app["kind"], "Application");
    let components = app["spec"]["components"].as_array().unwrap();
    let verdict = components
        .iter()
        .find(|c| c["type"] == "component")
        .unwrap();
    assert_eq!(
        verdict["properties"]["image"],
        "file://./verdict-service.wasm"
    );
    let name = verdict["name"].as_str().unwrap();
    let link = components
        .iter()
        .filter(|c| c["type"] == "capability")
        .flat_map(|c| c["traits"].as_array().unwrap().iter())
        .find(|t| t["type"] == "link")
        .unwrap();
    assert_eq!(link["properties"]["target"], name);
    let (namespace, package, interface) = exported_interface();
    assert_eq!(link["properties"]["namespace"], namespace.as_str());
    assert_eq!(link["properties"]["package"], package.as_str());
    assert_eq!(
        link["properties"]["interfaces"],
        serde_json::json!([interface])
    );
    // Only the HTTP server links to it: nothing the component would call out to.
    let links = components
        .iter()
        .flat_map(|c| c["traits"].as_array().cloned().unwrap_or_default())
        .filter(|t| t["type"] == "link")
        .count();
    assert_eq!(links, 1);
}

#[test]
fn spinapp_runs_the_spin_application() {
    let app = yaml("spinkube/spinapp.yaml");
    assert_eq!(app["apiVersion"], "core.spinkube.dev/v1alpha1");
    assert_eq!(app["kind"], "SpinApp");
    assert_eq!(app["spec"]["executor"], "containerd-shim-spin");
    assert!(
        app["spec"]["image"]
            .as_str()
            .unwrap()
            .ends_with("/verdict:0.1.0")
    );
    assert!(app["spec"]["replicas"].as_u64().unwrap() >= 1);
}
