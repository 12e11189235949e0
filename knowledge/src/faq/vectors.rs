//! Exact nearest neighbours over FAQ embeddings, fast enough without an ANN
//! index at the sizes a tenant's FAQ has (100,000 entries: a few ms).
//!
//! Vectors are L2-normalised, so cosine is a dot product. The scan runs on an
//! int8 copy (a quarter of the memory traffic of f32, which is what bounds a
//! scan of 100,000 × 384 floats), keeps a generous shortlist, and rescores
//! the shortlist with the f32 vectors, so the order returned is exact unless
//! quantisation pushes a true top-k vector out of a shortlist 4× larger.

use std::collections::{BinaryHeap, HashMap};

/// Slots scanned per result in the int8 pass, before the f32 rescoring.
const SHORTLIST_FACTOR: usize = 4;
const SHORTLIST_MIN: usize = 64;
/// Sets of at least this many vectors are scanned on every core.
const PARALLEL_FROM: usize = 20_000;

/// Which vectors a scan may return, given each one's id and payload.
pub type Keep<'a, M> = dyn Fn(&str, &M) -> bool + Sync + 'a;

/// The vectors by id, each with a payload `M` the scan's filter reads
/// without a lookup by id (the FAQ index keeps its filter fields there).
#[derive(Debug, Default)]
pub struct VectorSet<M = ()> {
    dims: usize,
    ids: Vec<String>,
    slots: HashMap<String, usize>,
    full: Vec<f32>,
    quant: Vec<i8>,
    scales: Vec<f32>,
    payload: Vec<M>,
}

impl<M: Clone + Default + Send + Sync> VectorSet<M> {
    pub fn new(dims: usize) -> Self {
        VectorSet {
            dims,
            ..Default::default()
        }
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.slots.contains_key(id)
    }

    /// Adds or replaces `id`'s vector (a new one with the default payload);
    /// a vector of the wrong length (another embedder's) or all zeros is
    /// refused with `false`.
    pub fn upsert(&mut self, id: &str, vector: &[f32]) -> bool {
        self.put(id, vector, None)
    }

    /// [`VectorSet::upsert`] with the payload.
    pub fn upsert_with(&mut self, id: &str, vector: &[f32], payload: M) -> bool {
        self.put(id, vector, Some(payload))
    }

    /// Replaces the payload of `id`, when it has a vector.
    pub fn set_payload(&mut self, id: &str, payload: M) {
        if let Some(&slot) = self.slots.get(id) {
            self.payload[slot] = payload;
        }
    }

    fn put(&mut self, id: &str, vector: &[f32], payload: Option<M>) -> bool {
        let Some(unit) = normalised(vector, self.dims) else {
            return false;
        };
        let (q, scale) = quantise(&unit);
        match self.slots.get(id) {
            Some(&slot) => {
                let range = slot * self.dims..(slot + 1) * self.dims;
                self.full[range.clone()].copy_from_slice(&unit);
                self.quant[range].copy_from_slice(&q);
                self.scales[slot] = scale;
                if let Some(p) = payload {
                    self.payload[slot] = p;
                }
            }
            None => {
                self.slots.insert(id.to_string(), self.ids.len());
                self.ids.push(id.to_string());
                self.full.extend_from_slice(&unit);
                self.quant.extend_from_slice(&q);
                self.scales.push(scale);
                self.payload.push(payload.unwrap_or_default());
            }
        }
        true
    }

    /// Removes `id` (the last slot moves into its place).
    pub fn remove(&mut self, id: &str) {
        let Some(slot) = self.slots.remove(id) else {
            return;
        };
        let last = self.ids.len() - 1;
        let d = self.dims;
        if slot != last {
            self.full.copy_within(last * d..(last + 1) * d, slot * d);
            self.quant.copy_within(last * d..(last + 1) * d, slot * d);
            self.scales[slot] = self.scales[last];
            self.payload.swap(slot, last);
            self.ids.swap(slot, last);
            self.slots.insert(self.ids[slot].clone(), slot);
        }
        self.ids.truncate(last);
        self.full.truncate(last * d);
        self.quant.truncate(last * d);
        self.scales.truncate(last);
        self.payload.truncate(last);
    }

