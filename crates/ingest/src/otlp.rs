//! OTLP/HTTP profiles (`opentelemetry.proto.profiles.v1development`, the types of the
//! `opentelemetry-proto` crate): each profile of an `ExportProfilesServiceRequest` made into a
//! pprof of the same stacks — the request's dictionary resolved into pprof's string, function
//! and location tables — with the resource's `service.name` as the app and the other resource,
//! scope and profile attributes as labels, the samples' attributes as their own labels. A
//! profile that cannot be read is rejected alone and counted, as OTLP's partial success says.

use std::collections::HashMap;

use opentelemetry_proto::tonic::collector::profiles::v1development::ExportProfilesServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::profiles::v1development::{self as otlp, ProfilesDictionary};
use prost::Message;

use super::model::WireEncoding;
use super::push::ungzipped;
use pf_pprof::proto;
use pf_profile_files::{label_name, pushed_app, IngestError, LabelSet, Pushed};

/// What an export becomes: the profiles read, and why the others were not.
#[derive(Debug, Default)]
pub struct OtlpExport {
    pub pushed: Vec<Pushed>,
    pub rejected: Vec<String>,
}

/// The profiles of an OTLP export body (un-gzipped first when `gzipped`, within `max_decoded`).
pub fn decode_otlp(
    body: &[u8],
    encoding: WireEncoding,
    gzipped: bool,
    max_decoded: u64,
) -> Result<OtlpExport, IngestError> {
    let body = ungzipped(body, gzipped, max_decoded)?;
    let request = match encoding {
        WireEncoding::Proto => ExportProfilesServiceRequest::decode(&*body).map_err(|e| {
            IngestError::Malformed(format!(
                "the body is not an ExportProfilesServiceRequest: {e}"
            ))
        })?,
        WireEncoding::Json => serde_json::from_slice(&body).map_err(|e| {
            IngestError::Malformed(format!(
                "the body is not an ExportProfilesServiceRequest's JSON: {e}"
            ))
        })?,
    };
    let dictionary = request.dictionary.unwrap_or_default();
    let mut export = OtlpExport::default();
    for resource in request.resource_profiles {
        let mut labels = LabelSet::default();
        let attributes = resource.resource.map(|r| r.attributes).unwrap_or_default();
        let strings = &dictionary.string_table;
        let mut app = None;
        for (key, value) in attributes_text(&attributes, strings) {
            if label_name(key) == "service_name" {
                app = Some(pushed_app(&value)?);
            } else {
                labels.insert(key, &value);
            }
        }
        for scope in resource.scope_profiles {
            let mut scoped = labels.clone();
            let scope_attributes = scope.scope.map(|s| s.attributes).unwrap_or_default();
            add_attributes(&mut scoped, &scope_attributes, strings);
            for profile in scope.profiles {
                let Some(app) = app.clone() else {
                    export
                        .rejected
                        .push("a resource without `service.name`".into());
                    continue;
                };
                match pprof_of(&profile, &dictionary) {
                    Ok((pprof, attributes)) => {
                        let mut labels = scoped.clone();
                        for (k, v) in attributes {
                            labels.insert(&k, &v);
                        }
                        export.pushed.push(Pushed {
                            app,
                            labels,
                            window: None,
                            pprof: pprof.encode_to_vec().into(),
                        });
                    }
                    Err(reason) => export.rejected.push(reason),
                }
            }
        }
    }
    Ok(export)
}

/// `attributes` as labels; a key or value may be given by its index in `strings`.
fn add_attributes(labels: &mut LabelSet, attributes: &[KeyValue], strings: &[String]) {
    for (key, value) in attributes_text(attributes, strings) {
        labels.insert(key, &value);
    }
}

