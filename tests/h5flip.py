#!/usr/bin/python3
"""Flip one bit of a chunked dataset as stored on disk (a simulated media error).

usage: h5flip.py FILE DATASET INDEX [BYTE]

INDEX is the comma-separated coordinate of an element (e.g. 15,0,0 for frame 15 of the
positions); the bit flipped is the lowest of byte BYTE (default 100, capped to the chunk) of the
chunk holding that element, written straight into the file. Prints the file offset changed.
"""
import sys
import h5py


def main():
    path, name, index = sys.argv[1], sys.argv[2], tuple(int(v) for v in sys.argv[3].split(","))
    byte = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    with h5py.File(path, "r") as f:
        ds = f[name]
        chunk = tuple(i // c * c for i, c in zip(index, ds.chunks))
        info = ds.id.get_chunk_info_by_coord(chunk)
        offset = info.byte_offset + min(byte, info.size - 5)  # not the Fletcher32 trailer
    with open(path, "r+b") as raw:
        raw.seek(offset)
        b = raw.read(1)
        raw.seek(offset)
        raw.write(bytes([b[0] ^ 1]))
    print(offset)


if __name__ == "__main__":
    main()