    /// The `k` ids most similar to `query` (cosine, best first) among those
    /// `keep` accepts, given each id and payload (`None`: all, without a
    /// call per vector). Large sets
    /// are scanned in parallel, a part per core, each keeping its own
    /// shortlist; the shortlists merge before the exact rescoring.
    pub fn top_k(&self, query: &[f32], k: usize, keep: Option<&Keep<M>>) -> Vec<(String, f32)> {
        use rayon::prelude::*;
        let Some(unit) = normalised(query, self.dims) else {
            return Vec::new();
        };
        if k == 0 || self.ids.is_empty() {
            return Vec::new();
        }
        // The query's own scale is the same for every row: it cannot change the order.
        let (q, _) = quantise(&unit);
        let shortlist = (k * SHORTLIST_FACTOR).max(SHORTLIST_MIN);
        let rows = self.ids.len();
        let parts = if rows >= PARALLEL_FROM {
            rayon::current_num_threads().max(1)
        } else {
            1
        };
        let per_part = rows.div_ceil(parts);
        let scan = |first: usize| -> Vec<(i64, usize)> {
            let last = (first + per_part).min(rows);
            // Min-heap of the best approximate scores so far.
            let mut heap: BinaryHeap<std::cmp::Reverse<(i64, usize)>> = BinaryHeap::new();
            for slot in first..last {
                if keep.is_some_and(|keep| !keep(&self.ids[slot], &self.payload[slot])) {
                    continue;
                }
                let row = &self.quant[slot * self.dims..(slot + 1) * self.dims];
                let dot = dot_i8(&q, row);
                // Scales differ per vector: compare in a fixed-point of the product.
                let approx = (dot as f64 * self.scales[slot] as f64 * 1e6) as i64;
                if heap.len() < shortlist {
                    heap.push(std::cmp::Reverse((approx, slot)));
                } else if heap.peek().is_some_and(|m| m.0 .0 < approx) {
                    heap.pop();
                    heap.push(std::cmp::Reverse((approx, slot)));
                }
            }
            heap.into_iter().map(|std::cmp::Reverse(x)| x).collect()
        };
        let mut candidates: Vec<(i64, usize)> = if parts == 1 {
            scan(0)
        } else {
            (0..parts)
                .into_par_iter()
                .map(|p| scan(p * per_part))
                .flatten()
                .collect()
        };
        candidates.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.truncate(shortlist);
        let mut exact: Vec<(usize, f32)> = candidates
            .into_iter()
            .map(|(_, slot)| {
                let row = &self.full[slot * self.dims..(slot + 1) * self.dims];
                (slot, dot_f32(&unit, row))
            })
            .collect();
        exact.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        exact.truncate(k);
        exact
            .into_iter()
            .map(|(slot, s)| (self.ids[slot].clone(), s))
            .collect()
    }

    /// The cosine of `query` and `id`'s vector, when it has one.
    pub fn similarity(&self, query: &[f32], id: &str) -> Option<f32> {
        let unit = normalised(query, self.dims)?;
        let slot = *self.slots.get(id)?;
        Some(dot_f32(
            &unit,
            &self.full[slot * self.dims..(slot + 1) * self.dims],
        ))
    }
}

fn normalised(v: &[f32], dims: usize) -> Option<Vec<f32>> {
    if v.len() != dims || dims == 0 {
        return None;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    (norm.is_finite() && norm > 0.0).then(|| v.iter().map(|x| x / norm).collect())
}

/// Symmetric int8 quantisation: `v ≈ q * scale`.
fn quantise(v: &[f32]) -> (Vec<i8>, f32) {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    (v.iter().map(|x| (x / scale).round() as i8).collect(), scale)
}

fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { dot_i8_avx2(a, b) };
        }
    }
    dot_i8_portable(a, b)
}

/// Written so the compiler vectorises it (widening multiply-add).
#[inline(always)]
fn dot_i8_portable(a: &[i8], b: &[i8]) -> i32 {
    a.iter().zip(b).map(|(x, y)| *x as i32 * *y as i32).sum()
}

/// The same loop compiled for AVX2 (the baseline x86-64 target has only
/// SSE2): 32 products per instruction instead of 8, the scan's main cost.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    dot_i8_portable(a, b)
}

fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &[f32]) -> Vec<f32> {
        x.to_vec()
    }

    #[test]
    fn finds_the_nearest_and_honours_the_filter() {
        let mut set: VectorSet = VectorSet::new(3);
        assert!(set.upsert("a", &v(&[1.0, 0.0, 0.0])));
        assert!(set.upsert("b", &v(&[0.0, 1.0, 0.0])));
        assert!(set.upsert("c", &v(&[0.7, 0.7, 0.0])));
        assert!(!set.upsert("bad", &v(&[1.0, 0.0])), "wrong length refused");
        let top = set.top_k(&[0.9, 0.1, 0.0], 2, None);
        assert_eq!(top[0].0, "a");
        assert_eq!(top[1].0, "c");
        assert!((top[0].1 - 0.9939).abs() < 1e-3);
        let top = set.top_k(&[0.9, 0.1, 0.0], 1, Some(&|id: &str, _: &()| id != "a"));
        assert_eq!(top[0].0, "c");
    }

    #[test]
    fn a_large_set_scanned_in_parts_finds_the_exact_nearest() {
        let dims = 16;
        let mut set: VectorSet<bool> = VectorSet::new(dims);
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let rows: Vec<Vec<f32>> = (0..PARALLEL_FROM + 5_000)
            .map(|_| (0..dims).map(|_| next()).collect())
            .collect();
        for (i, r) in rows.iter().enumerate() {
            set.upsert_with(&i.to_string(), r, i % 2 == 0);
        }
        let query: Vec<f32> = (0..dims).map(|_| next()).collect();
        let unit = normalised(&query, dims).unwrap();
        let mut exact: Vec<(usize, f32)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i, dot_f32(&unit, &normalised(r, dims).unwrap())))
            .collect();
        exact.sort_by(|a, b| b.1.total_cmp(&a.1));
        let want: Vec<String> = exact[..5].iter().map(|(i, _)| i.to_string()).collect();
        let got: Vec<String> = set
            .top_k(&query, 5, None)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(got, want);
        // With a filter too (every other id).
        let even = |_: &str, even: &bool| *even;
        let want: Vec<String> = exact
            .iter()
            .filter(|(i, _)| i % 2 == 0)
            .take(3)
            .map(|(i, _)| i.to_string())
            .collect();
        let got: Vec<String> = set
            .top_k(&query, 3, Some(&even))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn the_vectorised_dot_product_is_the_portable_one() {
        let a: Vec<i8> = (0..384).map(|i| ((i * 37) % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..384).map(|i| ((i * 91) % 255 - 127) as i8).collect();
        assert_eq!(dot_i8(&a, &b), dot_i8_portable(&a, &b));
        assert_eq!(dot_i8(&a[..7], &b[..7]), dot_i8_portable(&a[..7], &b[..7]));
    }

    #[test]
    fn remove_moves_the_last_slot_and_keeps_ids_right() {
        let mut set: VectorSet<usize> = VectorSet::new(2);
        set.upsert_with("a", &[1.0, 0.0], 1);
        set.upsert_with("b", &[0.0, 1.0], 2);
        set.upsert_with("c", &[-1.0, 0.0], 3);
        set.remove("a");
        assert_eq!(set.len(), 2);
        assert_eq!(set.top_k(&[-1.0, 0.0], 1, None)[0].0, "c");
        assert_eq!(set.top_k(&[0.0, 1.0], 1, None)[0].0, "b");
        // Payloads moved with their vectors.
        let payload_of = |want: &str| {
            let only = |id: &str, _: &usize| id == want;
            let mut seen = 0;
            let check = |id: &str, p: &usize| {
                if id == want {
                    assert_eq!(*p, if want == "b" { 2 } else { 3 });
                }
                only(id, p)
            };
            seen += set.top_k(&[0.0, 1.0], 2, Some(&check)).len();
            seen
        };
        assert_eq!(payload_of("b") + payload_of("c"), 2);
        set.upsert("b", &[-1.0, 0.1]);
        set.set_payload("c", 9);
        assert_eq!(
            set.top_k(&[-1.0, 0.0], 2, Some(&|_: &str, p: &usize| *p == 9))[0].0,
            "c"
        );
        assert_eq!(set.len(), 2, "upsert replaces");
        assert!(set.similarity(&[0.0, 1.0], "a").is_none());
    }
}
