//! Quantized matrix kernels for [`super::llama`]: GGUF Q4_1 and Q8_0 weight
//! rows times activations quantized to 8 bits per 32-value block, the way
//! llama.cpp computes them (`ggml_vec_dot_q4_1_q8_1`, `ggml_vec_dot_q8_0_q8_0`).
//!
//! Each kernel has an AVX2 version, picked at run time with
//! `is_x86_feature_detected!` (so a build for plain x86-64 still uses it on
//! a CPU that has it), and a portable scalar one. A kernel call takes one
//! weight row and up to [`TOKENS_PER_PASS`] activation rows: each weight block
//! is unpacked once for all of them, which is where prompt processing gains
//! over one dot product at a time.

use std::sync::OnceLock;

use rayon::prelude::*;

/// Values per quantization block (Q4_1, Q8_0 and the activations alike).
pub const BLOCK: usize = 32;

/// Activation rows one kernel call takes.
pub const TOKENS_PER_PASS: usize = 4;

/// GGUF/ggml `block_q4_1`: `value[j] = d * q[j] + m` with 4-bit `q`, the low
/// nibbles of `qs` holding values 0..16 and the high nibbles 16..32.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BlockQ4_1 {
    pub d: u16,
    pub m: u16,
    pub qs: [u8; BLOCK / 2],
}

/// GGUF/ggml `block_q8_0`: `value[j] = d * qs[j]`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BlockQ8_0 {
    pub d: u16,
    pub qs: [i8; BLOCK],
}

/// An activation block: `value[j] ≈ d * qs[j]`, and `s = d * Σ qs` for the
/// offset term of Q4_1 (ggml's `block_q8_1`, with f32 scales).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct ActBlock {
    pub d: f32,
    pub s: f32,
    pub qs: [i8; BLOCK],
}

/// A block type as GGUF stores it (little-endian, packed).
pub trait GgufBlock: Sized + Clone {
    /// Bytes per block in the file.
    const BYTES: usize;
    fn read(bytes: &[u8]) -> Self;
}

impl GgufBlock for BlockQ4_1 {
    const BYTES: usize = 4 + BLOCK / 2;
    fn read(b: &[u8]) -> Self {
        Self {
            d: u16::from_le_bytes([b[0], b[1]]),
            m: u16::from_le_bytes([b[2], b[3]]),
            qs: std::array::from_fn(|j| b[4 + j]),
        }
    }
}

impl GgufBlock for BlockQ8_0 {
    const BYTES: usize = 2 + BLOCK;
    fn read(b: &[u8]) -> Self {
        Self {
            d: u16::from_le_bytes([b[0], b[1]]),
            qs: std::array::from_fn(|j| b[2 + j] as i8),
        }
    }
}

/// The blocks stored in `bytes` (a whole number of them).
pub fn blocks_from_bytes<B: GgufBlock>(bytes: &[u8]) -> Vec<B> {
    bytes.chunks_exact(B::BYTES).map(B::read).collect()
}

