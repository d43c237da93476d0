//! Generates the protobuf message types of Pyroscope's API (prost) and their proto3 JSON
//! (pbjson) from the .proto files in proto/, compiled by protox: no protoc.

use std::path::{Path, PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "proto/google/v1/profile.proto",
    "proto/types/v1/types.proto",
    "proto/querier/v1/querier.proto",
    "proto/push/v1/push.proto",
];

/// The packages whose JSON pbjson writes, each into `<package>.serde.rs`.
const JSON_PACKAGES: &[&str] = &["google.v1", "types.v1", "querier.v1", "push.v1"];

/// Where the generated JSON code's lenient helpers live.
const JSON: &str = "crate::formats::pyroscope_api::json";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptors = protox::compile(PROTOS, ["proto"])?;

    prost_build::Config::new()
        // `bytes::Bytes` for the flame-graph tree, the embedded and the pushed pprof.
        .bytes([".querier.v1", ".push.v1"])
        .compile_fds(descriptors.clone())?;

    let prefixes: Vec<String> = JSON_PACKAGES.iter().map(|p| format!(".{p}")).collect();
    pbjson_build::Builder::new()
        .register_descriptors(&descriptors.encode_to_vec())?
        // As Connect's Go codec does: unknown fields are skipped.
        .ignore_unknown_fields()
        // Its profile is an object in JSON and bytes in binary: see pprof_json.rs.
        .exclude([".querier.v1.PprofProfile"])
        .out_dir(&out)
        .build(&prefixes)?;
    for package in JSON_PACKAGES {
        lenient(&out.join(format!("{package}.serde.rs")))?;
    }
    Ok(())
}

/// Routes pbjson's generated JSON through the crate's lenient helpers (`json.rs`), keeping
/// what Connect's Go codec accepts and writes where pbjson is stricter: `null` for any field,
/// integral floats for integers, enum numbers the enum does not declare (read and written),
/// NaN and the infinities written as strings. Every rewrite is of a form pbjson-build 0.9
/// writes; one that finds nothing to rewrite in any file fails the build, so a new pbjson
/// cannot change the behaviour silently.
fn lenient(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let code = std::fs::read_to_string(path)?;
    let code = code
        // Scalars and repeated fields: `null` reads as unset, then the default.
        .replace(
            "Some(map_.next_value()?)",
            "map_.next_value::<::std::option::Option<_>>()?",
        )
        .replace(
            "Some(map_.next_value::<Vec<::pbjson::private::NumberDeserialize<_>>>()?",
            &format!("Some(map_.next_value::<::std::option::Option<Vec<{JSON}::Number<_>>>>()?.unwrap_or_default()"),
        )
        .replace("::pbjson::private::NumberDeserialize", &format!("{JSON}::Number"))
        .replace("::pbjson::private::BytesDeserialize", &format!("{JSON}::Bytes64"));
    let mut lines: Vec<String> = Vec::new();
    let mut source = code.lines().peekable();
    while let Some(line) = source.next() {
        let next = source.peek().copied().unwrap_or("");
        if let (Some(at), true) = (line.find("let v = "), next.contains("Invalid variant")) {
            // `let v = Enum::try_from(x).map_err(..)?;` -> the number kept when unknown.
            let call = &line[at + "let v = ".len()..];
            let (ty, arg) = call.split_once("::try_from(").ok_or("enum write")?;
            let arg = arg.strip_suffix(')').ok_or("enum write")?;
            lines.push(format!(
                "{}let v = {JSON}::EnumOut::<{ty}>::new({arg});",
                &line[..at]
            ));
            source.next();
        } else if let Some(rest) = line.trim_start().strip_prefix("if self.") {
            // Doubles (pbjson compares them with `0.`): NaN and infinities as strings.
            lines.push(line.to_string());
            if let Some(field) = rest.strip_suffix(" != 0. {") {
                let plain = format!("&self.{field})?;");
                let next = source.next().ok_or("double write")?;
                let wrapped = next.replace(&plain, &format!("&{JSON}::Double(self.{field}))?;"));
                lines.push(wrapped);
            }
        } else if let Some((head, ty)) = line.split_once("Some(map_.next_value::<") {
            if let Some(ty) = ty.strip_suffix(">()? as i32);") {
                lines.push(format!(
                    "{head}map_.next_value::<{JSON}::EnumIn<{ty}>>()?.0;"
                ));
            } else {
                lines.push(line.to_string());
            }
        } else if let Some((head, ty)) = line.split_once("map_.next_value::<::std::option::Option<")
        {
            if let Some(ty) = ty.strip_suffix(">>()?.map(|x| x as i32);") {
                lines.push(format!(
                    "{head}map_.next_value::<::std::option::Option<{JSON}::EnumIn<{ty}>>>()?.and_then(|x| x.0);"
                ));
            } else {
                lines.push(line.to_string());
            }
        } else {
            lines.push(line.to_string());
        }
    }
    let code = lines.join("\n");
    for strict in [
        "::pbjson::private::",
        "Invalid variant",
        "as i32)",
        "Some(map_.next_value()?)",
    ] {
        if code.contains(strict) {
            return Err(format!("{}: pbjson code left strict: {strict}", path.display()).into());
        }
    }
    std::fs::write(path, code)?;
    Ok(())
}
