//! `prediction_serving`: the labels equal the bundled models computed in plain Rust, on the CPU
//! path and on the device path (PoCL in CI, where the rows must really run on the device), on
//! one and two workers; the binary runs with its defaults; a malformed model is an error value.

mod binary;

use std::collections::BTreeMap;

use blossom::device::DevicePolicy;
use blossom::{Config, F32};
use blossom_examples::serving::{Dense, MODELS, Serving, requests};

/// Each request's label and average score, from the models in plain Rust.
fn expected(batch: &[(u64, F32, F32, F32, F32)]) -> BTreeMap<u64, (u32, f32)> {
    let models: Vec<Dense> = (MODELS.iter())
        .map(|(name, text)| Dense::parse(name, text).expect("the bundled models parse"))
        .collect();
    batch
        .iter()
        .map(|&(id, F32(f0), F32(f1), F32(f2), F32(f3))| {
            let z = [
                (f0 - 5.8) / 0.8,
                (f1 - 3.0) / 0.4,
                (f2 - 3.8) / 1.8,
                (f3 - 1.2) / 0.8,
            ];
            let scores: Vec<f32> = models.iter().map(|m| m.score(z)).collect();
            let avg = (scores[0] + scores[1] + scores[2]) / 3.0;
            (id, (u32::from(avg > 0.0), avg))
        })
        .collect()
}

#[test]
fn both_paths_label_every_request_as_the_models_do() {
    for workers in [1, 2] {
        for policy in [DevicePolicy::Cpu, DevicePolicy::Auto] {
            let config = Config::with_workers(workers).device(policy);
            let mut serving = Serving::with_config(&config).unwrap();
            let mut labelled = 0;
            for tick in 0..3u64 {
                let batch = requests(tick * 1000, 300);
                serving.request.extend(batch.iter().copied());
                serving.tick().unwrap();
                let want = expected(&batch);
                let got: BTreeMap<u64, (u32, f32)> = (serving.label.snapshot().unwrap())
                    .into_iter()
                    .map(|(id, label, F32(score))| (id, (label, score)))
                    .collect();
                let at = format!("{workers} workers, {policy:?}, tick {tick}");
                assert_eq!(got.len(), want.len(), "{at}");
                for (id, (label, score)) in &got {
                    let (want_label, want_score) = want[id];
                    // Every step is an IEEE + * / or max in the same order: bit for bit.
                    assert_eq!(
                        (*label, *score),
                        (want_label, want_score),
                        "{at}, request {id}"
                    );
                }
                labelled += got.len();
                assert!(got.values().any(|l| l.0 == 1) && got.values().any(|l| l.0 == 0));
            }
            assert_eq!(labelled, 900);
            let stats = serving.device_stats();
            // Built with `blossom/opencl` on a platform (CI: PoCL) the rows ran on the device.
            let on_device =
                blossom::testing::opencl("serving on the device") && policy == DevicePolicy::Auto;
            assert_eq!(stats.device_rows > 0, on_device, "{policy:?}: {stats:?}");
            assert_eq!(stats.fallbacks, 0, "{stats:?}");
        }
    }
}

#[test]
fn the_binary_serves_its_defaults_and_the_paths_agree() {
    let out = binary::run(env!("CARGO_BIN_EXE_prediction_serving"), &[]);
    assert_eq!(binary::last_line(&out), "labels agree: yes", "{out}");
    for batch in [1, 64, 1024] {
        for path in ["cpu", "device"] {
            let line = out.lines().find(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.first() == Some(&path) && words.get(1) == Some(&batch.to_string().as_str())
            });
            assert!(line.is_some(), "{path} {batch} in {out}");
        }
    }
}

#[test]
fn a_malformed_model_is_an_error() {
    let (_, good) = MODELS[0];
    assert!(Dense::parse("a", good).is_ok());
    let cases = [
        ("", "ends early"),
        ("4 8\n1 2 3\n", "4 numbers expected"),
        ("3 8\n", "only 4 inputs"),
        ("4 8\n1 2 x 4\n", "invalid float"),
    ];
    for (text, says) in cases {
        let error = Dense::parse("broken", text).expect_err(text).to_string();
        assert!(error.contains(says), "{text:?}: {error}");
    }
}
