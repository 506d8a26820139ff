//! Build steps: the long double helper for INCRBYFLOAT (C, via cc), and the gRPC API
//! compiled from proto/ in pure Rust (protox), so no system protoc is needed.

use std::path::PathBuf;

use prost::Message;

fn main() {
    println!("cargo::rerun-if-changed=csrc/longdouble.c");
    cc::Build::new()
        .file("csrc/longdouble.c")
        .warnings(true)
        .compile("mblongdouble");

    println!("cargo::rerun-if-changed=proto");
    let descriptors =
        protox::compile(["memorabilia/v1/memorabilia.proto"], ["proto"]).expect("proto/ compiles");
    // The encoded descriptors also feed the reflection service.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set"));
    std::fs::write(
        out_dir.join("memorabilia_descriptor.bin"),
        descriptors.encode_to_vec(),
    )
    .expect("write the descriptor set");
    tonic_prost_build::configure()
        .bytes(".")
        // Unimplemented RPCs answer UNIMPLEMENTED instead of failing the build.
        .generate_default_stubs(true)
        .compile_fds(descriptors)
        .expect("generate the gRPC code");
}
