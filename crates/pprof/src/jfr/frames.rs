//! Frames and values of a JFR chunk as `jfrs` gives them: a stack resolved once per
//! constant-pool index, Java method names, and the small readers of fields and settings.

use std::collections::HashMap;

use jfrs::reader::event::{Accessor, Event};
use jfrs::reader::value_descriptor::ValueDescriptor;
use jfrs::reader::Chunk;

use super::samples::Samples;

/// The stacks of one chunk by their constant-pool index, each resolved once.
#[derive(Default)]
pub(super) struct StackCache {
    stacks: HashMap<i64, usize>,
    /// Locations by method (constant-pool index) and line.
    methods: HashMap<(i64, u32), u64>,
}

impl StackCache {
    /// The stack of `event` (`None` when it has none).
    pub(super) fn of(
        &mut self,
        event: &Event<'_>,
        chunk: &Chunk,
        samples: &mut Samples,
    ) -> Option<usize> {
        let value = event.value();
        let key = pool_index(&value.get_field_raw("stackTrace")?);
        if let Some(stack) = key.and_then(|k| self.stacks.get(&k)) {
            return Some(*stack);
        }
        let trace = value.get_field("stackTrace")?;
        let mut locations = Vec::new();
        for frame in field(&trace, "frames")?.as_iter()? {
            let method_key = frame.get_field_raw("method").and_then(|m| pool_index(&m));
            // The source line the frame was at (docs/regressions.md#the-change-that-caused-it); 0
            // when the recording has none.
            let line = frame
                .get_field("lineNumber")
                .and_then(|l| i32::try_from(l.value).ok())
                .and_then(|l| u32::try_from(l).ok())
                .unwrap_or(0);
            let key = method_key.map(|k| (k, line));
            if let Some(location) = key.and_then(|k| self.methods.get(&k)) {
                locations.push(*location);
                continue;
            }
            let method = Accessor::new(chunk, frame.get_field("method")?.value);
            let location = samples.location(&frame_name(&method), line);
            if let Some(k) = key {
                self.methods.insert(k, location);
            }
            locations.push(location);
        }
        let stack = samples.stack(locations);
        if let Some(k) = key {
            self.stacks.insert(k, stack);
        }
        Some(stack)
    }
}

/// `package/Class.method` (JFR keeps class names with `/`), or the method alone.
pub(super) fn frame_name(method: &Accessor<'_>) -> String {
    let symbol =
        |a: Option<Accessor<'_>>| a.and_then(|a| field(&a, "string")).and_then(|s| string(&s));
    let name = symbol(field(method, "name")).unwrap_or_else(|| "<unknown>".into());
    let class = field(method, "type").and_then(|t| symbol(field(&t, "name")));
    match class {
        Some(class) => format!("{class}.{name}"),
        None => name,
    }
}

pub(super) fn field<'a>(value: &Accessor<'a>, name: &str) -> Option<Accessor<'a>> {
    value.get_field(name)
}

pub(super) fn string(value: &Accessor<'_>) -> Option<String> {
    <&str>::try_from(value.value).ok().map(str::to_owned)
}

pub(super) fn pool_index(value: &Accessor<'_>) -> Option<i64> {
    match value.value {
        ValueDescriptor::ConstantPool { constant_index, .. } => Some(*constant_index),
        _ => None,
    }
}

/// A setting's duration in nanoseconds: `10 ms`, `20000 us`, `1 s`, or bare nanoseconds.
pub(super) fn nanos(value: &str) -> Option<i64> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let number: i64 = value[..split].parse().ok()?;
    let factor = match value[split..].trim() {
        "" | "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        _ => return None,
    };
    number.checked_mul(factor).filter(|n| *n > 0)
}
