"""Reads a BatchFcn score map the way its users do, with the zarr library, and reports what it found as JSON.

usage: /usr/bin/python3 tests/interop/read_scores.py SCORES.zarr [SCORES.npy]

Prints shape, dtype, chunks, fill value, compressor and filters (numcodecs ids), attributes, NaN count, the fraction of computed cells where each
class scores highest, and, given the .npy, whether numpy reads the same array from it (NaN equal to NaN). Used by the test suite;
Debian's python3-zarr (which brings numpy) is what ./build.sh test installs for it.
"""
import json
import sys

import numpy as np
import zarr


def main(argv):
    scores = zarr.open(argv[1], mode="r")
    values = scores[:]
    report = {
        "zarr": zarr.__version__,
        "shape": list(values.shape),
        "dtype": str(values.dtype),
        "chunks": list(scores.chunks),
        "fill": repr(scores.fill_value),
        "attrs": dict(scores.attrs),
        "nan": int(np.isnan(values).sum()),
        "compressor": scores.compressor.codec_id if scores.compressor is not None else None,
        "filters": [f.codec_id for f in (scores.filters or [])],
    }
    computed = ~np.isnan(values).any(axis=0)
    top = np.argmax(np.where(np.isnan(values), -np.inf, values), axis=0)[computed]
    report["computed"] = int(computed.sum())
    report["top_fraction"] = [float((top == k).mean()) if top.size else 0.0 for k in range(values.shape[0])]
    if len(argv) > 2:
        npy = np.load(argv[2])
        report["npy_shape"] = list(npy.shape)
        report["npy_dtype"] = str(npy.dtype)
        report["equal"] = bool(npy.shape == values.shape and np.array_equal(npy, values, equal_nan=True))
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
