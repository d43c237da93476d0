//! Writes pprof profiles from stacks: how the demo profiles are made from folded stacks
//! (`scripts/demo-profiles.sh`), and what tests and benches feed the file source.

use std::collections::HashMap;

use prost::Message;

use super::proto;

/// What a written profile says about itself.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// Sample types, e.g. `("cpu", "nanoseconds")`; every stack has one value per type.
    pub sample_types: Vec<(String, String)>,
    pub period_type: Option<(String, String)>,
    pub period: i64,
    /// 0 writes no time.
    pub time_nanos: i64,
    pub duration_nanos: i64,
    /// String labels every sample carries, e.g. `("version", "1.4.2")`.
    pub labels: Vec<(String, String)>,
}

/// One stack, root first, with one value per sample type.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub frames: Vec<String>,
    pub values: Vec<i64>,
}

/// A frame as [`profile_of_frames`] writes it: its function's name and, when known, where it
/// was sampled (the function's file and the line, as JFR and Go profiles place a frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub name: &'a str,
    pub place: Option<(&'a str, i64)>,
}

impl<'a> Frame<'a> {
    /// `text` as a function's name, placed nowhere.
    pub fn named(text: &'a str) -> Self {
        Frame {
            name: text,
            place: None,
        }
    }

    /// `name (path/File.java:42)` as `name` sampled at line 42 of `path/File.java`; any other
    /// text as a name alone.
    pub fn placed(text: &'a str) -> Self {
        let place = text
            .strip_suffix(')')
            .and_then(|t| t.rsplit_once(" ("))
            .and_then(|(name, place)| {
                let (file, line) = place.rsplit_once(':')?;
                let line = line.parse::<i64>().ok().filter(|l| *l > 0)?;
                (!name.is_empty() && !file.is_empty()).then_some((name, (file, line)))
            });
        match place {
            Some((name, place)) => Frame {
                name,
                place: Some(place),
            },
            None => Frame::named(text),
        }
    }
}

/// Reads folded stacks (`root;caller;leaf 123` per line, as flamegraph.pl reads them); blank
/// lines and lines starting with `#` are skipped.
///
/// # Errors
/// The 1-based number of a line without a trailing integer count.
pub fn parse_folded(text: &str) -> Result<Vec<Stack>, usize> {
    let mut stacks = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (frames, count) = line.rsplit_once(' ').ok_or(n + 1)?;
        let count: i64 = count.parse().map_err(|_| n + 1)?;
        stacks.push(Stack {
            frames: frames.split(';').map(str::to_owned).collect(),
            values: vec![count],
        });
    }
    Ok(stacks)
}

/// A profile of `stacks`: one function and one location (with one line) per distinct name,
/// ids counting from 1, samples in the order given.
pub fn profile(header: &Header, stacks: &[Stack]) -> proto::Profile {
    profile_of_frames(header, stacks, Frame::named)
}

/// A profile of `stacks`, each frame's text read by `frame` (e.g. [`Frame::placed`]): one
/// function per distinct name and file (its `filename` the file), one location per function and
/// line (its one `Line` that line, 0 for a frame placed nowhere), ids counting from 1, samples
/// in the order given. Frames placed nowhere are written as [`profile`] writes them.
pub fn profile_of_frames<'a>(
    header: &Header,
    stacks: &'a [Stack],
    frame: impl Fn(&'a str) -> Frame<'a>,
) -> proto::Profile {
    let mut strings: Vec<Vec<u8>> = vec![Vec::new()];
    let mut string_ids: HashMap<String, i64> = HashMap::new();
    let mut string = |s: &str| -> i64 {
        *string_ids.entry(s.to_owned()).or_insert_with(|| {
            strings.push(s.as_bytes().to_vec());
            strings.len() as i64 - 1
        })
    };
    let value_type = |t: &(String, String), string: &mut dyn FnMut(&str) -> i64| proto::ValueType {
        r#type: string(&t.0),
        unit: string(&t.1),
    };
    let sample_type = header
        .sample_types
        .iter()
        .map(|t| value_type(t, &mut string))
        .collect();
    let period_type = header
        .period_type
        .as_ref()
        .map(|t| value_type(t, &mut string));
    let label: Vec<proto::Label> = header
        .labels
        .iter()
        .map(|(key, value)| proto::Label {
            key: string(key),
            str: string(value),
        })
        .collect();
    let mut function_ids: HashMap<(&str, Option<&str>), u64> = HashMap::new();
    let mut location_ids: HashMap<(u64, i64), u64> = HashMap::new();
    let mut function = Vec::new();
    let mut location = Vec::new();
    let mut sample = Vec::with_capacity(stacks.len());
    for stack in stacks {
        let mut location_id = Vec::with_capacity(stack.frames.len());
        for text in stack.frames.iter().rev() {
            let Frame { name, place } = frame(text.as_str());
            let file = place.map(|(file, _)| file);
            let function_id = *function_ids.entry((name, file)).or_insert_with(|| {
                let id = function.len() as u64 + 1;
                function.push(proto::Function {
                    id,
                    name: string(name),
                    filename: file.map_or(0, &mut string),
                    ..proto::Function::default()
                });
                id
            });
            let line = place.map_or(0, |(_, line)| line);
            let id = *location_ids.entry((function_id, line)).or_insert_with(|| {
                let id = location.len() as u64 + 1;
                location.push(proto::Location {
                    id,
                    address: 0x1000 + id * 16,
                    line: vec![proto::Line { function_id, line }],
                });
                id
            });
            location_id.push(id);
        }
        sample.push(proto::Sample {
            location_id,
            value: stack.values.clone(),
            label: label.clone(),
        });
    }
    proto::Profile {
        sample_type,
        sample,
        location,
        function,
        string_table: strings,
        time_nanos: header.time_nanos,
        duration_nanos: header.duration_nanos,
        period_type,
        period: header.period,
    }
}

/// The protobuf bytes of `profile`, gzip-compressed when `gzip`.
pub fn to_bytes(profile: &proto::Profile, gzip: bool) -> Vec<u8> {
    let raw = profile.encode_to_vec();
    if !gzip {
        return raw;
    }
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(&raw);
    encoder.finish().unwrap_or_default()
}
