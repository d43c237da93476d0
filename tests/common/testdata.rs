//! Deterministic synthetic flame graphs for tests and benchmarks: realistic Java-like frames,
//! deep stacks, recursion and `other` nodes, rendered in both Pyroscope wire formats.

use std::fmt::Write as _;

/// A generated flame graph: decoded values plus JSON renderers for both wire formats.
pub struct Generated {
    /// `names[0]` is `total`, `names[1]` is `other`, the rest Java-like frames.
    pub names: Vec<String>,
    /// Delta-encoded 4-tuples per level.
    pub levels: Vec<Vec<i64>>,
    /// Root total.
    pub total: u64,
}

const MAX_DEPTH: usize = 60;
const PACKAGES: [&str; 8] = [
    "com/example/service",
    "com/example/repository",
    "com/example/web",
    "java/util",
    "java/util/concurrent",
    "io/netty/channel",
    "org/springframework/aop",
    "jdk/internal/reflect",
];
const CLASSES: [&str; 8] = [
    "Handler",
    "HashMap",
    "ArrayList",
    "Executor",
    "Pipeline",
    "Proxy",
    "Codec",
    "Cache",
];
const METHODS: [&str; 8] = [
    "process", "resize", "invoke", "get", "put", "run", "decode", "apply",
];

/// Builds a graph of roughly `target_nodes` nodes from `seed`: depth up to 60, long call
/// chains, direct and indirect recursion, and leaf `other` nodes. Small targets draw from a
/// small name pool so recursion and merging are frequent.
pub fn generate(target_nodes: usize, seed: u64) -> Generated {
    generate_with_names(target_nodes, (target_nodes / 16).clamp(3, 3000), seed)
}

/// Like [`generate`] with `pool` distinct function names to draw from.
pub fn generate_with_names(target_nodes: usize, pool: usize, seed: u64) -> Generated {
    let mut names = vec![
        "total".to_owned(),
        super::flamegraph::TRUNCATED_NAME.to_owned(),
    ];
    names.extend((0..pool).map(java_name));
    let total = (target_nodes as u64).max(1) * 1000;
    let mut g = Builder {
        rng: seed ^ 0x9e37_79b9_7f4a_7c15,
        pool: pool as u64,
        levels: Vec::new(),
        level_end: Vec::new(),
    };
    g.node(0, 0, total, 0, target_nodes.max(1), [0, 0]);
    Generated {
        names,
        levels: g.levels,
        total,
    }
}

fn java_name(i: usize) -> String {
    let (p, c, m) = (i % 8, (i / 8) % 8, (i / 64) % 8);
    let mut name = format!("{}/{}.{}", PACKAGES[p], CLASSES[c], METHODS[m]);
    if i >= 512 {
        let _ = write!(name, "$lambda${}", i / 512); // Writing to a String cannot fail.
    }
    name
}

struct Builder {
    rng: u64,
    pool: u64,
    levels: Vec<Vec<i64>>,
    level_end: Vec<u64>,
}

impl Builder {
    fn below(&mut self, n: u64) -> u64 {
        // 64-bit LCG (Knuth MMIX constants); the high bits are the good ones.
        self.rng = self
            .rng
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        if n == 0 {
            0
        } else {
            (self.rng >> 33) % n
        }
    }

    /// Emits a node at `x` and, budget permitting, its children; returns the nodes emitted.
    /// `up` holds the parent and grandparent name indices for recursion.
    fn node(
        &mut self,
        depth: usize,
        x: u64,
        total: u64,
        name: u64,
        budget: usize,
        up: [u64; 2],
    ) -> usize {
        let leaf = depth >= MAX_DEPTH || budget <= 1 || total < 2 || name == 1;
        let self_samples = match (leaf, depth) {
            (true, _) => total,
            (false, 0) => 0,
            (false, _) => total * self.below(30) / 100,
        };
        if self.levels.len() <= depth {
            self.levels.push(Vec::new());
            self.level_end.push(0);
        }
        let offset = x - self.level_end[depth];
        self.levels[depth].extend([offset, total, self_samples, name].map(|v| v as i64));
        self.level_end[depth] = x + total;
        if leaf {
            return 1;
        }
        let rest = total - self_samples;
        let k = match self.below(100) {
            0..=59 => 1,
            60..=79 => 2,
            80..=91 => 3,
            _ => 4 + self.below(3),
        }
        .min(rest)
        .min(budget as u64 - 1);
        let weights: Vec<u64> = (0..k).map(|_| 1 + self.below(100)).collect();
        let weight_sum: u64 = weights.iter().sum();
        // Children start after a random share of the self time, leaving gaps on both sides.
        let mut cx = x + self.below(self_samples + 1);
        let mut left = rest - k;
        // Budget a subtree did not use goes to its later siblings.
        let (mut budget_left, mut weight_left) = (budget as u64 - 1, weight_sum);
        for (i, &w) in weights.iter().enumerate() {
            let extra = if i as u64 == k - 1 {
                left
            } else {
                (rest - k) * w / weight_sum
            };
            left -= extra;
            let child_total = 1 + extra;
            let child_budget = (budget_left * w / weight_left).max(1);
            weight_left -= w;
            let child_name = match self.below(100) {
                0..=3 if depth > 0 => name,
                4..=6 if depth > 1 => up[0],
                // Pyroscope's remainder lies under some frame: never the root's own child,
                // which would leave a graph of nothing but the remainder.
                7..=8 if depth > 0 => 1,
                _ => 2 + self.below(self.pool),
            };
            let used = self.node(
                depth + 1,
                cx,
                child_total,
                child_name,
                child_budget as usize,
                [name, up[0]],
            );
            budget_left = budget_left.saturating_sub(used as u64);
            cx += child_total;
        }
        budget - budget_left as usize
    }
}