/// IEEE half-precision bits to f32 (exact).
#[inline]
pub fn f16_to_f32(h: u16) -> f32 {
    let negative = h & 0x8000 != 0;
    let exp = u32::from(h >> 10) & 0x1f;
    let mant = u32::from(h & 0x3ff);
    let magnitude = match exp {
        0 => mant as f32 * f32::from_bits(0x3380_0000), // subnormal: mant * 2^-24
        0x1f => f32::from_bits(0x7f80_0000 | (mant << 13)),
        _ => f32::from_bits(((exp + 112) << 23) | (mant << 13)),
    };
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// A weight matrix: `rows` rows of `cols` values, in GGUF's block layout.
#[derive(Clone, Debug)]
pub enum QMatrix {
    Q4_1 {
        rows: usize,
        cols: usize,
        blocks: Vec<BlockQ4_1>,
    },
    Q8_0 {
        rows: usize,
        cols: usize,
        blocks: Vec<BlockQ8_0>,
    },
}

impl QMatrix {
    pub fn rows(&self) -> usize {
        match self {
            Self::Q4_1 { rows, .. } | Self::Q8_0 { rows, .. } => *rows,
        }
    }

    pub fn cols(&self) -> usize {
        match self {
            Self::Q4_1 { cols, .. } | Self::Q8_0 { cols, .. } => *cols,
        }
    }

    /// `self` with `other`'s rows appended (same kind and width), so that
    /// matrices applied to the same input run as one.
    pub fn stacked(self, other: Self) -> Option<Self> {
        match (self, other) {
            (
                Self::Q4_1 {
                    rows,
                    cols,
                    mut blocks,
                },
                Self::Q4_1 {
                    rows: r2,
                    cols: c2,
                    blocks: b2,
                },
            ) if cols == c2 => {
                blocks.extend_from_slice(&b2);
                Some(Self::Q4_1 {
                    rows: rows + r2,
                    cols,
                    blocks,
                })
            }
            (
                Self::Q8_0 {
                    rows,
                    cols,
                    mut blocks,
                },
                Self::Q8_0 {
                    rows: r2,
                    cols: c2,
                    blocks: b2,
                },
            ) if cols == c2 => {
                blocks.extend_from_slice(&b2);
                Some(Self::Q8_0 {
                    rows: rows + r2,
                    cols,
                    blocks,
                })
            }
            _ => None,
        }
    }

    /// Row `row` as f32 values (the embedding lookup).
    pub fn dequantize_row(&self, row: usize, out: &mut [f32]) {
        let cols = self.cols();
        let per_row = cols / BLOCK;
        match self {
            Self::Q4_1 { blocks, .. } => {
                for (b, out) in blocks[row * per_row..][..per_row]
                    .iter()
                    .zip(out.chunks_exact_mut(BLOCK))
                {
                    let (d, m) = (f16_to_f32(b.d), f16_to_f32(b.m));
                    for (j, &q) in b.qs.iter().enumerate() {
                        out[j] = f32::from(q & 0x0f) * d + m;
                        out[j + BLOCK / 2] = f32::from(q >> 4) * d + m;
                    }
                }
            }
            Self::Q8_0 { blocks, .. } => {
                for (b, out) in blocks[row * per_row..][..per_row]
                    .iter()
                    .zip(out.chunks_exact_mut(BLOCK))
                {
                    let d = f16_to_f32(b.d);
                    for (o, &q) in out.iter_mut().zip(&b.qs) {
                        *o = f32::from(q) * d;
                    }
                }
            }
        }
    }
}

fn has_avx2() -> bool {
    static AVX2: OnceLock<bool> = OnceLock::new();
    *AVX2.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("f16c")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    })
}

/// Quantizes each row of `x` (`cols` values per row, a multiple of
/// [`BLOCK`]) into `out` (`cols / BLOCK` blocks per row), as llama.cpp's
/// `quantize_row_q8_1` does: scale `max|x| / 127`, round to nearest.
pub fn quantize_rows(x: &[f32], cols: usize, out: &mut Vec<ActBlock>) {
    out.clear();
    out.resize(x.len() / BLOCK, ActBlock::default());
    let per_row = cols / BLOCK;
    let work = |(x, out): (&[f32], &mut [ActBlock])| {
        for (x, b) in x.chunks_exact(BLOCK).zip(out.iter_mut()) {
            quantize_block(x, b);
        }
    };
    if x.len() / cols > 1 {
        x.par_chunks(cols)
            .zip(out.par_chunks_mut(per_row))
            .for_each(work);
    } else {
        work((x, out));
    }
}

#[inline]
fn quantize_block(x: &[f32], b: &mut ActBlock) {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let id = if d > 0.0 { 1.0 / d } else { 0.0 };
    let mut sum = 0i32;
    for (q, &v) in b.qs.iter_mut().zip(x) {
        *q = (v * id).round() as i8;
        sum += i32::from(*q);
    }
    b.d = d;
    b.s = d * sum as f32;
}

/// `out[t * w.rows() + r] = Σ_c w[r][c] * x[t][c]` for every token row `t` of
/// the quantized activations `x` (`w.cols() / BLOCK` blocks per token) and
/// every weight row `r`, with the rows split among the current rayon pool's
/// threads.
pub fn matmul(w: &QMatrix, x: &[ActBlock], out: &mut [f32]) {
    let (rows, per_row) = (w.rows(), w.cols() / BLOCK);
    let tokens = x.len() / per_row;
    assert_eq!(x.len(), tokens * per_row, "activation width");
    assert_eq!(out.len(), tokens * rows, "output size");
    let avx2 = has_avx2();
    // Rows per task: enough work to outweigh a task's cost, enough tasks to balance.
    let rows_per_task = (256 / tokens.max(1)).clamp(8, 64);
    let out = SharedOut(out.as_mut_ptr());
    (0..rows.div_ceil(rows_per_task))
        .into_par_iter()
        .for_each(|task| {
            let first = task * rows_per_task;
            for r in first..(first + rows_per_task).min(rows) {
                for t0 in (0..tokens).step_by(TOKENS_PER_PASS) {
                    let n = TOKENS_PER_PASS.min(tokens - t0);
                    let acts: [&[ActBlock]; TOKENS_PER_PASS] = std::array::from_fn(|i| {
                        let t = t0 + i.min(n - 1);
                        &x[t * per_row..(t + 1) * per_row]
                    });
                    let sums = row_dot(w, r, per_row, &acts, n, avx2);
                    for (i, &sum) in sums[..n].iter().enumerate() {
                        // SAFETY: each (token, row) cell is written by the one task owning the row.
                        unsafe { out.write((t0 + i) * rows + r, sum) };
                    }
                }
            }
        });
}

