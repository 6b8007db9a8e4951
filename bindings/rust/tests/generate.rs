// Real generation, compared with `locus run --temp 0`: stories260K (whose figures are llama.cpp's) and the default
// model, Locus's own sparse model, in predictor mode.
use std::path::PathBuf;
use std::process::Command;

use locus::{ErrorKind, GenerateOptions, Model, ModelOptions, Sampler, SessionOptions, SparseMode};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn model_path() -> PathBuf {
    repo().join("models/stories260K.gguf")
}

// locus run's default model.
fn sparse_model_path() -> PathBuf {
    repo().join("models/relu-llama-tiny-par.powerinfer.gguf")
}

fn one_thread() -> ModelOptions {
    ModelOptions { n_threads: 1, ..ModelOptions::default() }
}

// stdout of the locus binary beside the library (LOCUS_BINARY overrides) on stories260K.
fn locus_run(prompt: &str, n: i32) -> String {
    locus_run_model(Some(model_path()), prompt, n)
}

// The same on any model; None runs it without -m (its default model).
fn locus_run_model(model: Option<PathBuf>, prompt: &str, n: i32) -> String {
    let bin = std::env::var_os("LOCUS_BINARY").map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("LOCUS_LIB_DIR").map(PathBuf::from).unwrap_or_else(|| repo().join("build/release")).join("locus")
    });
    let mut cmd = Command::new(&bin);
    cmd.arg("run").env_remove("LOCUS_MODEL");
    if let Some(m) = model {
        cmd.arg("-m").arg(m);
    }
    let out = cmd
        .args(["-p", prompt, "-n", &n.to_string(), "--temp", "0", "-t", "1"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {}", bin.display(), e));
    assert!(out.status.success(), "locus run failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn greedy_generation_equals_locus_run() {
    let model = Model::load(model_path(), &one_thread()).unwrap();
    let opts = GenerateOptions { n_predict: 48, ..Default::default() };
    for prompt in ["Once upon a time", "Lily had a red ball"] {
        let mut session = model.new_session(&SessionOptions::default()).unwrap();
        let text = session.generate_text(prompt, &opts, None).unwrap();
        assert_eq!(format!("{}{}\n", prompt, text), locus_run(prompt, 48), "prompt {:?}", prompt);
    }
}

#[test]
fn default_sparse_model_runs_in_predictor_mode_like_locus_run() {
    let model = Model::load(sparse_model_path(), &one_thread()).unwrap();
    assert_eq!(model.placement().unwrap().sparse, SparseMode::Predictor);
    let opts = GenerateOptions { n_predict: 48, ..Default::default() };
    for prompt in ["Once upon a time", "Lily had a red ball"] {
        let mut session = model.new_session(&SessionOptions::default()).unwrap();
        let text = session.generate_text(prompt, &opts, None).unwrap();
        assert!(text.len() > 40, "prompt {:?}: {:?}", prompt, text);
        assert_eq!(format!("{}{}\n", prompt, text), locus_run_model(None, prompt, 48), "prompt {:?}", prompt);
    }
}

#[test]
fn piece_iterator_gives_the_same_text() {
    let model = Model::load(model_path(), &one_thread()).unwrap();
    let opts = GenerateOptions { n_predict: 40, ..Default::default() };
    let mut a = model.new_session(&SessionOptions::default()).unwrap();
    let whole = a.generate_text("Once upon a time", &opts, None).unwrap();
    let mut b = model.new_session(&SessionOptions::default()).unwrap();
    let mut greedy = Sampler::greedy().unwrap();
    let pieces: Vec<String> = b.pieces("Once upon a time", &opts, Some(&mut greedy)).unwrap().map(|p| p.unwrap()).collect();
    assert_eq!(pieces.len(), 40);
    assert_eq!(pieces.concat(), whole);
}

#[test]
fn tokens_logits_and_sampler() {
    let model = Model::load(model_path(), &one_thread()).unwrap();
    let info = model.info().unwrap();
    assert_eq!(info.arch, "llama");
    assert_eq!(info.n_vocab, 512);
    assert_eq!(model.placement().unwrap().backend, "cpu");
    let ids = model.tokenize("Once upon a time", true, true).unwrap();
    assert_eq!(ids, vec![1, 403, 407, 261, 378]);
    assert_eq!(model.detokenize(&ids, false).unwrap(), "Once upon a time");
    let mut s = model.new_session(&SessionOptions { n_ctx: 64, ..Default::default() }).unwrap();
    s.eval(&ids, 0).unwrap();
    let logits = s.logits(0).unwrap();
    assert_eq!(logits.len(), 512);
    let argmax = (0..logits.len()).max_by(|&a, &b| logits[a].partial_cmp(&logits[b]).unwrap()).unwrap() as i32;
    let mut greedy = Sampler::greedy().unwrap();
    assert_eq!(greedy.sample(&s, 0).unwrap(), argmax);
    assert_eq!(argmax, 432); // llama.cpp's first greedy token (tests/model/stories_golden_test.cpp)
    assert_eq!(s.n_past(0).unwrap(), 5);
    assert!(s.timings().unwrap().prompt_ms > 0.0);
}

#[test]
fn errors_come_back_as_values() {
    let e = Model::load("/nonexistent.gguf", &ModelOptions::default()).err().unwrap();
    assert_eq!(e.kind, ErrorKind::Load);
    assert!(e.message.contains("/nonexistent.gguf"), "{}", e.message);
    let e = Model::load(model_path(), &ModelOptions { vram_budget_gib: 2.0, ..one_thread() }).err().unwrap();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.message.contains("without CUDA"), "{}", e.message);

    let model = Model::load(model_path(), &one_thread()).unwrap();
    let mut s = model.new_session(&SessionOptions { n_ctx: 8, ..Default::default() }).unwrap();
    assert_eq!(s.eval(&[300; 9], 0).err().unwrap().kind, ErrorKind::ContextFull);
    assert_eq!(s.eval(&[9999], 0).err().unwrap().kind, ErrorKind::InvalidArgument);
    let canceller = s.canceller();
    drop(s);
    assert_eq!(canceller.cancel().err().unwrap().kind, ErrorKind::InvalidHandle);
}

#[test]
fn cancel_from_another_thread() {
    let model = Model::load(model_path(), &one_thread()).unwrap();
    let mut s = model.new_session(&SessionOptions { n_ctx: 256, ..Default::default() }).unwrap();
    let canceller = s.canceller();
    let opts = GenerateOptions { n_predict: -1, ignore_eos: true, ..Default::default() };
    let mut n = 0;
    let r = s.generate("Once upon a time", &opts, None, |_| {
        n += 1;
        if n == 3 {
            std::thread::spawn(move || canceller.cancel().unwrap()).join().unwrap();
        }
        true
    });
    assert_eq!(r.err().unwrap().kind, ErrorKind::Cancelled);
    assert_eq!(n, 3);
}