impl Generated {
    /// Number of nodes over all levels.
    pub fn node_count(&self) -> usize {
        self.levels.iter().map(|l| l.len() / 4).sum()
    }

    /// Connect/protobuf JSON: int64 values as strings.
    pub fn to_connect_json(&self) -> String {
        let mut out = String::from("{\"flamegraph\":{\"names\":");
        self.push_names(&mut out);
        out.push_str(",\"levels\":[");
        for (i, level) in self.levels.iter().enumerate() {
            out.push_str(if i == 0 {
                "{\"values\":["
            } else {
                ",{\"values\":["
            });
            for (j, v) in level.iter().enumerate() {
                let _ = write!(out, "{}\"{v}\"", if j == 0 { "" } else { "," });
            }
            out.push_str("]}");
        }
        let _ = write!(
            out,
            "],\"total\":\"{}\",\"maxSelf\":\"{}\"}}}}",
            self.total,
            self.max_self()
        );
        out
    }

    /// Legacy flamebearer JSON: plain numbers, plus typical unrelated fields.
    pub fn to_legacy_json(&self) -> String {
        let mut out = String::from("{\"version\":1,\"flamebearer\":{\"names\":");
        self.push_names(&mut out);
        out.push_str(",\"levels\":[");
        for (i, level) in self.levels.iter().enumerate() {
            out.push_str(if i == 0 { "[" } else { ",[" });
            for (j, v) in level.iter().enumerate() {
                let _ = write!(out, "{}{v}", if j == 0 { "" } else { "," });
            }
            out.push(']');
        }
        let _ = write!(
            out,
            "],\"numTicks\":{},\"maxSelf\":{}}},\"metadata\":{{\"format\":\"single\",\
             \"spyName\":\"javaspy\",\"sampleRate\":100,\"units\":\"samples\",\"name\":\"cpu\"}},\
             \"timeline\":{{\"startTime\":1700000000,\"samples\":[1,2,3],\"durationDelta\":10}}}}",
            self.total,
            self.max_self()
        );
        out
    }

    fn max_self(&self) -> i64 {
        let tuples = self.levels.iter().flat_map(|l| l.chunks_exact(4));
        tuples.map(|t| t[2]).max().unwrap_or(0)
    }

    /// Generated names are plain ASCII without quotes or backslashes, so no escaping needed.
    fn push_names(&self, out: &mut String) {
        out.push('[');
        for (i, name) in self.names.iter().enumerate() {
            let _ = write!(out, "{}\"{name}\"", if i == 0 { "" } else { "," });
        }
        out.push(']');
    }
}

impl Generated {
    /// The same stacks as a pprof profile (`cpu/nanoseconds`): one function and one location
    /// per name (ids from 1), one sample per node with self samples, its stack leaf first.
    pub fn to_pprof(&self) -> super::pprof::proto::Profile {
        use super::pprof::proto::{Function, Line, Location, Profile, Sample, ValueType};
        let mut string_table = vec![Vec::new()];
        string_table.extend(self.names.iter().map(|n| n.as_bytes().to_vec()));
        let cpu = string_table.len() as i64;
        string_table.extend([b"cpu".to_vec(), b"nanoseconds".to_vec()]);
        let ids = 1..=self.names.len() as u64;
        let function = ids.clone().map(|id| Function {
            id,
            name: id as i64,
            ..Function::default()
        });
        let location = ids.map(|id| Location {
            id,
            address: 0x40_0000 + id * 16,
            line: vec![Line {
                function_id: id,
                line: 0,
            }],
        });
        // Every node with samples: (name, parent in `nodes`), level by level.
        let mut nodes: Vec<(u64, usize)> = Vec::new();
        let mut sample = Vec::new();
        let mut above: Vec<(u64, u64, usize)> = Vec::new();
        for level in &self.levels {
            let (mut end, mut cursor, mut here) = (0u64, 0usize, Vec::new());
            for t in level.chunks_exact(4) {
                let [offset, total, self_samples, name] =
                    [t[0], t[1], t[2], t[3]].map(|v| v as u64);
                let start = end + offset;
                end = start + total;
                if total == 0 {
                    continue;
                }
                while above.get(cursor).is_some_and(|p| p.1 <= start) {
                    cursor += 1;
                }
                let parent = above.get(cursor).map_or(usize::MAX, |p| p.2);
                nodes.push((name, parent));
                here.push((start, end, nodes.len() - 1));
                if self_samples > 0 && parent != usize::MAX {
                    let mut location_id = Vec::new();
                    let mut at = nodes.len() - 1;
                    while nodes[at].1 != usize::MAX {
                        location_id.push(nodes[at].0 + 1);
                        at = nodes[at].1;
                    }
                    sample.push(Sample {
                        location_id,
                        value: vec![self_samples as i64],
                        label: Vec::new(),
                    });
                }
            }
            above = here;
        }
        let cpu_ns = ValueType {
            r#type: cpu,
            unit: cpu + 1,
        };
        Profile {
            sample_type: vec![cpu_ns],
            sample,
            location: location.collect(),
            function: function.collect(),
            string_table,
            period_type: Some(cpu_ns),
            period: 10_000_000,
            ..Profile::default()
        }
    }
}