/// The output buffer of [`matmul`], written at disjoint cells by its tasks.
#[derive(Clone, Copy)]
struct SharedOut(*mut f32);
// SAFETY: tasks write disjoint cells only, and `matmul` outlives them.
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// SAFETY: `i` in bounds, and no one else accesses cell `i` meanwhile.
    unsafe fn write(self, i: usize, v: f32) {
        unsafe { *self.0.add(i) = v };
    }
}

/// Row `r` of `w` dotted with the first `n` of `acts` (the others are ignored).
#[inline]
fn row_dot(
    w: &QMatrix,
    r: usize,
    per_row: usize,
    acts: &[&[ActBlock]; TOKENS_PER_PASS],
    n: usize,
    avx2: bool,
) -> [f32; TOKENS_PER_PASS] {
    match w {
        QMatrix::Q4_1 { blocks, .. } => {
            let row = &blocks[r * per_row..(r + 1) * per_row];
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: AVX2, FMA and F16C were detected.
                return unsafe {
                    if n == 1 {
                        avx2::dot_q4_1::<1>(row, acts)
                    } else {
                        avx2::dot_q4_1::<TOKENS_PER_PASS>(row, acts)
                    }
                };
            }
            let _ = avx2;
            std::array::from_fn(|i| {
                if i < n {
                    dot_q4_1_scalar(row, acts[i])
                } else {
                    0.0
                }
            })
        }
        QMatrix::Q8_0 { blocks, .. } => {
            let row = &blocks[r * per_row..(r + 1) * per_row];
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: AVX2, FMA and F16C were detected.
                return unsafe {
                    if n == 1 {
                        avx2::dot_q8_0::<1>(row, acts)
                    } else {
                        avx2::dot_q8_0::<TOKENS_PER_PASS>(row, acts)
                    }
                };
            }
            std::array::from_fn(|i| {
                if i < n {
                    dot_q8_0_scalar(row, acts[i])
                } else {
                    0.0
                }
            })
        }
    }
}

pub fn dot_q4_1_scalar(w: &[BlockQ4_1], x: &[ActBlock]) -> f32 {
    w.iter()
        .zip(x)
        .map(|(w, x)| {
            let mut sum = 0i32;
            for (j, &q) in w.qs.iter().enumerate() {
                sum += i32::from(q & 0x0f) * i32::from(x.qs[j]);
                sum += i32::from(q >> 4) * i32::from(x.qs[j + BLOCK / 2]);
            }
            f16_to_f32(w.d) * x.d * sum as f32 + f16_to_f32(w.m) * x.s
        })
        .sum()
}