/// Each attribute's key and its value as label text, its key and value from the dictionary
/// where they are indices into it.
fn attributes_text<'a>(
    attributes: &'a [KeyValue],
    strings: &'a [String],
) -> impl Iterator<Item = (&'a str, String)> + 'a {
    attributes.iter().filter_map(move |kv| {
        let key = if kv.key.is_empty() {
            usize::try_from(kv.key_strindex)
                .ok()
                .and_then(|i| strings.get(i))
                .map_or("", String::as_str)
        } else {
            kv.key.as_str()
        };
        Some((key, kv.value.as_ref().and_then(|v| text(v, strings))?))
    })
}

/// An attribute's value as label text; lists, maps and bytes are not labels.
fn text(value: &AnyValue, strings: &[String]) -> Option<String> {
    match value.value.as_ref()? {
        any_value::Value::StringValueStrindex(i) => usize::try_from(*i)
            .ok()
            .and_then(|i| strings.get(i))
            .cloned(),
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::BoolValue(b) => Some(b.to_string()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        any_value::Value::DoubleValue(d) => Some(d.to_string()),
        _ => None,
    }
}

/// One OTLP profile as a pprof, with its profile-level attributes as `(key, value)`.
fn pprof_of(
    profile: &otlp::Profile,
    dict: &ProfilesDictionary,
) -> Result<(proto::Profile, Vec<(String, String)>), String> {
    let strings = &dict.string_table;
    let string = |i: i32| -> Result<&str, String> {
        usize::try_from(i)
            .ok()
            .and_then(|i| strings.get(i))
            .map(String::as_str)
            .ok_or_else(|| format!("string index {i} is out of range"))
    };
    let mut table = Table::default();
    table.index(""); // pprof's string 0
    let value_type = |t: &otlp::ValueType, table: &mut Table| -> Result<proto::ValueType, String> {
        Ok(proto::ValueType {
            r#type: table.index(string(t.type_strindex)?),
            unit: table.index(string(t.unit_strindex)?),
        })
    };
    let sample_type = profile
        .sample_type
        .as_ref()
        .ok_or("a profile without a sample type")?;
    let sample_type = value_type(sample_type, &mut table)?;
    let period_type = profile
        .period_type
        .as_ref()
        .map(|t| value_type(t, &mut table))
        .transpose()?;
    let mut function = Vec::with_capacity(dict.function_table.len());
    for (i, f) in dict.function_table.iter().enumerate() {
        function.push(proto::Function {
            id: i as u64 + 1,
            name: table.index(string(f.name_strindex)?),
            system_name: table.index(string(f.system_name_strindex)?),
            filename: table.index(string(f.filename_strindex)?),
            start_line: f.start_line,
        });
    }
    let mut location = Vec::with_capacity(dict.location_table.len());
    for (i, l) in dict.location_table.iter().enumerate() {
        let mut line = Vec::with_capacity(l.lines.len());
        for ln in &l.lines {
            let f = usize::try_from(ln.function_index)
                .ok()
                .filter(|f| *f < function.len())
                .ok_or_else(|| format!("function index {} is out of range", ln.function_index))?;
            line.push(proto::Line {
                function_id: f as u64 + 1,
                line: ln.line,
            });
        }
        location.push(proto::Location {
            id: i as u64 + 1,
            address: l.address,
            line,
        });
    }
    let attribute = |i: i32, table: &mut Table| -> Result<Option<(i64, i64)>, String> {
        let kv = usize::try_from(i)
            .ok()
            .and_then(|i| dict.attribute_table.get(i))
            .ok_or_else(|| format!("attribute index {i} is out of range"))?;
        let value = kv.value.as_ref().and_then(|v| text(v, strings));
        Ok(match value {
            Some(v) => Some((
                table.index(&label_name(string(kv.key_strindex)?)),
                table.index(&v),
            )),
            None => None,
        })
    };
    let mut sample = Vec::with_capacity(profile.samples.len());
    for s in &profile.samples {
        let stack = usize::try_from(s.stack_index)
            .ok()
            .and_then(|i| dict.stack_table.get(i))
            .ok_or_else(|| format!("stack index {} is out of range", s.stack_index))?;
        let location_id = stack
            .location_indices
            .iter()
            .map(|l| {
                usize::try_from(*l)
                    .ok()
                    .filter(|l| *l < location.len())
                    .map(|l| l as u64 + 1)
                    .ok_or_else(|| format!("location index {l} is out of range"))
            })
            .collect::<Result<Vec<u64>, String>>()?;
        // A sample with timestamps and no value counts one per timestamp.
        let value = match s.values.first() {
            Some(v) => *v,
            None => s.timestamps_unix_nano.len() as i64,
        };
        let mut label = Vec::new();
        for i in &s.attribute_indices {
            if let Some((key, str)) = attribute(*i, &mut table)? {
                label.push(proto::Label { key, str });
            }
        }
        sample.push(proto::Sample {
            location_id,
            value: vec![value],
            label,
        });
    }
    let mut attributes = Vec::new();
    for i in &profile.attribute_indices {
        let kv = usize::try_from(*i)
            .ok()
            .and_then(|i| dict.attribute_table.get(i))
            .ok_or_else(|| format!("attribute index {i} is out of range"))?;
        if let Some(v) = kv.value.as_ref().and_then(|v| text(v, strings)) {
            attributes.push((string(kv.key_strindex)?.to_owned(), v));
        }
    }
    let pprof = proto::Profile {
        sample_type: vec![sample_type],
        sample,
        location,
        function,
        string_table: table.strings,
        // Not saturated: a time or duration past i64 is taken as none (0), which the store
        // reads as untimed (timed on arrival) or as one second long.
        time_nanos: i64::try_from(profile.time_unix_nano).unwrap_or(0),
        duration_nanos: i64::try_from(profile.duration_nano).unwrap_or(0),
        period_type,
        period: profile.period,
    };
    Ok((pprof, attributes))
}

/// pprof's string table, built as strings are first used.
#[derive(Default)]
struct Table {
    strings: Vec<Vec<u8>>,
    index: HashMap<String, i64>,
}

impl Table {
    fn index(&mut self, s: &str) -> i64 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        self.strings.push(s.as_bytes().to_vec());
        let i = self.strings.len() as i64 - 1;
        self.index.insert(s.to_owned(), i);
        i
    }
}

#[cfg(test)]
#[path = "otlp_tests.rs"]
pub(crate) mod tests;
