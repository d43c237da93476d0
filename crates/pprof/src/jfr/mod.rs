//! Java Flight Recorder recordings (docs/runtimes.md), as the Pyroscope Java agent pushes them and
//! the JDK writes them, read with `jfrs` into pprofs: execution samples → cpu (wall when the
//! recording says it sampled wall-clock), allocations → alloc, monitor enters and parks →
//! lock. Frames are `package/Class.method`, as Pyroscope's flame graphs name Java frames. Pure:
//! bytes in, profiles out.

mod chunks;
mod frames;
mod labels;
mod samples;

use std::io::Cursor;

use jfrs::reader::JfrReader;

use crate::proto;
use chunks::check_framing;
pub use chunks::is_jfr;
use frames::{field, nanos, string, StackCache};
use labels::ContextLabels;
use pf_model::saturate;
use samples::{
    Column, Samples, Shape, CONTENTIONS, DELAY, EXEC, NATIVE, SAMPLED_BYTES, SAMPLED_OBJECTS,
    TLAB_BYTES, TLAB_OBJECTS, WALL,
};

/// The sampling period assumed when the recording does not state it (the JDK's `profile`
/// settings and the Pyroscope agent both sample every 10 ms).
const DEFAULT_PERIOD_NS: i64 = 10_000_000;

/// Why a JFR cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JfrError {
    #[error("not a readable JFR recording: {0}")]
    Malformed(String),
    #[error("the JFR recording has no execution sample, allocation, monitor enter or park event")]
    NoEvents,
}

/// One profile of a recording: its logical type (`cpu`, `wall`, `alloc`, `lock`) and pprof.
#[derive(Debug, Clone, PartialEq)]
pub struct JfrProfile {
    pub kind: &'static str,
    pub profile: proto::Profile,
}

/// The profiles of `jfr` (one per logical type it has events of), each sample labelled by
/// its context in `labels` (the agent's `LabelsSnapshot`).
pub fn jfr_profiles(jfr: &[u8], labels: Option<&[u8]>) -> Result<Vec<JfrProfile>, JfrError> {
    let labels = match labels {
        Some(snapshot) => ContextLabels::decode(snapshot).map_err(JfrError::Malformed)?,
        None => ContextLabels::default(),
    };
    let recording = read(jfr)?;
    let profiles: Vec<JfrProfile> = recording
        .shapes()
        .into_iter()
        .filter_map(|(kind, shape)| {
            let profile = recording.samples.profile(&shape, &labels)?;
            Some(JfrProfile { kind, profile })
        })
        .collect();
    if profiles.is_empty() {
        return Err(JfrError::NoEvents);
    }
    Ok(profiles)
}

/// One pprof with every sample type of `jfr` side by side (no period type, so each is
/// reported as its own): what a `.jfr` file of the profiles directory is read as.
pub fn jfr_combined(jfr: &[u8]) -> Result<proto::Profile, JfrError> {
    let recording = read(jfr)?;
    let columns = recording
        .shapes()
        .into_iter()
        .flat_map(|(_, shape)| shape.columns)
        .collect();
    let shape = Shape {
        columns,
        period_type: None,
        period: 0,
    };
    recording
        .samples
        .profile(&shape, &ContextLabels::default())
        .ok_or(JfrError::NoEvents)
}

/// What the events of a recording add up to.
#[derive(Debug, Default)]
struct Recording {
    samples: Samples,
    /// The profiler said it sampled wall-clock time (async-profiler's `event=wall`).
    wall: bool,
    exec_period_ns: Option<i64>,
    /// The wall-clock interval async-profiler 3+ states (its `wall` setting).
    wall_period_ns: Option<i64>,
}

impl Recording {
    /// The pprof of each logical type, as Pyroscope's JFR conversion names the sample types.
    fn shapes(&self) -> Vec<(&'static str, Shape)> {
        let period = self.exec_period_ns.unwrap_or(DEFAULT_PERIOD_NS);
        let wall_period = self.wall_period_ns.unwrap_or(period);
        let col = |kind, unit, sum: Vec<(usize, i64)>| Column { kind, unit, sum };
        let timed = |kind, sum, period| Shape {
            columns: vec![col(kind, "nanoseconds", sum)],
            period_type: Some((kind, "nanoseconds")),
            period,
        };
        // async-profiler 2 wrote its wall clock as execution samples (`event=wall`); 3 and later
        // write `profiler.WallClockSample`, beside execution samples when both were asked.
        let mut timings = Vec::new();
        if self.wall {
            let sum = vec![(EXEC, period), (NATIVE, period), (WALL, wall_period)];
            timings.push(("wall", timed("wall", sum, period)));
        } else {
            timings.push(("cpu", timed("cpu", vec![(EXEC, period)], period)));
            timings.push((
                "wall",
                timed("wall", vec![(WALL, wall_period)], wall_period),
            ));
        }
        // In and outside TLAB both count as alloc (docs/runtimes.md), summed into Pyroscope's
        // `alloc_in_new_tlab_*` series, which the alloc candidates name first. The JDK's
        // throttled `ObjectAllocationSample` is read only when no TLAB event was recorded (the
        // JDK's own settings since 16), so the two never count one allocation twice.
        let (objects, bytes) = if self.samples.has(TLAB_OBJECTS) {
            (TLAB_OBJECTS, TLAB_BYTES)
        } else {
            (SAMPLED_OBJECTS, SAMPLED_BYTES)
        };
        timings.extend([
            (
                "alloc",
                Shape {
                    columns: vec![
                        col("alloc_in_new_tlab_objects", "count", vec![(objects, 1)]),
                        col("alloc_in_new_tlab_bytes", "bytes", vec![(bytes, 1)]),
                    ],
                    period_type: Some(("space", "bytes")),
                    period: 0,
                },
            ),
            (
                "lock",
                Shape {
                    columns: vec![
                        col("contentions", "count", vec![(CONTENTIONS, 1)]),
                        col("delay", "nanoseconds", vec![(DELAY, 1)]),
                    ],
                    period_type: Some(("mutex", "count")),
                    period: 0,
                },
            ),
        ]);
        timings
    }
}