pub fn dot_q8_0_scalar(w: &[BlockQ8_0], x: &[ActBlock]) -> f32 {
    w.iter()
        .zip(x)
        .map(|(w, x)| {
            let sum: i32 =
                w.qs.iter()
                    .zip(&x.qs)
                    .map(|(&a, &b)| i32::from(a) * i32::from(b))
                    .sum();
            f16_to_f32(w.d) * x.d * sum as f32
        })
        .sum()
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{ActBlock, BlockQ4_1, BlockQ8_0, TOKENS_PER_PASS};

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn f16(h: u16) -> f32 {
        _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(i32::from(h))))
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn hsum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_movehdup_ps(s));
        _mm_cvtss_f32(s)
    }

    /// Unsigned weight bytes times signed activation bytes, summed per 32-bit lane.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn dot_u8_i8(w: __m256i, x: __m256i) -> __m256 {
        let pairs = _mm256_maddubs_epi16(w, x);
        _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
    }

    /// `w · x[i]` for `i < N`; `ggml_vec_dot_q4_1_q8_1` for N tokens at once.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn dot_q4_1<const N: usize>(
        w: &[BlockQ4_1],
        x: &[&[ActBlock]; TOKENS_PER_PASS],
    ) -> [f32; TOKENS_PER_PASS] {
        let mut acc = [_mm256_setzero_ps(); N];
        let mut offsets = [0f32; N];
        let low = _mm256_set1_epi8(0x0f);
        for (b, wb) in w.iter().enumerate() {
            // SAFETY: 16 readable bytes.
            let packed = unsafe { _mm_loadu_si128(wb.qs.as_ptr().cast()) };
            let nibbles =
                _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16::<4>(packed), packed), low);
            let (d, m) = (f16(wb.d), f16(wb.m));
            for i in 0..N {
                let xb = &x[i][b];
                // SAFETY: 32 readable bytes.
                let q = unsafe { _mm256_loadu_si256(xb.qs.as_ptr().cast()) };
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d * xb.d), dot_u8_i8(nibbles, q), acc[i]);
                offsets[i] += m * xb.s;
            }
        }
        let mut out = [0f32; TOKENS_PER_PASS];
        for i in 0..N {
            out[i] = hsum(acc[i]) + offsets[i];
        }
        out
    }

    /// `w · x[i]` for `i < N`; `ggml_vec_dot_q8_0_q8_0` for N tokens at once.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn dot_q8_0<const N: usize>(
        w: &[BlockQ8_0],
        x: &[&[ActBlock]; TOKENS_PER_PASS],
    ) -> [f32; TOKENS_PER_PASS] {
        let mut acc = [_mm256_setzero_ps(); N];
        for (b, wb) in w.iter().enumerate() {
            // SAFETY: 32 readable bytes.
            let q = unsafe { _mm256_loadu_si256(wb.qs.as_ptr().cast()) };
            // maddubs wants one unsigned operand: |w| times x with w's sign.
            let abs = _mm256_sign_epi8(q, q);
            let d = f16(wb.d);
            for i in 0..N {
                let xb = &x[i][b];
                // SAFETY: 32 readable bytes.
                let xq = unsafe { _mm256_loadu_si256(xb.qs.as_ptr().cast()) };
                let signed = _mm256_sign_epi8(xq, q);
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d * xb.d), dot_u8_i8(abs, signed), acc[i]);
            }
        }
        let mut out = [0f32; TOKENS_PER_PASS];
        for i in 0..N {
            out[i] = hsum(acc[i]);
        }
        out
    }
}

