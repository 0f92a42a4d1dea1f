//! Prediction serving, the shape of Clipper's and Cloudburst's pipeline: each tick's requests
//! are preprocessed, scored by three small models in parallel, and labelled by the models'
//! average score.
//!
//! The preprocessing is a `#[device]` rule the macro translates to OpenCL C; each model is a
//! dense layer (4 inputs, 8 ReLU units, 1 score) whose weights are bundled in
//! `data/models/`, run by a kernel this module writes from them (`#[device(kernel = ..)]`),
//! with its twin for the CPU. The network has no `exp`: every step is an IEEE `+`, `*` or
//! `max`, in the same order on both sides, so the device's scores are the CPU's bit for bit
//! and the labels agree exactly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blossom::device::{Batch, DeviceStats, Kernel, NumType};
use blossom::{Config, F32};

/// Inputs of a model, and its hidden units.
const INPUTS: usize = 4;
const HIDDEN: usize = 8;

blossom::program! {
    /// Requests in, one label per request out.
    pub Serving {
        input   request(id: u64, f0: F32, f1: F32, f2: F32, f3: F32);
        scratch features(id: u64, z0: F32, z1: F32, z2: F32, z3: F32);
        scratch score_a(id: u64, s: F32);
        scratch score_b(id: u64, s: F32);
        scratch score_c(id: u64, s: F32);
        output  label(id: u64, label: u32, score: F32);

        // Standardise the raw features by the training data's means and scales.
        #[device]
        features(id, z0, z1, z2, z3) <= request(id, f0, f1, f2, f3),
            let z0 = (f0 - 5.8) / 0.8,
            let z1 = (f1 - 3.0) / 0.4,
            let z2 = (f2 - 3.8) / 1.8,
            let z3 = (f3 - 1.2) / 0.8;

        #[device(kernel = model("a"))]
        score_a(id, s) <= features(id, z0, z1, z2, z3), let s = kernel(z0, z1, z2, z3);
        #[device(kernel = model("b"))]
        score_b(id, s) <= features(id, z0, z1, z2, z3), let s = kernel(z0, z1, z2, z3);
        #[device(kernel = model("c"))]
        score_c(id, s) <= features(id, z0, z1, z2, z3), let s = kernel(z0, z1, z2, z3);

        label(id, l, avg) <= score_a(id, a), score_b(id, b), score_c(id, c),
            let avg = (a + b + c) / 3.0,
            let l = u32::from(avg > 0.0);
    }
}

/// A dense model's weights: `hidden[h][k]` from input `k` to unit `h`, then the biases of the
/// units, the weights from the units to the score, and the score's bias.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    hidden: [[f32; INPUTS]; HIDDEN],
    biases: [f32; HIDDEN],
    out: [f32; HIDDEN],
    out_bias: f32,
}

/// A model file that does not say what a model needs.
#[derive(Debug, thiserror::Error)]
#[error("model {model}, line {line}: {message}")]
pub struct ModelError {
    model: String,
    line: usize,
    message: String,
}

impl Dense {
    /// Reads a model: after `#` comments, a line `4 8`, eight lines of four weights, a line of
    /// eight biases, a line of eight output weights, and the output bias.
    pub fn parse(model: &str, text: &str) -> Result<Dense, ModelError> {
        let error = |line: usize, message: String| ModelError {
            model: model.into(),
            line,
            message,
        };
        let mut lines = (text.lines().enumerate())
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let mut row = |wanted: usize| -> Result<Vec<f32>, ModelError> {
            let (at, line) = lines
                .next()
                .ok_or_else(|| error(0, "the file ends early".into()))?;
            let values = (line.split_whitespace())
                .map(|v| v.parse::<f32>())
                .collect::<Result<Vec<f32>, _>>()
                .map_err(|e| error(at + 1, format!("{e}: {line:?}")))?;
            match values.len() == wanted {
                true => Ok(values),
                false => Err(error(
                    at + 1,
                    format!("{wanted} numbers expected: {line:?}"),
                )),
            }
        };
        if row(2)? != [INPUTS as f32, HIDDEN as f32] {
            return Err(error(
                0,
                format!("only {INPUTS} inputs and {HIDDEN} units are served"),
            ));
        }
        let mut dense = Dense {
            hidden: [[0.0; INPUTS]; HIDDEN],
            biases: [0.0; HIDDEN],
            out: [0.0; HIDDEN],
            out_bias: 0.0,
        };
        for h in 0..HIDDEN {
            dense.hidden[h].copy_from_slice(&row(INPUTS)?);
        }
        dense.biases.copy_from_slice(&row(HIDDEN)?);
        dense.out.copy_from_slice(&row(HIDDEN)?);
        dense.out_bias = row(1)?[0];
        Ok(dense)
    }

    /// The score of one input, computed as the kernel computes it.
    pub fn score(&self, x: [f32; INPUTS]) -> f32 {
        let mut y = self.out_bias;
        for h in 0..HIDDEN {
            let mut a = self.biases[h];
            for (k, &xk) in x.iter().enumerate() {
                a += self.hidden[h][k] * xk;
            }
            y += self.out[h] * a.max(0.0);
        }
        y
    }

