//! Generates pprof's message types (prost) from proto/pprof/profile.proto, compiled by protox:
//! no protoc. Its string table stays `Vec<u8>`: a name that is not UTF-8 is read lossily.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(["proto/pprof/profile.proto"], ["proto"])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
