//! Frame colours: one scheme per runtime, as flamegraph.pl has one per language, chosen from the
//! names in the profile; within a scheme a frame's kind picks the hue and a hash of its name the
//! shade, so a function keeps its colour from one picture to the next.

use std::fmt;

/// The runtime a profile's names look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Java,
    Go,
    Python,
    Rust,
    DotNet,
    Js,
    /// None recognised: flamegraph.pl's default warm palette.
    Native,
}

impl Runtime {
    /// The runtime most names point to (ties and no hits: [`Runtime::Native`]).
    pub fn detect<'a>(names: impl IntoIterator<Item = &'a str>) -> Runtime {
        const RUNTIMES: [Runtime; 6] = [
            Runtime::Java,
            Runtime::Go,
            Runtime::Python,
            Runtime::Rust,
            Runtime::DotNet,
            Runtime::Js,
        ];
        let mut votes = [0usize; RUNTIMES.len()];
        for name in names {
            if let Some(r) = RUNTIMES.iter().position(|&r| r.claims(name)) {
                votes[r] += 1;
            }
        }
        let best = votes.iter().copied().max().unwrap_or(0);
        match votes.iter().filter(|&&v| v == best).count() {
            1 if best > 0 => votes
                .iter()
                .position(|&v| v == best)
                .map_or(Runtime::Native, |i| RUNTIMES[i]),
            _ => Runtime::Native,
        }
    }

    /// Whether `name` is written the way this runtime writes frames.
    fn claims(self, name: &str) -> bool {
        match self {
            Runtime::Java => {
                name.starts_with("java/")
                    || name.starts_with("java.")
                    || name.starts_with("jdk.")
                    || name.starts_with("sun/")
                    || (name.contains('/') && name.contains('.') && !name.contains(".go"))
                        && !name.contains("(*")
                        && !name.contains(".py")
            }
            Runtime::Go => {
                name.starts_with("runtime.")
                    || name.contains(".(*")
                    || name.starts_with("main.")
                    || name.contains(".go:")
            }
            Runtime::Python => name.contains(".py") || name == "<module>",
            Runtime::Rust => {
                name.contains("::")
                    && ["core::", "std::", "alloc::", "tokio::", "<"]
                        .iter()
                        .any(|p| name.starts_with(p))
            }
            Runtime::DotNet => name.starts_with("System.") || name.starts_with("Microsoft."),
            Runtime::Js => name.contains(".js:") || name.ends_with(".js"),
            Runtime::Native => false,
        }
    }

    /// The palette name, as in the picture's subtitle.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Java => "java",
            Runtime::Go => "go",
            Runtime::Python => "python",
            Runtime::Rust => "rust",
            Runtime::DotNet => "dotnet",
            Runtime::Js => "js",
            Runtime::Native => "native",
        }
    }

    /// The fill of a frame called `name`.
    pub fn colour(self, name: &str) -> Rgb {
        let v = shade(name);
        let hue = match self {
            Runtime::Java if name.contains("::") => Hue::Yellow,
            Runtime::Java if name.contains('/') || name.contains('.') => Hue::Green,
            Runtime::Go if name.starts_with("runtime.") => Hue::Aqua,
            Runtime::Go if name.contains('.') => Hue::Blue,
            Runtime::Python if name.contains(".py") || name.starts_with('<') => Hue::Yellow,
            Runtime::Rust if name.contains("::") => Hue::Orange,
            Runtime::DotNet if name.contains('.') => Hue::Purple,
            Runtime::Js if name.contains(".js") => Hue::Green,
            _ => Hue::Hot,
        };
        hue.at(v)
    }
}

/// A colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rgb({},{},{})", self.0, self.1, self.2)
    }
}

#[derive(Clone, Copy)]
enum Hue {
    Hot,
    Yellow,
    Green,
    Aqua,
    Blue,
    Orange,
    Purple,
}

impl Hue {
    /// flamegraph.pl's ranges for each hue, at shade `v` in `[0, 1)`.
    fn at(self, v: f64) -> Rgb {
        let c = |base: f64, span: f64| (base + span * v).round().clamp(0.0, 255.0) as u8;
        match self {
            Hue::Hot => Rgb(c(205.0, 50.0), c(0.0, 230.0), c(0.0, 55.0)),
            Hue::Yellow => Rgb(c(175.0, 55.0), c(175.0, 55.0), c(50.0, 20.0)),
            Hue::Green => Rgb(c(50.0, 60.0), c(200.0, 55.0), c(50.0, 60.0)),
            Hue::Aqua => Rgb(c(50.0, 60.0), c(165.0, 55.0), c(165.0, 55.0)),
            Hue::Blue => Rgb(c(80.0, 60.0), c(80.0, 60.0), c(190.0, 55.0)),
            Hue::Orange => Rgb(c(190.0, 65.0), c(90.0, 65.0), 0),
            Hue::Purple => Rgb(c(190.0, 65.0), c(80.0, 60.0), c(190.0, 65.0)),
        }
    }
}

/// A stable value in `[0, 1)` from a name (FNV-1a), so colours do not change between renders.
fn shade(name: &str) -> f64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_comes_from_the_names() {
        let java = [
            "java/util/HashMap.resize",
            "com/acme/Pricing.apply",
            "G1 Young Generation",
        ];
        assert_eq!(Runtime::detect(java), Runtime::Java);
        let go = ["runtime.mallocgc", "net/http.(*conn).serve", "main.main"];
        assert_eq!(Runtime::detect(go), Runtime::Go);
        let python = ["handle (app.py:12)", "<module>", "json.loads"];
        assert_eq!(Runtime::detect(python), Runtime::Python);
        let rust = ["core::ptr::drop_in_place", "std::rt::lang_start", "main"];
        assert_eq!(Runtime::detect(rust), Runtime::Rust);
        assert_eq!(Runtime::detect(["malloc", "memcpy"]), Runtime::Native);
    }

    #[test]
    fn a_name_keeps_its_colour_and_kinds_differ_in_hue() {
        let java = Runtime::Java;
        assert_eq!(java.colour("com/acme/A.b"), java.colour("com/acme/A.b"));
        let Rgb(r, g, _) = java.colour("com/acme/A.b");
        assert!(g > r, "java frames are green");
        let Rgb(r, g, _) = java.colour("Interpreter");
        assert!(r > g, "native frames are warm");
    }
}
