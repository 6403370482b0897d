/**
 * NumPy `.npy` files, format version 1.0. A file starts with the magic
 * string "\x93NUMPY", the version bytes 1 and 0 and a little-endian uint16
 * header length. The header is an ASCII Python dict literal, padded with
 * spaces and ended by "\n" so that the data starts at a multiple of 64
 * bytes. The raw data follows in C order. Files written here load with
 * `numpy.load` (checked with NumPy 2.4.6).
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const PREAMBLE_BYTES = 10; // magic (6) + version (2) + header length (2)
const ALIGNMENT = 64;

/** Formats the header dict of a little-endian float64 C-order array, without padding. */
function headerDict(shape: readonly number[]): string {
  // Python writes a 1-tuple as "(n,)".
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '<f8', 'fortran_order': False, 'shape': ${tuple}, }`;
}

/**
 * Encodes `values` (C order, row-major) as a float64 `.npy` file of the
 * given shape. The bytes are little-endian whatever the host byte order.
 */
export function encodeNpy(values: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((p, n) => p * n, 1);
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`npy: shape ${JSON.stringify(shape)} must contain integers ≥ 0`);
  }
  if (count !== values.length) {
    throw new RangeError(`npy: shape ${JSON.stringify(shape)} has ${count} entries but ${values.length} values were given`);
  }

  const dict = headerDict(shape);
  const unpadded = PREAMBLE_BYTES + dict.length + 1; // + the final "\n"
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  const header = dict + ' '.repeat(padding) + '\n';
  const dataOffset = PREAMBLE_BYTES + header.length;

  const bytes = new Uint8Array(dataOffset + 8 * count);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[PREAMBLE_BYTES + i] = header.charCodeAt(i);
  for (let i = 0; i < count; i++) view.setFloat64(dataOffset + 8 * i, values[i], true);
  return bytes;
}