/// Vectorisable f32 helpers (attention, norms, SiLU): the loops are written
/// so that the compiler vectorises them, and compiled twice, for AVX2+FMA
/// (used when the CPU has them) and for the build's baseline.
macro_rules! dispatch {
    ($(#[$doc:meta])* pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$doc])*
        #[allow(clippy::too_many_arguments)]
        pub fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                fn fast($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                if has_avx2() {
                    // SAFETY: AVX2 and FMA were detected.
                    return unsafe { fast($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}

const LANES: usize = 8;

#[inline(always)]
fn dot_body(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    for (a, b) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for i in 0..LANES {
            acc[i] += a[i] * b[i];
        }
    }
    acc.iter().sum()
}

#[inline(always)]
fn axpy_body(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// `e^x` for `x <= 0` down to about -87 (then 0), to within 2 ulp: what
/// softmax and SiLU need, in a form the compiler vectorises.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    // e^x = 2^n * e^r with n = round(x / ln 2), |r| <= ln2 / 2; Cephes' polynomial.
    let x = x.max(-87.0);
    let n = (x * std::f32::consts::LOG2_E).round();
    let r = x - n * 0.693_359_4;
    let r = r + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let p = p * r * r + r + 1.0;
    f32::from_bits(p.to_bits().wrapping_add(((n as i32) << 23) as u32))
}

#[inline(always)]
fn softmax_body(x: &mut [f32]) {
    let max = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut sum = 0f32;
    for v in x.iter_mut() {
        *v = exp_nonpositive(*v - max);
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in x.iter_mut() {
        *v *= inv;
    }
}

dispatch! {
    /// `Σ a[i] * b[i]` (equal lengths, a multiple of 8).
    #[cfg(test)]
    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        dot_body(a, b)
    }
}

dispatch! {
    /// `y += a * x` (equal lengths).
    #[cfg(test)]
    pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
        axpy_body(a, x, y)
    }
}

dispatch! {
    /// In-place softmax of `x` (not empty).
    #[cfg(test)]
    pub fn softmax(x: &mut [f32]) {
        softmax_body(x)
    }
}

dispatch! {
    /// One attention head: `out = softmax(q·Kᵀ · scale) · V` over the first
    /// `positions` rows of the caches, whose rows are `stride` wide with this
    /// head's keys and values at `offset`. `scores` is scratch.
    pub fn attend(
        q: &[f32],
        keys: &[f32],
        values: &[f32],
        offset: usize,
        stride: usize,
        positions: usize,
        scale: f32,
        scores: &mut Vec<f32>,
        out: &mut [f32]
    ) {
        let hd = q.len();
        scores.clear();
        scores.extend((0..positions).map(|p| dot_body(q, &keys[p * stride + offset..][..hd]) * scale));
        softmax_body(scores);
        out.fill(0.0);
        for (p, &w) in scores.iter().enumerate() {
            axpy_body(w, &values[p * stride + offset..][..hd], out);
        }
    }
}

dispatch! {
    /// `gate[i] = silu(gate[i]) * up[i]` (SwiGLU).
    pub fn silu_mul(gate: &mut [f32], up: &[f32]) {
        for (g, &u) in gate.iter_mut().zip(up) {
            // silu(g) = g * sigmoid(g), with e^-|g| to stay in range.
            let e = exp_nonpositive(-g.abs());
            let sigmoid = if *g >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
            *g = *g * sigmoid * u;
        }
    }
}

dispatch! {
    /// `out = x / rms(x) * weight` (RMSNorm).
    pub fn rms_norm(x: &[f32], weight: &[f32], eps: f32, out: &mut [f32]) {
        let mean = dot_body(x, x) / x.len() as f32;
        let scale = 1.0 / (mean + eps).sqrt();
        for ((o, &v), &w) in out.iter_mut().zip(x).zip(weight) {
            *o = v * scale * w;
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::quantized::{ggml_file::qtensor_from_ggml, GgmlDType, QTensor};
    use candle_core::{Device, Tensor};

    use super::*;

    fn random(seed: &mut u64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| {
                *seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// A `rows x cols` matrix quantized by candle, as ours and as candle's.
    fn quantized(dtype: GgmlDType, rows: usize, cols: usize, seed: &mut u64) -> (QMatrix, QTensor) {
        let values =
            Tensor::from_vec(random(seed, rows * cols), (rows, cols), &Device::Cpu).unwrap();
        let q = QTensor::quantize(&values, dtype).unwrap();
        let bytes = q.data().unwrap();
        let matrix = match dtype {
            GgmlDType::Q4_1 => QMatrix::Q4_1 {
                rows,
                cols,
                blocks: blocks_from_bytes(&bytes),
            },
            GgmlDType::Q8_0 => QMatrix::Q8_0 {
                rows,
                cols,
                blocks: blocks_from_bytes(&bytes),
            },
            _ => unreachable!(),
        };
        (matrix, q)
    }

    #[test]
    fn f16_conversion_is_exact() {
        let bits: Vec<u16> = (0..=u16::MAX).collect();
        let bytes: Vec<u8> = bits.iter().flat_map(|b| b.to_le_bytes()).collect();
        let reference: Vec<f32> =
            qtensor_from_ggml(GgmlDType::F16, &bytes, vec![bits.len()], &Device::Cpu)
                .unwrap()
                .dequantize(&Device::Cpu)
                .unwrap()
                .to_vec1()
                .unwrap();
        for (&b, &expected) in bits.iter().zip(&reference) {
            let got = f16_to_f32(b);
            assert!(
                got.to_bits() == expected.to_bits() || (got.is_nan() && expected.is_nan()),
                "{b:#06x}: {got} vs {expected}"
            );
        }
    }

    /// Our kernels against candle's dequantized weights times f32 activations:
    /// the difference is the activations' 8-bit rounding only.
    #[test]
    fn matmul_matches_candle_dequantized() {
        let mut seed = 7;
        for dtype in [GgmlDType::Q4_1, GgmlDType::Q8_0] {
            for (rows, cols, tokens) in [(40, 576, 1), (24, 1536, 7), (33, 64, 4), (8, 96, 9)] {
                let (matrix, q) = quantized(dtype, rows, cols, &mut seed);
                let x = random(&mut seed, tokens * cols);
                let w = q.dequantize(&Device::Cpu).unwrap();
                let xt = Tensor::from_vec(x.clone(), (tokens, cols), &Device::Cpu).unwrap();
                let expected: Vec<f32> = xt
                    .matmul(&w.t().unwrap())
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1()
                    .unwrap();

                let mut acts = Vec::new();
                quantize_rows(&x, cols, &mut acts);
                let mut got = vec![0f32; tokens * rows];
                matmul(&matrix, &acts, &mut got);
                // Each product's error is bounded by |w| * (x's rounding step / 2).
                let tolerance = cols as f32 * 1.0 * (1.0 / 127.0) * 0.5 * 0.6;
                for (i, (&g, &e)) in got.iter().zip(&expected).enumerate() {
                    assert!(
                        (g - e).abs() <= tolerance.max(0.02),
                        "{dtype:?} {rows}x{cols} t{tokens} [{i}]: {g} vs {e}"
                    );
                }
                // The scalar kernels give what the SIMD ones give.
                let per_row = cols / BLOCK;
                for t in 0..tokens {
                    for r in 0..rows {
                        let x = &acts[t * per_row..(t + 1) * per_row];
                        let scalar = match &matrix {
                            QMatrix::Q4_1 { blocks, .. } => {
                                dot_q4_1_scalar(&blocks[r * per_row..][..per_row], x)
                            }
                            QMatrix::Q8_0 { blocks, .. } => {
                                dot_q8_0_scalar(&blocks[r * per_row..][..per_row], x)
                            }
                        };
                        let g = got[t * rows + r];
                        assert!(
                            (g - scalar).abs() <= 1e-3 * (1.0 + scalar.abs()),
                            "{g} vs {scalar}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn dequantized_rows_match_candle() {
        let mut seed = 3;
        for dtype in [GgmlDType::Q4_1, GgmlDType::Q8_0] {
            let (matrix, q) = quantized(dtype, 5, 96, &mut seed);
            let expected: Vec<Vec<f32>> = q.dequantize(&Device::Cpu).unwrap().to_vec2().unwrap();
            let mut row = vec![0f32; 96];
            for (r, expected) in expected.iter().enumerate() {
                matrix.dequantize_row(r, &mut row);
                assert_eq!(&row, expected);
            }
        }
    }

    #[test]
    fn f32_helpers_match_plain_arithmetic() {
        let mut seed = 11;
        let a = random(&mut seed, 64);
        let b = random(&mut seed, 64);
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-5);

        let mut y = b.clone();
        axpy(0.5, &a, &mut y);
        for i in 0..64 {
            assert!((y[i] - (b[i] + 0.5 * a[i])).abs() < 1e-6);
        }

        let mut s: Vec<f32> = a.iter().map(|v| v * 30.0).collect();
        let max = s.iter().cloned().fold(f32::MIN, f32::max);
        let total: f32 = s.iter().map(|v| (v - max).exp()).sum();
        let expected: Vec<f32> = s.iter().map(|v| (v - max).exp() / total).collect();
        softmax(&mut s);
        for (g, e) in s.iter().zip(&expected) {
            assert!((g - e).abs() < 1e-6, "{g} vs {e}");
        }
        for x in [-86.9f32, -20.0, -3.3, -1.0, -0.25, -1e-6, 0.0] {
            let (g, e) = (exp_nonpositive(x), x.exp());
            assert!((g - e).abs() <= 3e-7 * e, "exp({x}): {g} vs {e}");
        }
        assert!(exp_nonpositive(-100.0) < 2e-38);

        let up = random(&mut seed, 64);
        let mut gate: Vec<f32> = a.iter().map(|v| v * 20.0).collect();
        let expected: Vec<f32> = gate
            .iter()
            .zip(&up)
            .map(|(g, u)| g / (1.0 + (-g).exp()) * u)
            .collect();
        silu_mul(&mut gate, &up);
        for (g, e) in gate.iter().zip(&expected) {
            assert!((g - e).abs() < 1e-5, "{g} vs {e}");
        }

        let w = random(&mut seed, 64);
        let mut out = vec![0f32; 64];
        rms_norm(&a, &w, 1e-5, &mut out);
        let rms = (a.iter().map(|v| v * v).sum::<f32>() / 64.0 + 1e-5).sqrt();
        for i in 0..64 {
            assert!((out[i] - a[i] / rms * w[i]).abs() < 1e-5);
        }
    }
}