    /// OpenCL C computing [`Dense::score`] for every row, its weights as constants.
    fn source(&self, entry: &str) -> String {
        let list = |values: &[f32]| {
            let items: Vec<String> = values.iter().map(|v| format!("{v:?}f")).collect();
            items.join(", ")
        };
        let hidden: Vec<f32> = self.hidden.iter().flatten().copied().collect();
        format!(
            "#pragma OPENCL FP_CONTRACT OFF
__constant float HIDDEN[{hn}] = {{{hidden}}};
__constant float BIASES[{HIDDEN}] = {{{biases}}};
__constant float OUT[{HIDDEN}] = {{{out}}};
__kernel void {entry}(const uint n, __global const float* x0, __global const float* x1,
                      __global const float* x2, __global const float* x3, __global float* score) {{
    uint i = get_global_id(0);
    if (i >= n) return;
    float x[{INPUTS}] = {{x0[i], x1[i], x2[i], x3[i]}};
    float y = {out_bias:?}f;
    for (int h = 0; h < {HIDDEN}; h++) {{
        float a = BIASES[h];
        for (int k = 0; k < {INPUTS}; k++) a = a + HIDDEN[h * {INPUTS} + k] * x[k];
        y = y + OUT[h] * fmax(a, 0.0f);
    }}
    score[i] = y;
}}
",
            hn = HIDDEN * INPUTS,
            hidden = list(&hidden),
            biases = list(&self.biases),
            out = list(&self.out),
            out_bias = self.out_bias,
        )
    }

    /// The model as a device kernel, with its CPU twin.
    pub fn kernel(&self, name: &str) -> Kernel {
        let entry = format!("dense_{name}");
        let model = self.clone();
        let cpu = move |inputs: &Batch, outputs: &mut Batch| {
            for i in 0..inputs.len() {
                let x = [0, 1, 2, 3].map(|k| inputs.get::<f32>(k, i));
                outputs.set(0, i, model.score(x));
            }
        };
        Kernel {
            name: format!("model {name}"),
            source: self.source(&entry),
            entry,
            inputs: vec![NumType::F32; INPUTS],
            outputs: vec![NumType::F32],
            cpu: Arc::new(cpu),
        }
    }
}

/// The bundled models' files.
pub const MODELS: [(&str, &str); 3] = [
    ("a", include_str!("../data/models/a.txt")),
    ("b", include_str!("../data/models/b.txt")),
    ("c", include_str!("../data/models/c.txt")),
];

/// Bundled model `name` (`a`, `b` or `c`), as a kernel.
///
/// # Panics
/// If there is no such model, or its bundled file does not parse (the tests read them all).
pub fn model(name: &str) -> Kernel {
    let (_, text) = (MODELS.iter())
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no bundled model {name:?}"));
    match Dense::parse(name, text) {
        Ok(dense) => dense.kernel(name),
        Err(error) => panic!("bundled {error}"),
    }
}

/// `n` requests with ids from `first`: four features in the ranges of the training data,
/// drawn by a fixed generator, so that every run serves the same requests.
pub fn requests(first: u64, n: usize) -> Vec<(u64, F32, F32, F32, F32)> {
    let mut state = first.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut uniform = |low: f32, high: f32| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        low + (high - low) * ((state >> 40) as f32 / (1u64 << 24) as f32)
    };
    (first..first + n as u64)
        .map(|id| {
            let f = [
                uniform(4.3, 7.9),
                uniform(2.0, 4.4),
                uniform(1.0, 6.9),
                uniform(0.1, 2.5),
            ];
            (id, F32(f[0]), F32(f[1]), F32(f[2]), F32(f[3]))
        })
        .collect()
}

/// What serving batches of one size on one configuration gave.
pub struct Served {
    /// Every request's label.
    pub labels: BTreeMap<u64, u32>,
    /// The median time of a tick: a batch's latency.
    pub latency: Duration,
    /// What the device rules did.
    pub stats: DeviceStats,
}

/// Serves `ticks` batches of `batch` requests, one per tick, after one tick to warm up (a
/// device builds its kernels then), timing each tick.
pub fn serve(config: &Config, batch: usize, ticks: usize) -> Result<Served, blossom::Error> {
    let mut program = Serving::with_config(config)?;
    let (mut labels, mut times) = (BTreeMap::new(), Vec::new());
    for tick in 0..=ticks {
        let first = (tick * batch) as u64;
        program.request.extend(requests(first, batch));
        let start = Instant::now();
        program.tick()?;
        if tick > 0 {
            times.push(start.elapsed());
        }
        let rows = program.label.snapshot()?;
        labels.extend(rows.into_iter().map(|(id, label, _)| (id, label)));
    }
    times.sort();
    Ok(Served {
        labels,
        latency: times.get(times.len() / 2).copied().unwrap_or_default(),
        stats: program.device_stats(),
    })
}