/// The recording's events, after its framing is checked. `jfrs` panicking on some content
/// would be a bug of that crate; it is caught and reported as unreadable content all the same.
fn read(jfr: &[u8]) -> Result<Recording, JfrError> {
    check_framing(jfr).map_err(JfrError::Malformed)?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_events(jfr))).unwrap_or_else(
        |_| {
            Err(JfrError::Malformed(
                "the JFR reader failed on this content".into(),
            ))
        },
    )
}

fn read_events(jfr: &[u8]) -> Result<Recording, JfrError> {
    let bad = |e: jfrs::reader::Error| JfrError::Malformed(e.to_string());
    let mut recording = Recording::default();
    let mut settings: Vec<(i64, String, String)> = Vec::new();
    let mut exec_class = None;
    let mut wall_samples: [(usize, i64); 1];
    let mut reader = JfrReader::new(Cursor::new(jfr));
    for chunk in reader.chunks() {
        let (mut events, chunk) = chunk.map_err(bad)?;
        let header = &chunk.header;
        let samples = &mut recording.samples;
        let start = *samples.start_nanos.get_or_insert(header.start_time_nanos);
        samples.start_nanos = Some(start.min(header.start_time_nanos));
        let end = header
            .start_time_nanos
            .saturating_add(header.duration_nanos);
        samples.end_nanos = samples.end_nanos.max(end);
        let ticks_per_second = header.ticks_per_second.max(1);
        let mut stacks = StackCache::default();
        for event in events.events(&chunk) {
            let event = event.map_err(bad)?;
            let value = event.value();
            let long = |name| field(&value, name).and_then(|v| i64::try_from(v.value).ok());
            let weights: &[(usize, i64)] = match event.class.name() {
                "jdk.ActiveSetting" => {
                    let text = |name| field(&value, name).and_then(|v| string(&v));
                    if let (Some(id), Some(name), Some(value)) =
                        (long("id"), text("name"), text("value"))
                    {
                        settings.push((id, name, value));
                    }
                    continue;
                }
                "jdk.ExecutionSample" => {
                    exec_class = Some(event.class.class_id);
                    &[(EXEC, 1)]
                }
                "jdk.NativeMethodSample" => &[(NATIVE, 1)],
                "profiler.WallClockSample" => {
                    wall_samples = [(WALL, long("samples").unwrap_or(1).max(1))];
                    &wall_samples
                }
                "jdk.ObjectAllocationInNewTLAB" => &[
                    (TLAB_OBJECTS, 1),
                    (TLAB_BYTES, long("tlabSize").unwrap_or(0)),
                ],
                "jdk.ObjectAllocationOutsideTLAB" => &[
                    (TLAB_OBJECTS, 1),
                    (TLAB_BYTES, long("allocationSize").unwrap_or(0)),
                ],
                "jdk.ObjectAllocationSample" => &[
                    (SAMPLED_OBJECTS, 1),
                    (SAMPLED_BYTES, long("weight").unwrap_or(0)),
                ],
                "jdk.JavaMonitorEnter" | "jdk.ThreadPark" => {
                    let ticks = i128::from(long("duration").unwrap_or(0).max(0));
                    let nanos = ticks * 1_000_000_000 / i128::from(ticks_per_second);
                    &[(CONTENTIONS, 1), (DELAY, saturate(nanos))]
                }
                _ => continue,
            };
            let Some(stack) = stacks.of(&event, &chunk, samples) else {
                continue;
            };
            let context = long("contextId").unwrap_or(0);
            for &(column, weight) in weights {
                samples.add(stack, context, column, weight);
            }
        }
    }
    recording.wall = settings.iter().any(|(_, n, v)| n == "event" && v == "wall");
    recording.exec_period_ns = settings
        .iter()
        .filter(|(id, name, _)| name == "interval" || (name == "period" && Some(*id) == exec_class))
        .find_map(|(_, _, value)| nanos(value));
    recording.wall_period_ns = settings
        .iter()
        .filter(|(_, name, _)| name == "wall")
        .find_map(|(_, _, value)| nanos(value));
    Ok(recording)
}

#[cfg(test)]
mod tests;
